// The legacy import's run page: follows the background job's progress, then shows the finished page.
(function () {
  "use strict";
  var box = document.getElementById("legacy-progress");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  var bar = box.querySelector(".progress-bar");
  var holder = box.querySelector(".progress");
  var label = document.getElementById("legacy-progress-label");

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) {
          window.setTimeout(poll, 5000);
          return;
        }
        if (bar) { bar.style.width = state.percent + "%"; }
        if (holder) { holder.setAttribute("aria-valuenow", String(state.percent)); }
        if (label) { label.textContent = state.label; }
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
