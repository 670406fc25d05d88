// Copy buttons: <button data-copy-target="#id" data-copied-label="…" data-failed-label="…">.
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyWithSelection(element) {
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function announce(button, label) {
    var original = button.dataset.originalLabel || button.textContent;
    button.dataset.originalLabel = original;
    button.textContent = label;
    window.setTimeout(function () { button.textContent = original; }, 2500);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var target = document.querySelector(button.dataset.copyTarget);
    if (!target) {
      return;
    }
    var text = target.textContent.trim();
    var done = function () { announce(button, button.dataset.copiedLabel || "✓"); };
    var failed = function () {
      if (copyWithSelection(target)) {
        done();
      } else {
        selectText(target);  // at least leave it selected for Ctrl+C
        announce(button, button.dataset.failedLabel || button.textContent);
      }
    };
    // The Clipboard API needs a secure context (HTTPS or localhost); otherwise fall back to a selection.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      failed();
    }
  });
})();
