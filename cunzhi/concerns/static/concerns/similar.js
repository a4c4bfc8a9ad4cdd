/* Progressive enhancement of the raise form: similar open concerns of the village appear while the
   villager types (the same list the "Look for similar concerns first" button shows without script). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var form = document.getElementById("concern-form");
  if (!form || !window.fetch) { return; }
  var text = form.querySelector("textarea[name=text]");
  var box = document.getElementById("similar-box");
  var url = form.getAttribute("data-similar-url");
  var village = form.getAttribute("data-village");
  if (!text || !box || !url || !village) { return; }
  var timer = null, last = "";
  function look() {
    var value = text.value.trim();
    if (value.length < 3 || value === last) { return; }
    last = value;
    fetch(url + "?village=" + encodeURIComponent(village) + "&text=" + encodeURIComponent(value),
          {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (value === last) { box.innerHTML = html; } })
      .catch(function () {});
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(look, 500);
  });
})();
