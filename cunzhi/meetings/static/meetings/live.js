/* Meeting page: refresh the live section (attendance, quorum, motion on the floor, results) every
   2 seconds, and the member's own section when the motion on the floor changes. Without this
   script the page works the same by reloading it. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  var mine = document.getElementById("mine");
  if (!live || !live.dataset.src || !window.fetch) { return; }
  var PERIOD = 2000;
  var last = "";
  var busy = false;

  function floorOf(el) {
    var node = el && el.querySelector("[data-floor]");
    return node ? node.getAttribute("data-floor") : "";
  }

  var floor = floorOf(live);

  function refreshMine() {
    if (!mine || !mine.dataset.src) { return; }
    fetch(mine.dataset.src, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { mine.innerHTML = html; })
      .catch(function () { /* the next change tries again; the page still works by reloading */ });
  }

  function tick() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(live.dataset.src, { credentials: "same-origin", cache: "no-cache" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        if (html !== last) {
          last = html;
          live.innerHTML = html;
          var now = floorOf(live);
          if (now !== floor) { floor = now; refreshMine(); }
        }
      })
      .catch(function () { /* offline for a moment: keep what is shown */ })
      .then(function () { busy = false; });
  }

  window.setInterval(tick, PERIOD);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { tick(); } });
})();
