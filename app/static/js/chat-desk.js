// The agents' console: queue, several chats side by side, standard answers, notes, FAQ proposals and
// suggestions, IR reports, transfer, close. Everything a visitor typed is set with textContent.
(function () {
  "use strict";
  var app = document.getElementById("desk-app");
  if (!app || !window.io) { return; }
  var text = function (name) { return app.getAttribute("data-text-" + name); };
  var boxes = {};  // chat id -> element
  var errorBox = document.getElementById("desk-error");
  var client;

  function post(url, data) {
    var body = new FormData();
    Object.keys(data || {}).forEach(function (k) { body.append(k, data[k]); });
    body.append("csrf_token", app.getAttribute("data-csrf"));
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); });
  }

  function box(chat) {
    if (boxes[chat.id]) { return boxes[chat.id]; }
    var node = document.getElementById("desk-chat-template").content.firstElementChild.cloneNode(true);
    node.setAttribute("data-chat", chat.id);
    node.querySelector(".desk-chat-title").textContent = chat.number + " · " + chat.topic + " · " + (chat.name || "");
    node.querySelector(".desk-chat-agent").textContent = chat.agent || "";
    var input = node.querySelector(".desk-chat-input");
    var err = node.querySelector(".desk-chat-error");
    var show = function (answer) { err.textContent = answer && !answer.ok ? answer.error : ""; return answer; };
    // After a close or transfer the desk is read again: the chat leaves this desk even when the broadcast that
    // says so is missed (a reconnect) or the answer came too late (it may have been done all the same).
    var showAndRefresh = function (answer) { show(answer); refresh(); return answer; };
    function send(note) {
      var body = input.value.trim();
      if (!body) { return; }
      input.value = "";
      client.send({ chat_id: chat.id, body: body, note: note }).then(function (a) { if (!show(a).ok) { input.value = body; } });
    }
    node.querySelector(".desk-chat-send").addEventListener("click", function () { send(false); });
    node.querySelector(".desk-chat-note").addEventListener("click", function () { send(true); });
    node.querySelector(".desk-chat-answers").addEventListener("change", function (event) {
      if (!event.target.value) { return; }
      fetch(app.getAttribute("data-answer-url") + event.target.value + "?chat=" + chat.id, { credentials: "same-origin" })
        .then(function (r) { return r.json(); }).then(function (a) { if (a.ok) { input.value = a.text; } });
      event.target.value = "";
    });
    node.querySelector(".desk-chat-close").addEventListener("click", function () {
      client.emit("close", { chat_id: chat.id, topic_id: parseInt(node.querySelector(".desk-chat-topic").value, 10) }).then(showAndRefresh);
    });
    node.querySelector(".desk-chat-transfer").addEventListener("change", function (event) {
      var parts = event.target.value.split(":");
      if (parts.length !== 2) { return; }
      var data = { chat_id: chat.id };
      data[parts[0] + "_id"] = parseInt(parts[1], 10);
      client.emit("transfer", data).then(showAndRefresh);
      event.target.value = "";
    });
    node.querySelector(".desk-chat-ir").addEventListener("click", function () {
      post(app.getAttribute("data-file-base") + chat.id + "/ir",
           { category_id: node.querySelector(".desk-chat-category").value }).then(show);
    });
    var blockButton = node.querySelector(".desk-chat-block");
    if (blockButton) {
      blockButton.addEventListener("click", function () {
        var reason = window.prompt(blockButton.textContent);
        if (reason) { post(app.getAttribute("data-file-base") + chat.id + "/block", { reason: reason }).then(show); }
      });
    }
    var typingSent = false, timer = null;
    var suggestions = node.querySelector(".desk-chat-suggestions");
    input.addEventListener("input", function () {
      if (!typingSent) { typingSent = true; client.emit("typing", { chat_id: chat.id, on: true }); }
      clearTimeout(timer);
      timer = setTimeout(function () {
        typingSent = false;
        client.emit("typing", { chat_id: chat.id, on: false });
        var q = input.value.trim();
        if (q.length < 3) { suggestions.hidden = true; return; }
        fetch(app.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q.slice(0, 500)), { credentials: "same-origin" })
          .then(function (r) { return r.json(); }).then(function (data) {
            suggestions.replaceChildren();
            (data.suggestions || []).forEach(function (s) {
              var li = document.createElement("li");
              li.className = "list-group-item py-1";
              var link = document.createElement("a");
              link.href = s.url; link.target = "_blank"; link.textContent = s.question;
              li.appendChild(link);
              suggestions.appendChild(li);
            });
            suggestions.hidden = !(data.suggestions || []).length;
          });
      }, 600);
    });
    document.getElementById("desk-chats").appendChild(node);
    boxes[chat.id] = node;
    client.sync(chat.id);
    return node;
  }

  function line(m) {
    var node = boxes[m.chat_id];
    if (!node) { return; }
    var item = window.ChatClient.line(m, app.getAttribute("data-file-base") + m.chat_id + "/files/");
    if (m.kind === "note") { item.classList.add("bg-warning-subtle"); }
    if (m.kind === "agent") {
      var propose = document.createElement("button");
      propose.type = "button";
      propose.className = "btn btn-link btn-sm p-0 desk-propose";
      propose.textContent = text("propose");
      propose.addEventListener("click", function () {
        post(app.getAttribute("data-file-base") + "messages/" + m.id + "/propose", {}).then(function (a) {
          propose.textContent = a.ok ? text("proposed") : a.error;
          propose.disabled = true;
        });
      });
      item.appendChild(propose);
    }
    var list = node.querySelector(".desk-chat-messages");
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function render(desk) {
    var queue = document.getElementById("desk-queue");
    queue.replaceChildren();
    if (!desk.queue.length) {
      var none = document.createElement("li");
      none.className = "list-group-item text-muted";
      none.textContent = text("queue-empty");
      queue.appendChild(none);
    }
    desk.queue.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "list-group-item desk-queued";
      li.setAttribute("data-chat", c.id);
      var title = document.createElement("div");
      title.className = "fw-semibold";
      title.textContent = c.number + " · " + c.topic + " · " + text("waiting").replace("%(minutes)s", Math.floor(c.waiting / 60));
      var q = document.createElement("div");
      q.textContent = c.question;
      var accept = document.createElement("button");
      accept.type = "button";
      accept.className = "btn btn-sm btn-success mt-1 desk-accept";
      accept.textContent = text("accept");
      accept.addEventListener("click", function () {
        client.emit("accept", { chat_id: c.id }).then(function (a) {
          errorBox.textContent = a.ok ? "" : a.error;
          refresh();
        });
      });
      li.append(title, q, accept);
      queue.appendChild(li);
    });
    var open = {};
    desk.chats.forEach(function (c) { open[c.id] = true; box(c); });
    Object.keys(boxes).forEach(function (id) {
      if (!open[id]) { boxes[id].remove(); delete boxes[id]; }
    });
    var agents = document.getElementById("desk-agents");
    if (agents && desk.agents) {
      agents.replaceChildren();
      desk.agents.forEach(function (a) {
        var li = document.createElement("li");
        li.textContent = a.name + " · " + a.status + " · " + a.chats + "/" + a.max_chats;
        agents.appendChild(li);
      });
    }
  }

  function refresh() {
    client.emit("desk", {}).then(function (a) { if (a && a.ok) { render(a.desk); } });
  }

  client = new window.ChatClient({
    chats: function () { return Object.keys(boxes).map(function (id) { return parseInt(id, 10); }); },
    wants: function (id) { return Boolean(boxes[id]); },
    message: line,
    desk_changed: refresh,
    assigned: refresh,
    status: refresh,
    typing: function (t) {
      var node = boxes[t.chat_id];
      if (!node || t.who !== "visitor") { return; }
      var el = node.querySelector(".desk-chat-typing");
      el.textContent = text("typing");
      el.hidden = !t.on;
    },
    onConnection: function (up) { if (up) { refresh(); } },
    onRefused: function (message) { errorBox.textContent = message; }
  });

  function availability() {
    client.emit("availability", { status: document.getElementById("desk-status").value,
                                  max_chats: parseInt(document.getElementById("desk-max").value, 10) })
      .then(function (a) { errorBox.textContent = a.ok ? "" : a.error; if (a.ok) { render(a.desk); } });
  }
  document.getElementById("desk-status").addEventListener("change", availability);
  document.getElementById("desk-max").addEventListener("change", availability);
})();
