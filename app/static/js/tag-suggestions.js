// Suggest known tags while an officer types one tag per line in a textarea marked
// data-tag-suggestions="<url>"; the url answers {"tags": [...]} for ?q=<text>.
(function () {
  "use strict";

  function currentLine(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var start = before.lastIndexOf("\n") + 1;
    var end = textarea.value.indexOf("\n", textarea.selectionStart);
    if (end === -1) { end = textarea.value.length; }
    return { start: start, end: end, text: textarea.value.slice(start, end).trim() };
  }

  function attach(textarea) {
    var url = textarea.getAttribute("data-tag-suggestions");
    var box = document.createElement("div");
    box.className = "d-flex flex-wrap gap-1 mt-1";
    box.setAttribute("aria-live", "polite");
    textarea.insertAdjacentElement("afterend", box);
    var timer = null;
    var asked = "";

    function show(tags, line) {
      box.replaceChildren();
      tags.forEach(function (tag) {
        if (tag === line.text) { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-outline-secondary";
        button.textContent = tag;
        button.addEventListener("click", function () {
          var now = currentLine(textarea);
          var value = textarea.value;
          var rest = value.slice(now.end);
          textarea.value = value.slice(0, now.start) + tag + (rest.startsWith("\n") ? rest : "\n" + rest);
          var caret = now.start + tag.length + 1;
          textarea.focus();
          textarea.setSelectionRange(caret, caret);
          box.replaceChildren();
        });
        box.appendChild(button);
      });
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var line = currentLine(textarea);
        if (!line.text) { box.replaceChildren(); return; }
        asked = line.text;
        fetch(url + "?q=" + encodeURIComponent(line.text), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { tags: [] }; })
          .then(function (data) { if (asked === line.text) { show(data.tags || [], line); } })
          .catch(function () { box.replaceChildren(); });
      }, 200);
    });
  }

  document.querySelectorAll("textarea[data-tag-suggestions]").forEach(attach);
})();
