// While someone types a question into an input (or a textarea) marked data-faq-suggest="<url>", list the published FAQ entries
// close to it under the input (the url answers {"suggestions": [{"question", "excerpt", "url"}]} for ?q=<text>).
// What comes back is set as text, never as HTML.
(function () {
  "use strict";

  function attach(input) {
    var url = input.getAttribute("data-faq-suggest");
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) { return; }
    var timer = null;
    var asked = "";

    function clear() {
      list.replaceChildren();
      list.hidden = true;
    }

    function show(suggestions) {
      list.replaceChildren();
      suggestions.forEach(function (s) {
        var item = document.createElement("a");
        item.className = "list-group-item list-group-item-action";
        item.href = s.url;
        var question = document.createElement("div");
        question.className = "fw-semibold";
        question.textContent = s.question;
        var excerpt = document.createElement("div");
        excerpt.className = "small text-muted";
        excerpt.textContent = s.excerpt;
        item.append(question, excerpt);
        var row = document.createElement("li");
        row.className = "list-unstyled";
        row.appendChild(item);
        list.appendChild(row);
      });
      list.hidden = suggestions.length === 0;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (text.length < 3) { clear(); return; }
        asked = text;
        fetch(url + "?q=" + encodeURIComponent(text.slice(0, 500)), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
          .then(function (data) { if (asked === text) { show(data.suggestions || []); } })
          .catch(clear);
      }, 250);
    });
    input.addEventListener("keydown", function (event) { if (event.key === "Escape") { clear(); } });
  }

  document.querySelectorAll("input[data-faq-suggest], textarea[data-faq-suggest]").forEach(attach);
})();
