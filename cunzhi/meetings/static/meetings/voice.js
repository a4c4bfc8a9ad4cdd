/* A question as a voice note: where the phone's browser can record (MediaRecorder), "Record" and "Stop"
   make the note, which is put in the form's file field and sent with it. Chrome and Android record
   WebM/Opus, Firefox Ogg/Opus, Safari MP4/AAC: the server makes every one an M4A. Without a recorder
   (or without this script) the file field opens the phone's own recorder. */
(function () {
  "use strict";
  var box = document.getElementById("ask-voice");
  var file = document.getElementById("voice-file");
  if (!box || !file || !window.MediaRecorder || !navigator.mediaDevices || !window.DataTransfer) { return; }
  var panel = document.getElementById("voice-recorder");
  var recordBtn = document.getElementById("voice-record");
  var stopBtn = document.getElementById("voice-stop");
  var info = document.getElementById("voice-info");
  var preview = document.getElementById("voice-preview");
  var maxSeconds = parseInt(box.dataset.maxSeconds || "120", 10);
  var recorder = null, parts = [], timer = null, started = 0;
  panel.hidden = false;

  var type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"].filter(function (t) {
    return MediaRecorder.isTypeSupported(t);
  })[0];
  var ext = !type ? "webm" : type.indexOf("mp4") >= 0 ? "m4a" : type.indexOf("ogg") >= 0 ? "ogg" : "webm";

  var finish = function () {
    if (timer) { window.clearInterval(timer); timer = null; }
    if (recorder && recorder.state !== "inactive") { recorder.stop(); }
  };

  recordBtn.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      parts = [];
      recorder = new MediaRecorder(stream, type ? { mimeType: type, audioBitsPerSecond: 32000 } : {});
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) { parts.push(e.data); } };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        var mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
        var blob = new Blob(parts, { type: mime });
        var holder = new DataTransfer();
        holder.items.add(new File([blob], "voice." + ext, { type: mime }));
        file.files = holder.files;
        preview.src = URL.createObjectURL(blob);
        preview.hidden = false;
        recordBtn.hidden = false; stopBtn.hidden = true;
        info.textContent = "✓ " + Math.round((Date.now() - started) / 1000) + " s";
      };
      started = Date.now();
      recorder.start();
      recordBtn.hidden = true; stopBtn.hidden = false;
      timer = window.setInterval(function () {
        var s = Math.round((Date.now() - started) / 1000);
        info.textContent = "● " + s + " s";
        if (s >= maxSeconds) { finish(); }
      }, 500);
    }).catch(function (err) { info.textContent = err && err.message ? err.message : String(err); });
  });
  stopBtn.addEventListener("click", finish);
})();
