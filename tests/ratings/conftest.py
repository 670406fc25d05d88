"""Fixtures of the ratings tests: the demo's service points taking ratings, and ratings made as a citizen makes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
import time_machine

from app.core.extensions import db
from app.org.models import Agency
from app.ratings.services import points, submissions
from tests.clock import BANGKOK, TODAY

# The default question set (version 1, seeded by the migration): 1-4 scales, 5 yes/no, 6 a choice of 5, 7 a comment.
FULL = {"q1": "5", "q2": "4", "q3": "3", "q4": "5", "q5": "1", "q6": "0"}


@dataclass
class RatingPoints:
    muang: Agency
    pakkret: Agency
    nont: Agency  # a municipality: a local government rated at its own counter
    codes: dict[int, str]

    def code(self, agency: Agency) -> str:
        return self.codes[agency.id]


@pytest.fixture
def rated(demo) -> RatingPoints:
    agencies = [demo.agency("sp_muang"), demo.agency("sp_pakkret"), demo.agency("nakhon_nont")]
    made = points.ensure_points(agencies)
    db.session.commit()
    return RatingPoints(*agencies, codes={agency_id: point.code for agency_id, point in made.items()})


def rate(client, code: str, *, comment: str | None = None, follow: bool = False, headers=None, environ=None,
         **answers):
    """Post the rating form as the browser does (the CSRF check is off in the tests)."""
    data = {"set_id": "1", **FULL, **answers}
    if comment is not None:
        data["comment"] = comment
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/rate/{code}", data=data, headers=headers or {}, environ_base=environ or {},
                       follow_redirects=follow)


def at_bangkok(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=BANGKOK)


def days_ago(days: int, hour: int = 10) -> datetime:
    return at_bangkok(TODAY - timedelta(days=days), hour)


def give(code: str, when: datetime | None = None, *, device: str | None = None, comment: str | None = None,
         service: str | None = None, **answers):
    """A rating through the service, at ``when`` (Bangkok), committed."""
    values = {int(key[1:]): value for key, value in {**FULL, **answers}.items() if value is not None}
    data = submissions.RatingInput(code=code, set_id=None, answers=values, comment=comment, service=service,
                                   device=device or f"device-{code}-{when}-{answers}-{comment}", address="192.0.2.1")
    if when is None:
        rating = submissions.submit(data, secret="test")
    else:
        with time_machine.travel(when, tick=False):
            rating = submissions.submit(data, secret="test")
    db.session.commit()
    return rating
