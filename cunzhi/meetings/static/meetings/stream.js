/* The meeting's own live stream (cunzhi/meetings/live).
   Watching: native HLS where the browser has it (Safari, Android's own player), hls.js (served from
   this site, never a CDN) elsewhere; "sound only" switches to the audio rendition, and is chosen by
   itself on a slow connection (navigator.connection, or the measured bandwidth of hls.js).
   Broadcasting: the camera and microphone through getUserMedia + MediaRecorder, one WebM chunk a
   second posted with its take and sequence number; chunks that fail are kept and sent again in order,
   so a dropped network loses nothing (within what the phone can hold). Without JavaScript the page
   still gives the playlist links for the phone's own player. */
(function () {
  "use strict";

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Watching -------------------------------------------------------------------------------
  var player = document.getElementById("live-player");
  if (player) {
    var video = document.getElementById("live-video");
    var audioBox = document.getElementById("audio-only");
    var autoNote = document.getElementById("audio-only-auto");
    var hls = null;
    var SLOW = ["slow-2g", "2g"];

    var slow = function () {
      var c = navigator.connection;
      return !!(c && ((c.effectiveType && SLOW.indexOf(c.effectiveType) >= 0) || c.saveData ||
        (c.downlink && c.downlink < 0.5)));
    };

    var play = function () {
      var src = audioBox.checked ? player.dataset.audio : player.dataset.video;
      player.dataset.playing = audioBox.checked ? "audio" : "video";
      if (hls) { hls.destroy(); hls = null; }
      if (window.Hls && window.Hls.isSupported()) {
        hls = new window.Hls({ enableWorker: false, liveSyncDurationCount: 2, manifestLoadingMaxRetry: 30 });
        hls.loadSource(src);
        hls.attachMedia(video);
        hls.on(window.Hls.Events.FRAG_LOADED, function () {
          // Below ~120 kbit/s measured, the video cannot keep up: sound only, said on the page.
          if (!audioBox.checked && hls && hls.bandwidthEstimate && hls.bandwidthEstimate < 120000) {
            audioBox.checked = true; autoNote.hidden = false; play();
          }
        });
        hls.on(window.Hls.Events.ERROR, function (_e, data) {
          if (data.fatal && data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
            window.setTimeout(function () { if (hls) { hls.startLoad(); } }, 2000);
          }
        });
      } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = src;
      } else {
        return;
      }
      video.play().catch(function () { /* autoplay refused: the controls are there */ });
    };

    var start = function () {
      if (slow()) { audioBox.checked = true; autoNote.hidden = false; }
      audioBox.addEventListener("change", function () { autoNote.hidden = true; play(); });
      play();
    };

    // hls.js needs Media Source Extensions; a browser without them (older iPhones) plays HLS itself.
    if (!(window.MediaSource || window.ManagedMediaSource) || !player.dataset.hls) {
      start();
    } else {
      var s = document.createElement("script");
      s.src = player.dataset.hls;
      s.onload = start;
      document.head.appendChild(s);
    }
  }

  // --- Broadcasting ---------------------------------------------------------------------------
  var box = document.getElementById("broadcast");
  var startBtn = document.getElementById("broadcast-start");
  if (!box || !startBtn) { return; }
  var stopBtn = document.getElementById("broadcast-stop");
  var info = document.getElementById("broadcast-info");
  var preview = document.getElementById("broadcast-preview");
  var recorder = null, queue = [], sending = false, take = 0, seq = 0, sent = 0, media = null, kind = "video/webm";

  var say = function (text) { info.textContent = text; };

  var pump = function () {
    if (sending || !queue.length) { return; }
    sending = true;
    var item = queue[0];
    fetch(box.dataset.chunk + "?take=" + item.take + "&seq=" + item.seq, {
      method: "POST", credentials: "same-origin", body: item.blob,
      headers: { "Content-Type": kind, "X-CSRFToken": csrf() }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.ok) { queue.shift(); sent += 1; say("✓ " + sent); return; }
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
          // Refused for good (not media, not the broadcaster, stream stopped): say why and stop.
          queue = []; say(body.detail || String(r.status)); stop(false); return;
        }
        if (r.status === 507) { queue = []; say(body.detail || String(r.status)); stop(false); return; }
        throw new Error(String(r.status));
      });
    }).catch(function () {
      say("…"); // network down: keep the chunk, try again
      return new Promise(function (ok) { window.setTimeout(ok, 1000); });
    }).then(function () { sending = false; pump(); });
  };

  var stop = function (tell) {
    if (recorder && recorder.state !== "inactive") { recorder.stop(); }
    if (media) { media.getTracks().forEach(function (t) { t.stop(); }); }
    startBtn.hidden = false; stopBtn.hidden = true; preview.hidden = true;
    if (tell) {
      var finish = function () {
        if (queue.length) { window.setTimeout(finish, 500); return; }
        fetch(box.dataset.stop, { method: "POST", credentials: "same-origin",
          headers: { "X-CSRFToken": csrf(), "Accept": "application/json" } })
          .then(function () { window.location.reload(); });
      };
      finish();
    }
  };

  startBtn.addEventListener("click", function () {
    if (!navigator.mediaDevices || !window.MediaRecorder) { say("MediaRecorder?"); return; }
    navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 25 } }, audio: true
    }).then(function (stream) {
      media = stream;
      return fetch(box.dataset.start, { method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), "Accept": "application/json" } })
        .then(function (r) { return r.json().then(function (b) { if (!r.ok) { throw new Error(b.detail); } return b; }); });
    }).then(function (body) {
      take = body.take; seq = 0;
      preview.srcObject = media; preview.hidden = false; preview.play().catch(function () {});
      // WebM where the browser makes it; Safari (iPhone) makes fragmented MP4 (H.264/AAC): the server
      // takes both and transcodes them alike.
      var type = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4;codecs=avc1,mp4a", "video/mp4"]
        .filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0];
      var options = { videoBitsPerSecond: 600000, audioBitsPerSecond: 64000 };
      if (type) { options.mimeType = type; }
      recorder = new MediaRecorder(media, options);
      kind = (recorder.mimeType || type || "video/webm").split(";")[0];
      recorder.ondataavailable = function (e) {
        if (e.data && e.data.size) { queue.push({ take: take, seq: seq, blob: e.data }); seq += 1; pump(); }
      };
      recorder.start(1000);
      startBtn.hidden = true; stopBtn.hidden = false;
      box.dataset.live = "1";
    }).catch(function (err) { say(err && err.message ? err.message : String(err)); if (media) { stop(false); } });
  });
  stopBtn.addEventListener("click", function () { stop(true); });
})();
