// Live Chat's connection, shared by the visitor's page and the agents' console.
// Every message has an id: the client keeps the highest it has seen per chat and asks for what came after it
// ("sync", since) whenever it (re)connects, so a dropped connection or a reload never loses one; a message
// delivered twice is shown once. A message sent carries the client's own ref and is sent again until the
// server acknowledges it (the server stores one message per ref). Text is always set with textContent.
(function () {
  "use strict";

  function ChatClient(options) {
    this.options = options;
    this.seen = {};  // chat id -> {message id: true}
    this.last = {};  // chat id -> highest message id seen
    this.pending = [];  // [{event, data, resolve}] waiting for a connection
    var self = this;
    this.socket = window.io("/chat", { auth: options.auth || {}, transports: ["websocket", "polling"] });
    this.socket.on("connect", function () {
      if (options.onConnection) { options.onConnection(true); }
      (options.chats ? options.chats() : []).forEach(function (id) { self.sync(id); });
      var queued = self.pending.splice(0);
      queued.forEach(function (item) { self.emit(item.event, item.data).then(item.resolve); });
    });
    this.socket.on("disconnect", function () { if (options.onConnection) { options.onConnection(false); } });
    this.socket.on("connect_error", function (err) { if (options.onRefused) { options.onRefused(err.message); } });
    this.socket.on("message", function (m) { self.receive(m); });
    ["status", "typing", "desk_changed", "queue_changed", "assigned"].forEach(function (name) {
      self.socket.on(name, function (data) { if (options[name]) { options[name](data); } });
    });
  }

  ChatClient.prototype.receive = function (m) {
    var chatId = m.chat_id;
    // A message of a chat not shown (yet) is not remembered: opening the chat asks for everything it holds.
    if (this.options.wants && !this.options.wants(chatId)) { return; }
    this.seen[chatId] = this.seen[chatId] || {};
    if (this.seen[chatId][m.id]) { return; }
    this.seen[chatId][m.id] = true;
    this.last[chatId] = Math.max(this.last[chatId] || 0, m.id);
    if (this.options.message) { this.options.message(m); }
  };

  ChatClient.prototype.remember = function (chatId, id) {
    this.seen[chatId] = this.seen[chatId] || {};
    this.seen[chatId][id] = true;
    this.last[chatId] = Math.max(this.last[chatId] || 0, id);
  };

  ChatClient.prototype.emit = function (event, data) {
    var self = this;
    return new Promise(function (resolve) {
      if (!self.socket.connected) { self.pending.push({ event: event, data: data, resolve: resolve }); return; }
      self.socket.timeout(10000).emit(event, data || {}, function (err, answer) {
        if (err) { self.pending.push({ event: event, data: data, resolve: resolve }); return; }
        resolve(answer);
      });
    });
  };

  ChatClient.prototype.sync = function (chatId) {
    var self = this;
    return this.emit("sync", { chat_id: chatId, since: this.last[chatId] || 0 }).then(function (answer) {
      if (answer && answer.ok) { answer.messages.forEach(function (m) { self.receive(m); }); }
      return answer;
    });
  };

  ChatClient.prototype.send = function (data) {
    data.client_ref = data.client_ref || (Date.now().toString(36) + Math.random().toString(36).slice(2, 10));
    var self = this;
    return this.emit("send", data).then(function (answer) {
      if (answer && answer.ok) { self.receive(answer.message); }
      return answer;
    });
  };

  ChatClient.line = function (m, fileBase) {
    var item = document.createElement("li");
    item.className = "mb-2 chat-message chat-" + m.kind;
    item.setAttribute("data-id", m.id);
    var head = document.createElement("div");
    head.className = "small text-muted";
    head.textContent = m.at + " · " + (m.author || "");
    var body = document.createElement("div");
    body.className = "chat-body";
    body.style.whiteSpace = "pre-wrap";
    body.textContent = m.body;
    item.append(head, body);
    (m.attachments || []).forEach(function (a) {
      var link = document.createElement("a");
      link.className = "d-block small";
      link.href = fileBase + a.id;
      link.textContent = a.name;
      item.appendChild(link);
    });
    return item;
  };

  window.ChatClient = ChatClient;
})();
