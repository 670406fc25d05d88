"""Live Chat under load: N chats at once, each a visitor and an agent writing to each other over Socket.IO.

In a throwaway database migrated with the real Alembic migrations (the desk open round the clock for the run, so
that no chat is offered to leave a question), gunicorn serves the app as deployed for Live Chat (threading mode:
one gthread worker whose threads carry the WebSocket connections; ``--processes 2`` runs two such servers that
share rooms through Redis, the agents on one and the visitors spread over both). Then, as people would:

  - the agents sign in through the login form, connect with their session cookie and go online, each taking up
    to ``--per-agent`` chats (the desk's maximum is 20), so that every chat is routed at once;
  - N visitors ask their question on ``/chat/`` (the form, with its CSRF token) and connect with their chat's
    link; each agent is told of the chats routed to them ("assigned") and joins them ("sync");
  - every side of every chat then writes ``--messages`` messages, one every ``--interval`` seconds on average
    (jittered), each with its own ``client_ref``; the server stores it, acknowledges it with its id, and emits it.

Measured: delivery latency (send, on one side, to receipt of the "message" event on the other, p50/p95/max) and
messages delivered per second; the acknowledgement's round trip as well. Nothing may be lost: every id the server
acknowledged must reach the other side (else the script exits non-zero, after asking "sync" what it missed).

    .venv/bin/python bench/chat.py                        # 200 chats on both databases (target p95 < 100 ms)
    .venv/bin/python bench/chat.py --db postgresql --chats 200 --processes 2
    .venv/bin/python bench/chat.py --smoke
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import random
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import socketio
from sqlalchemy import select

from app.core.extensions import db
from bench.support import (
    PASSWORD,
    Server,
    Stat,
    csrf_of,
    log,
    make_app,
    new_backend,
    run_each_database,
    session_of,
    sign_in,
)

P95_TARGET_MS = 100.0
NAMESPACE = "/chat"
UNLIMITED = "1000000 per minute"
QUESTION = "ขอสอบถามการยื่นหลักประกันสัญญาเป็นหนังสือค้ำประกันอิเล็กทรอนิกส์"
REF = re.compile(r"\[(\w+)\]$")


# --- the data ------------------------------------------------------------------------------------------------


def prepare(agents: int) -> None:
    """The agents of the chat team, the topics, and a desk open round the clock today and tomorrow."""
    from app.accounts.services import accounts
    from app.chat.services import desk_admin
    from app.core.calendar import SpecialDay
    from app.core.types import utcnow
    from app.knowledge.services import faq_entries
    from workflows.calendar import BANGKOK, is_working_day

    agency = faq_entries.knowledge_agency()
    for number in range(1, agents + 1):
        user = accounts.create_user(f"bench_agent_{number}", f"เจ้าหน้าที่แชต {number}", PASSWORD)
        accounts.grant(user, agency.id, "chat_agent")
    desk_admin.topics()
    row = desk_admin.current()
    row.opens_at, row.closes_at = "00:00", "23:59"
    today = utcnow().astimezone(BANGKOK).date()
    for day in (today, today + timedelta(days=1)):  # a run on a weekend or a holiday: a working day for the bench
        if not is_working_day(day):
            db.session.add(SpecialDay(day=day, kind="working", name_th="วันทำการ (ทดสอบ)", created_at=utcnow()))
    db.session.commit()


def first_topic_id() -> int:
    from app.chat.models import ChatTopic

    return db.session.scalar(select(ChatTopic.id).order_by(ChatTopic.position).limit(1))


# --- the people --------------------------------------------------------------------------------------------------


class Results:
    """What was sent and received, from every client's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent: dict[str, float] = {}  # ref -> when it was sent (perf_counter)
        self.acked: dict[str, tuple[float, int]] = {}  # ref -> (round trip, message id)
        self.refused: list[dict] = []
        self.received: dict[str, tuple[float, int]] = {}  # ref -> (when the other side got it, message id)
        self.duplicates = 0

    def on_sent(self, ref: str) -> float:
        now = time.perf_counter()
        with self.lock:
            self.sent[ref] = now
        return now

    def on_ack(self, ref: str, started: float, answer) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            if isinstance(answer, dict) and answer.get("ok"):
                self.acked[ref] = (elapsed, answer["message"]["id"])
            else:
                self.refused.append({"ref": ref, "answer": answer})

    def on_message(self, expected_kind: str, message: dict) -> None:
        now = time.perf_counter()
        if message.get("kind") != expected_kind:
            return  # one's own messages come back too, and the system's
        match = REF.search(message.get("body", ""))
        if match is None:
            return  # the question
        with self.lock:
            if match.group(1) in self.received:
                self.duplicates += 1
            else:
                self.received[match.group(1)] = (now, message["id"])


class Agent:
    """One agent's console: one connection, many chats."""

    def __init__(self, url: str, cookies: dict, results: Results, per_agent: int):
        self.chats: set[int] = set()
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("message", lambda m: results.on_message("visitor", m), namespace=NAMESPACE)
        self.sio.on("assigned", self._assigned, namespace=NAMESPACE)
        self.sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"],
                         headers={"Cookie": f"session={cookies['session']}"}, wait_timeout=30)
        answer = self.sio.call("availability", {"status": "online", "max_chats": per_agent}, namespace=NAMESPACE,
                               timeout=30)
        assert answer["ok"], answer

    def joined(self) -> list[int]:
        with self.lock:
            return list(self.chats)

    def _assigned(self, data: dict) -> None:
        # The console opens the chat: "sync" joins its rooms (from the event thread: not blocking it).
        self.sio.start_background_task(self._join, data["chat_id"])

    def _join(self, chat_id: int) -> None:
        answer = self.sio.call("sync", {"chat_id": chat_id, "since": 0}, namespace=NAMESPACE, timeout=60)
        assert answer["ok"], answer
        with self.lock:
            self.chats.add(chat_id)


class Visitor:
    def __init__(self, server: Server, topic_id: int, number: int):
        _status, page, cookie, _location = server.request("GET", "/chat/")
        cookies = {"session": session_of(cookie)}
        status, _body, _cookie, location = server.request("POST", "/chat/", urlencode({
            "csrf_token": csrf_of(page), "visitor_type": "vendor", "topic_id": str(topic_id),
            "question": f"{QUESTION} ({number})", "name": f"ผู้ค้า {number}"}), cookies)
        assert status == 303, (status, re.findall(r'(?:alert|invalid-feedback)[^>]*>\s*([^<]+)<', _body.decode()))
        self.token = location.rsplit("/", 1)[-1]
        self.number = number
        self.chat_id: int | None = None
        self.sio = socketio.Client(reconnection=False)

    def connect(self, url: str, results: Results) -> None:
        self.sio.on("message", lambda m: results.on_message("agent", m), namespace=NAMESPACE)
        self.sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], auth={"token": self.token},
                         wait_timeout=30)
        answer = self.sio.call("sync", {"since": 0}, namespace=NAMESPACE, timeout=60)
        assert answer["ok"] and answer["status"]["status"] == "active", answer
        self.chat_id = answer["status"]["chat_id"]


# --- the run -----------------------------------------------------------------------------------------------------


def converse(visitors: list[Visitor], agent_of: dict[int, Agent], results: Results) -> float:
    """Every side of every chat writes its messages on a jittered schedule, from one thread (emits do not block:
    the acknowledgements arrive on the clients' own threads). Returns the seconds it took."""
    rng = random.Random(2569)
    schedule = []
    started = time.perf_counter()
    for visitor in visitors:
        for side in ("v", "a"):
            heapq.heappush(schedule, (started + rng.uniform(0, ARGS.interval), visitor.number, side, 0))
    while schedule:
        due, number, side, count = heapq.heappop(schedule)
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        visitor = visitors[number]
        ref = f"{side}{number}x{count}"
        body = f"ข้อความที่ {count + 1} [{ref}]"
        if side == "v":
            sio, data = visitor.sio, {"body": body, "client_ref": ref}
        else:
            sio, data = agent_of[visitor.chat_id].sio, {"chat_id": visitor.chat_id, "body": body, "client_ref": ref}
        sent_at = results.on_sent(ref)
        sio.emit("send", data, namespace=NAMESPACE,
                 callback=lambda answer, ref=ref, sent_at=sent_at: results.on_ack(ref, sent_at, answer))
        if count + 1 < ARGS.messages:
            heapq.heappush(schedule, (due + rng.uniform(0.5, 1.5) * ARGS.interval, number, side, count + 1))
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        with results.lock:
            if len(results.acked) + len(results.refused) == len(results.sent) and all(
                    ref in results.received for ref in results.acked):
                break
        time.sleep(0.05)
    return time.perf_counter() - started


def caught_up(visitors: list[Visitor], agent_of: dict[int, Agent], missing: set[str]) -> int:
    """Of the messages not delivered live, how many a "sync" still hands over (the client's catch-up)."""
    found = 0
    for visitor in visitors:
        mine = {ref for ref in missing if ref[1:].split("x")[0] == str(visitor.number)}
        if not mine:
            continue
        messages = visitor.sio.call("sync", {"since": 0}, namespace=NAMESPACE, timeout=60)["messages"] + \
            agent_of[visitor.chat_id].sio.call("sync", {"chat_id": visitor.chat_id, "since": 0},
                                               namespace=NAMESPACE, timeout=60)["messages"]
        bodies = {REF.search(m["body"]).group(1) for m in messages if REF.search(m["body"])}
        found += len(mine & bodies)
    return found


def cpu_seconds(server: Server) -> float:
    """The CPU time the server's worker used so far (user and system)."""
    fields = Path(f"/proc/{server.worker_pid()}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def servers_for(backend) -> list[Server]:
    threads = ("-k", "gthread", "--threads", str(ARGS.chats + ARGS.agents + 50))
    env = {"RATELIMIT_CHAT_START": UNLIMITED, "RATELIMIT_CHAT_FOLLOW": UNLIMITED, "RATELIMIT_CHAT_WRITE": UNLIMITED,
           "RATELIMIT_CHAT_VISITOR": UNLIMITED, "RATELIMIT_CHAT_ADDRESS": UNLIMITED,
           "RATELIMIT_CHAT_STAFF": UNLIMITED}
    if ARGS.processes > 1:
        env |= {"CHAT_MESSAGE_QUEUE": ARGS.redis, "CHAT_CHANNEL": f"ratchaflow-chat-bench-{os.getpid()}"}
    return [Server(backend.uri, backend.workdir, env=env, worker=threads, name=f"gunicorn-{n}")
            for n in range(ARGS.processes)]


def run(kind: str) -> dict:
    backend = new_backend(kind)
    servers: list[Server] = []
    clients: list[socketio.Client] = []
    result: dict = {"database": kind, "chats": ARGS.chats, "agents": ARGS.agents, "processes": ARGS.processes}
    try:
        log(f"=== {kind}: a throwaway database, migrated; {ARGS.agents} agents")
        app = make_app(backend)
        with app.app_context():
            prepare(ARGS.agents)
            topic_id = first_topic_id()
            db.session.remove()
            db.engine.dispose()
        log("  migrated; the server starts")
        servers = servers_for(backend)
        results = Results()
        agents = []
        for number in range(1, ARGS.agents + 1):
            agent = Agent(servers[0].url, sign_in(servers[0], f"bench_agent_{number}"), results, ARGS.per_agent)
            agents.append(agent)
            clients.append(agent.sio)
        log(f"  {len(agents)} agents online; {ARGS.chats} visitors ask their questions")
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            visitors = list(pool.map(lambda n: Visitor(servers[n % len(servers)], topic_id, n), range(ARGS.chats)))
        result["start_seconds"] = round(time.perf_counter() - started, 2)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda v: v.connect(servers[v.number % len(servers)].url, results), visitors))
        clients.extend(v.sio for v in visitors)
        agent_of: dict[int, Agent] = {}
        deadline = time.time() + 60
        while len(agent_of) < len(visitors) and time.time() < deadline:
            agent_of = {chat_id: agent for agent in agents for chat_id in agent.joined()}
            time.sleep(0.1)
        assert len(agent_of) == len(visitors), f"{len(visitors) - len(agent_of)} chats were not routed to an agent"
        log(f"  {len(visitors)} chats started and routed in {result['start_seconds']:.1f}s; "
            f"each side writes {ARGS.messages} messages, one every ~{ARGS.interval:g}s")
        cpu_before = [cpu_seconds(server) for server in servers], time.process_time()
        seconds = converse(visitors, agent_of, results)
        server_cpu = sum(cpu_seconds(server) for server in servers) - sum(cpu_before[0])
        client_cpu = time.process_time() - cpu_before[1]
        sent_at, acked, received = results.sent, results.acked, results.received
        missing = {ref for ref in acked if ref not in received}
        recovered = caught_up(visitors, agent_of, missing) if missing else 0
        latency = Stat([received[ref][0] - sent_at[ref] for ref in acked if ref in received])
        round_trip = Stat([elapsed for elapsed, _id in acked.values()])
        wrong_id = sum(1 for ref in acked if ref in received and received[ref][1] != acked[ref][1])
        first = min(sent_at.values())
        last = max((at for at, _id in received.values()), default=first)
        rate = len(received) / (last - first) if last > first else 0.0
        result |= {"messages_sent": len(sent_at), "acknowledged": len(acked), "refused": len(results.refused),
                   "delivered": len(received), "missing_live": len(missing), "caught_up_by_sync": recovered,
                   "duplicates": results.duplicates, "wrong_ids": wrong_id, "seconds": round(seconds, 2),
                   "messages_per_second": round(rate, 1), "delivery": latency.as_dict(),
                   "acknowledgement": round_trip.as_dict(), "delivery_max_ms": round(max(latency.samples) * 1000, 1),
                   "server_cpu_seconds": round(server_cpu, 1), "client_cpu_seconds": round(client_cpu, 1)}
        print(f"\n{kind}: {ARGS.chats} chats ({ARGS.agents} agents, {ARGS.processes} server process"
              f"{'es' if ARGS.processes > 1 else ''}), {len(sent_at):,} messages in {seconds:.1f}s")
        print(f"  delivery (send -> the other side)  p50 {latency.p50:.2f} ms  p95 {latency.p95:.2f} ms  "
              f"max {max(latency.samples) * 1000:.1f} ms (target p95 < {P95_TARGET_MS:.0f} ms, n={latency.n})")
        print(f"  acknowledgement (stored)          p50 {round_trip.p50:.2f} ms  p95 {round_trip.p95:.2f} ms")
        print(f"  throughput                        {rate:.1f} messages/s delivered (offered: "
              f"{2 * ARGS.chats / ARGS.interval:.0f}/s); CPU meanwhile: server "
              f"{server_cpu:.1f} s ({server_cpu / max(1, len(received)) * 1000:.1f} ms a message), these clients "
              f"{client_cpu:.1f} s, in {seconds:.1f} s on {os.cpu_count()} cores")
        print(f"  lost: {len(missing) - recovered} (not delivered live: {len(missing)}, handed over by sync: "
              f"{recovered}); refused: {len(results.refused)}; delivered twice: {results.duplicates}; "
              f"ids differing: {wrong_id}", flush=True)
        if results.refused:
            print(f"  first refusal: {results.refused[0]}")
        result["ok"] = not missing and not results.refused and not wrong_id and len(acked) == len(sent_at)
    finally:
        for client in clients:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001 - a client already gone
                pass
        for server in servers:
            server.stop()
        backend.drop()
    return result


def main() -> int:
    results = run_each_database(ARGS, run)
    failed = [run["database"] for run in results["runs"] if not run["ok"]]
    if failed:
        log(f"FAILED on {', '.join(failed)}: messages lost, refused or mismatched")
        return 1
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--chats", type=int, default=200, help="chats at once")
    parser.add_argument("--per-agent", type=int, default=20, help="chats per agent (the desk allows 1-20)")
    parser.add_argument("--messages", type=int, default=6, help="messages each side of a chat writes")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between one side's messages (mean; "
                        "people typing: 200 chats then offer some 40 messages a second)")
    parser.add_argument("--processes", type=int, default=1, help="server processes; more than one share rooms "
                        "through Redis (--redis)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--smoke", action="store_true", help="a few chats, a few messages: does it run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "chat-latest.json")
    args = parser.parse_args()
    if args.smoke:
        args.chats, args.per_agent, args.messages, args.interval = 4, 2, 3, 0.2
        args.db = "sqlite" if args.db == "both" else args.db  # does it run: one database is enough
        args.json = args.json.with_name("chat-smoke.json")
    args.agents = math.ceil(args.chats / args.per_agent)
    return args


ARGS: argparse.Namespace

if __name__ == "__main__":
    ARGS = parse_args()
    sys.exit(main())
