// The visitor's chat page: live messages, queue position, typing indicator, files, ending.
(function () {
  "use strict";
  var app = document.getElementById("chat-app");
  if (!app || !window.io) { return; }
  var list = document.getElementById("chat-messages");
  var queue = document.getElementById("chat-queue");
  var typing = document.getElementById("chat-typing");
  var connection = document.getElementById("chat-connection");
  var errorBox = document.getElementById("chat-error");
  var input = document.getElementById("chat-input");
  var chatId = parseInt(app.getAttribute("data-chat-id"), 10);
  var status = app.getAttribute("data-status");

  function scroll() { list.scrollTop = list.scrollHeight; }

  var FINAL = ["closed", "abandoned", "offline", "answered"];

  // A chat that ended turns the page to the transcript, the rating or the waiting question.
  function ended(now) {
    var before = status;
    status = now;
    if (FINAL.indexOf(now) >= 0 && before !== now) { window.location.reload(); return true; }
    return false;
  }

  function showQueue(answer) {
    if (!answer || !answer.ok || ended(answer.status.status)) { return; }
    if (status === "queued" && answer.position) {
      queue.textContent = app.getAttribute("data-text-queue").replace("%(place)s", answer.position)
        .replace("%(minutes)s", Math.max(1, Math.round(answer.wait_seconds / 60)));
      queue.hidden = false;
    } else {
      queue.hidden = true;
    }
    var offline = document.getElementById("chat-offline");
    if (offline) { offline.hidden = status !== "offered"; }
  }

  var client = new window.ChatClient({
    auth: { token: app.getAttribute("data-token") },
    chats: function () { return [chatId]; },
    message: function (m) {
      list.appendChild(window.ChatClient.line(m, app.getAttribute("data-file-base")));
      scroll();
    },
    status: function (s) {
      if (!ended(s.status)) { client.emit("position", {}).then(showQueue); }
    },
    queue_changed: function () { client.emit("position", {}).then(showQueue); },
    typing: function (t) { typing.textContent = app.getAttribute("data-text-typing"); typing.hidden = !t.on; },
    onConnection: function (up) {
      connection.textContent = app.getAttribute("data-text-offline");
      connection.hidden = up;
      if (up) { client.emit("position", {}).then(showQueue); }
    },
    onRefused: function (message) { connection.textContent = message; connection.hidden = false; }
  });
  // A broadcast missed (a network blip, a reconnect) must not leave the page on a chat that ended: it asks
  // where it stands now and then, as it does when the connection comes back.
  var check = setInterval(function () {
    if (FINAL.indexOf(status) >= 0) { clearInterval(check); return; }
    client.emit("position", {}).then(showQueue);
  }, 10000);
  document.querySelectorAll("#chat-messages li[data-id]").forEach(function (li) {
    client.remember(chatId, parseInt(li.getAttribute("data-id"), 10));
  });

  var form = document.getElementById("chat-send-form");
  var typingSent = false;
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      errorBox.textContent = "";
      input.value = "";
      client.send({ body: text }).then(function (answer) {
        if (!answer.ok) { errorBox.textContent = answer.error; input.value = text; }
      });
      client.emit("typing", { on: false });
      typingSent = false;
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    input.addEventListener("input", function () {
      if (!typingSent) { typingSent = true; client.emit("typing", { on: true }); }
    });
    document.getElementById("chat-file").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file) { return; }
      var data = new FormData();
      data.append("files", file);
      data.append("client_ref", "f" + Date.now().toString(36));
      data.append("csrf_token", document.querySelector("#chat-end-form input[name=csrf_token]").value);
      fetch(app.getAttribute("data-files-url"), { method: "POST", body: data, credentials: "same-origin",
                                                  headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.ok) { client.receive(answer.message); } else { errorBox.textContent = answer.error; }
        })
        .catch(function () { errorBox.textContent = app.getAttribute("data-text-error"); });
      event.target.value = "";
    });
  }
  scroll();
})();
