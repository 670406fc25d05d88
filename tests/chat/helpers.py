"""Starting chats the way a visitor does, and connecting over Socket.IO the way the pages do."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import time_machine
from sqlalchemy import select

from app.chat.models import ChatSession, ChatTopic
from app.chat.services import desk_admin
from app.chat.views.realtime import NAMESPACE, socketio_of
from app.core.extensions import db
from tests.clock import BANGKOK, TODAY
from workflows.calendar import is_working_day, next_working_day

QUESTION = "ยื่นหลักประกันสัญญาเป็นหนังสือค้ำประกันอิเล็กทรอนิกส์ได้หรือไม่"


def working_morning() -> datetime:
    """10:00 in Bangkok on the suite's day, or on the next working day when the suite's day is not one."""
    day = TODAY if is_working_day(TODAY) else next_working_day(TODAY)
    return datetime.combine(day, time(10, 0), tzinfo=BANGKOK)


@contextmanager
def in_office_hours():
    with time_machine.travel(working_morning(), tick=True):
        yield


def topic_id() -> int:
    desk_admin.topics()
    db.session.commit()
    return db.session.scalar(select(ChatTopic.id).order_by(ChatTopic.position).limit(1))


def start_chat(client, question: str = QUESTION, **fields):
    data = {"visitor_type": "vendor", "topic_id": topic_id(), "question": question, "name": "สมชาย",
            "email": "somchai@example.com"} | fields
    response = client.post("/chat/", data=data)
    shown = re.findall(r"(?:invalid-feedback[^>]*|alert[^>]*)>([^<]+)<", response.get_data(as_text=True))
    assert response.status_code == 303, (response.status_code, shown)
    token = re.search(r"/chat/s/([^/?#]+)$", response.headers["Location"]).group(1)
    return token, latest_chat()


def latest_chat() -> ChatSession:
    db.session.expire_all()
    return db.session.scalar(select(ChatSession).order_by(ChatSession.id.desc()).limit(1))


def visitor_socket(app, token: str):
    return socketio_of(app).test_client(app, namespace=NAMESPACE, auth={"token": token})


def staff_socket(app, client):
    """An agent's console connection: their session cookie comes from the signed-in test client."""
    return socketio_of(app).test_client(app, namespace=NAMESPACE, flask_test_client=client)


def ack(sock, event: str, data=None):
    return sock.emit(event, data if data is not None else {}, namespace=NAMESPACE, callback=True)


def received(sock, name: str) -> list:
    """Events of that name received since the last look ("message" arrives unwrapped, others as a list)."""
    return [item["args"][0] if isinstance(item["args"], list) else item["args"]
            for item in sock.get_received(NAMESPACE) if item["name"] == name]


def later(minutes: float):
    return time_machine.travel(working_morning() + timedelta(minutes=minutes), tick=False)
