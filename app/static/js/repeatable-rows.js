// Add, remove and reorder rows of the manual editor without a round trip.
// Without JavaScript the same buttons post the form and the server does it.
(function () {
  "use strict";

  function renumber(section) {
    var key = section.getAttribute("data-repeatable");
    var pattern = new RegExp("^" + key + "-\\d+");
    section.querySelectorAll("[data-row]").forEach(function (row, index) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value && pattern.test(value)) {
            el.setAttribute(attr, value.replace(pattern, key + "-" + index));
          }
        });
      });
      row.querySelectorAll("button[name=action]").forEach(function (button) {
        var parts = button.value.split(":");
        button.value = parts[0] + ":" + key + ":" + index;
      });
    });
  }

  function clear(row) {
    row.querySelectorAll("input, textarea").forEach(function (el) { el.value = ""; });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    row.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
  }

  function handle(event) {
    var button = event.target.closest("button[name=action]");
    if (!button) { return; }
    var section = button.closest("[data-repeatable]");
    if (!section) { return; }
    var verb = button.value.split(":")[0];
    var rows = section.querySelector("[data-rows]");
    var row = button.closest("[data-row]");
    event.preventDefault();
    if (verb === "add") {
      var last = rows.querySelector("[data-row]:last-child");
      var copy = last.cloneNode(true);
      clear(copy);
      rows.appendChild(copy);
      renumber(section);
      var first = copy.querySelector("input, textarea");
      if (first) { first.focus(); }
      return;
    }
    if (verb === "remove") {
      if (rows.querySelectorAll("[data-row]").length > 1) { row.remove(); } else { clear(row); }
    } else if (verb === "up" && row.previousElementSibling) {
      rows.insertBefore(row, row.previousElementSibling);
    } else if (verb === "down" && row.nextElementSibling) {
      rows.insertBefore(row.nextElementSibling, row);
    }
    renumber(section);
    button.focus();
  }

  // Tag suggestions: fill the shared datalist from the catalogue as the author types.
  var datalist = document.getElementById("tag-suggestions");
  var pending = null;
  function suggest(event) {
    var input = event.target;
    if (!datalist || input.getAttribute("list") !== "tag-suggestions") { return; }
    var query = input.value.trim();
    if (query.length < 1) { return; }
    clearTimeout(pending);
    pending = setTimeout(function () {
      fetch(datalist.getAttribute("data-source") + "?q=" + encodeURIComponent(query), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : {tags: []}; })
        .then(function (body) {
          datalist.replaceChildren.apply(datalist, (body.tags || []).map(function (tag) {
            var option = document.createElement("option");
            option.value = tag;
            return option;
          }));
        })
        .catch(function () { /* suggestions are a convenience; typing still works */ });
    }, 200);
  }

  var form = document.getElementById("revision-form");
  if (form) {
    form.addEventListener("click", handle);
    form.addEventListener("input", suggest);
  }
})();
