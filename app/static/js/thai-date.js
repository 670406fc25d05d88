// One Thai date input for every <input type="date">: people read and type วว/ดด/ปปปป in the Buddhist era
// (Thai or Arabic digits, "/", "-" or "." between), the calendar button opens the browser's own picker, and the
// form still posts the ISO date the server expects. Without this script the plain date input still works.
(function () {
  "use strict";

  var OFFSET = 543;
  var THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙";
  var english = document.documentElement.lang === "en";
  var TEXT = english
    ? { hint: "dd/mm/yyyy (B.E.)", invalid: "Type the date as dd/mm/yyyy in the Buddhist era, e.g. 04/12/2569.",
        open: "Choose from a calendar" }
    : { hint: "วว/ดด/ปปปป (พ.ศ.)", invalid: "พิมพ์วันที่เป็น วว/ดด/ปปปป แบบพุทธศักราช เช่น 04/12/2569",
        open: "เลือกจากปฏิทิน" };

  function arabic(text) {
    return text.replace(/[๐-๙]/g, function (digit) { return String(THAI_DIGITS.indexOf(digit)); });
  }

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  // "2026-12-04" → "04/12/2569"
  function shown(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    return parts ? parts[3] + "/" + parts[2] + "/" + (Number(parts[1]) + OFFSET) : "";
  }

  // "4/12/2569", "04-12-2026", "๔/๑๒/๒๕๖๙", "2569-12-04" (pasted) → "2026-12-04"; null when it is not a day.
  function iso(typed) {
    var text = arabic(typed.trim());
    var parts = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
    var written = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
    if (written) parts = [text, written[3], written[2], written[1]];
    if (!parts) return null;
    var day = Number(parts[1]), month = Number(parts[2]), year = Number(parts[3]);
    if (year >= 2400) year -= OFFSET;
    var date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
    return year + "-" + pad(month) + "-" + pad(day);
  }

  function enhance(original) {
    var text = document.createElement("input");
    text.type = "text";
    text.className = original.className;
    text.id = original.id;
    text.inputMode = "numeric";
    text.autocomplete = "off";
    text.placeholder = TEXT.hint;
    text.required = original.required;
    text.value = shown(original.value);
    text.setAttribute("aria-describedby", original.getAttribute("aria-describedby") || "");
    text.dataset.thaiDate = "";
    original.id = original.id ? original.id + "-iso" : "";
    // The text input asks for the day; the server checks the range (a hidden input's own checks would block
    // the form without saying why).
    original.required = false;
    original.removeAttribute("min");
    original.removeAttribute("max");
    original.tabIndex = -1;
    original.setAttribute("aria-hidden", "true");
    original.classList.add("thai-date-native");

    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary thai-date-open";
    button.title = TEXT.open;
    button.setAttribute("aria-label", TEXT.open);
    button.textContent = "📅";

    var group = document.createElement("div");
    group.className = "input-group thai-date";
    original.parentNode.insertBefore(group, original);
    group.appendChild(text);
    group.appendChild(button);
    group.appendChild(original);

    function take() {
      var value = text.value.trim();
      var day = value ? iso(value) : "";
      text.setCustomValidity(day === null ? TEXT.invalid : "");
      original.value = day || "";
    }
    text.addEventListener("input", take);
    text.addEventListener("change", function () {
      take();
      if (original.value) text.value = shown(original.value);
    });
    button.addEventListener("click", function () {
      if (typeof original.showPicker === "function") {
        try { original.showPicker(); return; } catch (error) { /* not allowed here: type instead */ }
      }
      text.focus();
    });
    original.addEventListener("change", function () {
      text.value = shown(original.value);
      text.setCustomValidity("");
    });
  }

  function enhanceAll() {
    document.querySelectorAll("input[type=date]:not(.thai-date-native)").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceAll);
  } else {
    enhanceAll();
  }
})();
