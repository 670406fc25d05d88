"""Which requests send the same SELECT twice: a pytest plugin that watches every request the suite makes.

A row read twice in one request is time a person waits for: the session let go of a row nobody held and read it
again, or the page committed before it was drawn and read every row it shows again. The plugin appends, for every
request that sent some SELECT more than once with the same parameters, its route and that statement to
``REPEATED_READS`` (a file; each xdist worker appends its own lines); ``python -m tests.repeated_reads FILE`` sums
them up.

    REPEATED_READS=/tmp/reads.jsonl .venv/bin/python -m pytest -p tests.repeated_reads -m "not slow" -n auto tests
    .venv/bin/python -m tests.repeated_reads /tmp/reads.jsonl
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter

_requests: list[Counter] = []  # the SELECTs of the request under way, innermost last


def pytest_configure(config) -> None:
    if not os.environ.get("REPEATED_READS"):
        return
    from flask import request, request_finished, request_started
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def started(sender, **_extra) -> None:
        _requests.append(Counter())

    def finished(sender, response, **_extra) -> None:
        sent = _requests.pop() if _requests else Counter()
        route = f"{request.method} {request.url_rule.rule if request.url_rule else request.path}"
        lines = [json.dumps({"route": route, "statement": " ".join(statement.split()), "times": times},
                            ensure_ascii=False)
                 for (statement, _parameters), times in sent.items() if times > 1]
        if lines:
            with open(os.environ["REPEATED_READS"], "a", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        if _requests and statement.lstrip()[:6].upper() == "SELECT":
            _requests[-1][statement, repr(parameters)] += 1

    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)
    event.listen(Engine, "before_cursor_execute", before)


def summary(path: str) -> str:
    """Requests with a repeated SELECT: how many, and in how many (route, statement) pairs, GETs apart."""
    pairs, occurrences = Counter(), Counter()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            found = json.loads(line)
            pairs[found["route"], found["statement"][:200]] += 1
    for (route, _statement), count in pairs.items():
        occurrences["GET" if route.startswith("GET ") else "other"] += count
    gets = [pair for pair in pairs if pair[0].startswith("GET ")]
    worst = "\n".join(f"{count:6}  {route}  {statement[:120]}" for (route, statement), count in pairs.most_common(20))
    return (f"requests with a repeated SELECT: {sum(occurrences.values())} in {len(pairs)} (route, statement) pairs; "
            f"GET: {occurrences['GET']} in {len(gets)}\n{worst}")


if __name__ == "__main__":
    print(summary(sys.argv[1]))
