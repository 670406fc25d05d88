"""Two server processes sharing rooms through Redis, as in production: a visitor on one, the agent on the other.

Two gunicorn processes (a gthread worker each, as deployed) serve the app on one SQLite database with
``CHAT_MESSAGE_QUEUE`` on Redis (a channel of this module's own); both run at the suite's moment. Clients connect
with python-socketio over WebSocket the way the pages do: the visitor with the chat's link, the agent with the
session cookie of the login form. Skipped when Redis is not reachable. The processes serve every test here.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlencode, urlparse

import pytest
import socketio

from bench.support import PASSWORD, ROOT, Server, csrf_of, new_backend, session_of, sign_in
from tests.clock import SUITE_START
from tests.conftest import REDIS_URL, _redis_reachable

pytestmark = [pytest.mark.skipif(not _redis_reachable(), reason="Redis is not reachable"),
              pytest.mark.slow]  # started first: see tests/conftest.py

NAMESPACE = "/chat"
AGENT = "two_process_agent"
# gunicorn at the suite's moment (10:00 in Bangkok, a working day for the desk), the clock ticking on.
AT_SUITE_START = ("-c", f"import sys, time_machine; time_machine.travel({SUITE_START.isoformat()!r}, tick=True)"
                  ".start(); from gunicorn.app.wsgiapp import run; sys.argv[0] = 'gunicorn'; run()")
# The database, migrated, with the agent and the topics (argv: its URI, its folder, the moment, user, password).
PREPARE = """
import sys, time_machine
time_machine.travel(sys.argv[3], tick=True).start()
from pathlib import Path
from bench.support import Backend, make_app
from app.accounts.services import accounts
from app.chat.services import desk_admin
from app.core.extensions import db
from app.knowledge.services import faq_entries
app = make_app(Backend("sqlite", sys.argv[1], Path(sys.argv[2])))
with app.app_context():
    user = accounts.create_user(sys.argv[4], "เจ้าหน้าที่แชต สองกระบวนการ", sys.argv[5])
    accounts.grant(user, faq_entries.knowledge_agency().id, "chat_agent")
    print(desk_admin.topics()[0].id)
    # The suite's day may be a weekend or a holiday (it runs as if on other days too): the desk works that day.
    from app.core.calendar import SpecialDay
    from app.core.types import utcnow
    from workflows.calendar import BANGKOK, is_working_day
    today = utcnow().astimezone(BANGKOK).date()
    if not is_working_day(today):
        db.session.add(SpecialDay(day=today, kind="working", name_th="วันทำการ (ทดสอบ)", created_at=utcnow()))
    db.session.commit()
"""


def _queue_url() -> str:
    """The suite's Redis with a database number of this module's (pub/sub ignores it; the channel keeps apart)."""
    parsed = urlparse(REDIS_URL)
    return parsed._replace(path="/14").geturl()


class Peer:
    """A python-socketio client that keeps the "message" and "assigned" events it receives."""

    def __init__(self, url: str, **connect):
        self.messages: list[dict] = []
        self.assigned: list[int] = []
        self.changed = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("message", self._message, namespace=NAMESPACE)
        self.sio.on("assigned", self._assigned, namespace=NAMESPACE)
        self.sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=20, **connect)

    def _message(self, message):
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()

    def _assigned(self, data):
        with self.changed:
            self.assigned.append(data["chat_id"])
            self.changed.notify_all()

    def call(self, event: str, data: dict) -> dict:
        answer = self.sio.call(event, data, namespace=NAMESPACE, timeout=20)
        assert answer["ok"], (event, answer)
        return answer

    def wait_for(self, found, timeout: float = 15):
        """What ``found`` returns once true, waiting for events meanwhile."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not (result := found()):
                left = deadline - time.monotonic()
                assert left > 0, (self.messages[-5:], self.assigned)
                self.changed.wait(left)
        return result

    def received(self, message_id: int):
        return lambda: next((m for m in self.messages if m["id"] == message_id), None)

    def close(self):
        self.sio.disconnect()


@pytest.fixture(scope="module")
def servers():
    backend = new_backend("sqlite")
    started: list[Server] = []
    try:
        done = subprocess.run([sys.executable, "-c", PREPARE, backend.uri, str(backend.workdir),
                               SUITE_START.isoformat(), AGENT, PASSWORD], cwd=ROOT,
                              capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-3000:]
        env = {"CHAT_MESSAGE_QUEUE": _queue_url(), "CHAT_CHANNEL": f"ratchaflow-chat-test-{uuid.uuid4().hex[:8]}"}
        for number in (1, 2):
            started.append(Server(backend.uri, backend.workdir, env=env, worker=("-k", "gthread", "--threads", "20"),
                                  name=f"chat-{number}", launcher=AT_SUITE_START))
        yield started, int(done.stdout.split()[-1])
    finally:
        for server in started:
            server.stop()
        backend.drop()


@pytest.fixture(scope="module")
def agent(servers):
    """The agent's console, on the second process, online for a few chats at once."""
    (_first, second), _topic = servers
    peer = Peer(second.url, headers={"Cookie": f"session={sign_in(second, AGENT)['session']}"})
    peer.call("availability", {"status": "online", "max_chats": 5})
    yield peer
    peer.close()


def _start_chat(server: Server, topic_id: int, question: str) -> str:
    """A visitor asks on /chat/ (the form with its CSRF token); the chat's link token."""
    _status, page, cookie, _location = server.request("GET", "/chat/")
    status, _body, _cookie, location = server.request("POST", "/chat/", urlencode({
        "csrf_token": csrf_of(page), "visitor_type": "vendor", "topic_id": str(topic_id), "question": question}),
        {"session": session_of(cookie)})
    assert status == 303, status
    return location.rsplit("/", 1)[-1]


def _routed_chat(servers, agent, question: str) -> tuple[Peer, int, str]:
    """A chat started on the first process, routed to the agent on the second, both in its rooms."""
    (first, _second), topic_id = servers
    token = _start_chat(first, topic_id, question)
    visitor = Peer(first.url, auth={"token": token})
    state = visitor.call("sync", {"since": 0})
    assert state["status"]["status"] == "active"
    chat_id = state["status"]["chat_id"]
    agent.wait_for(lambda: chat_id in agent.assigned)  # told on process 2 of what happened on process 1
    agent.call("sync", {"chat_id": chat_id, "since": 0})  # the console opens the chat: joins its rooms
    return visitor, chat_id, token


def test_a_visitor_on_one_process_and_an_agent_on_the_other_talk_both_ways(servers, agent):
    visitor, chat_id, _token = _routed_chat(servers, agent, "ยื่นหลักประกันสัญญาผ่าน e-GP ได้หรือไม่")
    try:
        asked_ids = []
        for number in range(3):
            asked = visitor.call("send", {"body": f"คำถามที่ {number}", "client_ref": f"v-{number}"})["message"]
            asked_ids.append(asked["id"])
            got = agent.wait_for(agent.received(asked["id"]))
            assert got["body"] == f"คำถามที่ {number}" and got["kind"] == "visitor" and got["chat_id"] == chat_id

            answered = agent.call("send", {"chat_id": chat_id, "body": f"คำตอบที่ {number}",
                                           "client_ref": f"a-{number}"})["message"]
            assert visitor.wait_for(visitor.received(answered["id"]))["body"] == f"คำตอบที่ {number}"

        # The same message sent again (its acknowledgement lost): stored once, under the same id.
        again = visitor.call("send", {"body": "คำถามที่ 0", "client_ref": "v-0"})["message"]
        assert again["id"] == asked_ids[0]
        note = agent.call("send", {"chat_id": chat_id, "body": "บันทึกภายใน", "note": True})["message"]
        agent.wait_for(agent.received(note["id"]))
        time.sleep(0.3)  # were the note (or the repeat) to reach anyone, it would have by now
        assert note["id"] not in {m["id"] for m in visitor.messages}
        assert [m["id"] for m in agent.messages].count(asked_ids[0]) == 1
    finally:
        visitor.close()


def test_a_visitor_who_reconnects_to_the_other_process_catches_up_with_exactly_what_was_missed(servers, agent):
    (_first, second), _topic = servers
    visitor, chat_id, token = _routed_chat(servers, agent, "ราคากลางต้องประกาศเมื่อใด")
    asked = visitor.call("send", {"body": "ขอสอบถามเพิ่มเติม", "client_ref": "v-1"})["message"]
    agent.wait_for(agent.received(asked["id"]))
    held = max(m["id"] for m in visitor.call("sync", {"since": 0})["messages"])
    visitor.close()

    missed = [agent.call("send", {"chat_id": chat_id, "body": body, "client_ref": ref})["message"]["id"]
              for ref, body in (("a-1", "ประกาศพร้อมเอกสารเชิญชวน"), ("a-2", "ในระบบของกรมบัญชีกลาง"))]

    back = Peer(second.url, auth={"token": token})  # a reload, served by the other process this time
    try:
        caught = back.call("sync", {"since": held})
        assert [m["id"] for m in caught["messages"]] == missed
        assert [m["body"] for m in caught["messages"]] == ["ประกาศพร้อมเอกสารเชิญชวน", "ในระบบของกรมบัญชีกลาง"]
        assert caught["status"]["status"] == "active"
        # And live again: the agent's next message reaches the visitor on the process it is on now.
        live = agent.call("send", {"chat_id": chat_id, "body": "มีอะไรเพิ่มเติมไหมครับ", "client_ref": "a-3"})["message"]
        assert back.wait_for(back.received(live["id"]))["chat_id"] == chat_id
    finally:
        back.close()
