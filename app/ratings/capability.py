"""What satisfaction ratings plug in: the citizen's rating page (on the public site), the back office's report,
ratings list, posters and question sets, their menu entries, the messages of their refusals, the jobs that fold
new ratings into the tallies and recount them, and the command that recounts them."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.capabilities import Capability, Job, NavEntry
from app.core.extensions import db
from app.ratings import (
    api_views,
    point_api_views,
    poster_views,  # noqa: F401  its routes join the ratings blueprint before it is registered
    public_views,  # noqa: F401  its routes join the public blueprint before it is registered
    question_api_views,
    question_views,  # noqa: F401
    staff_api_views,
    views,
)
from app.ratings.services import access, fold, recount
from app.ratings.services.errors import (
    AlreadyExcluded,
    BadFilter,
    DraftExists,
    InvalidAnswers,
    InvalidEffectiveDate,
    InvalidQuestions,
    NoQuestionSet,
    NotAllowed,
    NotExcluded,
    PointHidden,
    PointNotFound,
    QuestionsChanged,
    RatingNotFound,
    SetChangedMeanwhile,
    SetNotEditable,
    SetNotFound,
)
from app.ratings.texts import ANSWER_MESSAGES, DATE_MESSAGES, QUESTION_MESSAGES
from tasks import jobs


def _first(mapping: dict, errors: dict) -> str:
    code = next(iter(errors.values()), "")
    return str(mapping.get(code, _("This could not be done. Nothing was saved.")))


# Settings of ratings, each from the environment or instance/config.py when set there.
SETTINGS = {
    # Ratings per device (its random cookie, else its address) and per address, counted in the shared limiter's
    # store; a counter tablet opened with its kiosk link has its own, higher limit.
    "RATELIMIT_RATING_DEVICE": "10 per hour",
    "RATELIMIT_RATING_ADDRESS": "120 per hour",
    "RATELIMIT_RATING_KIOSK": "600 per hour",
    # A second rating of the same point from the same device within this many minutes is flagged as a duplicate.
    "RATING_DUPLICATE_MINUTES": 30,
    # How often the fold job adds the new ratings to the report's tallies (the report adds the rest itself).
    "RATING_FOLD_SECONDS": 60,
}


def _init_app(app: Flask) -> None:
    for name, default in SETTINGS.items():
        if name not in app.config:
            value = os.environ.get(name)
            app.config[name] = default if value is None else type(default)(value)


def fold_job(app: Flask) -> dict:
    """Add the ratings given since the last run to the tallies, each batch committed as it is done."""
    return jobs.run_in_transaction(app, lambda: fold.fold_all(commit_each=db.session.commit), "ratings fold")


def recount_job(app: Flask) -> int:
    """Recount the tallies when units moved or provinces changed since yesterday (their figures follow them)."""
    return jobs.run_in_transaction(app, recount.after_tree_changes, "ratings recount")


rating_cli = AppGroup("ratings", help="Satisfaction ratings.")


@rating_cli.command("rebuild-tallies")
@click.option("--from", "first", default=None, help="First day (YYYY-MM-DD); default: every day.")
@click.option("--to", "last", default=None, help="Last day (YYYY-MM-DD).")
def rebuild_tallies(first, last):
    """Recount the report's daily tallies from the ratings (after units moved or provinces changed)."""
    from datetime import date

    read = recount.rebuild(date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None)
    db.session.commit()
    click.echo(f"{read} ratings recounted.")


CAPABILITY = Capability(
    name="ratings",
    blueprints=(views.bp,),
    # Rating a service point (open to anyone, like the rating page); the report and moderation (with a token).
    api_blueprints=(api_views.bp, staff_api_views.bp, question_api_views.bp, point_api_views.bp),
    api_label=_l("Satisfaction report and moderation"),
    messages={
        PointNotFound: _l("No service point takes ratings under this code. Check the code on the poster."),
        PointHidden: _l("This service point does not take ratings at the moment."),
        NoQuestionSet: _l("Ratings are not open yet: no question set applies today."),
        QuestionsChanged: _l("The questions have just changed. Please answer them again."),
        InvalidAnswers: lambda exc: _first(ANSWER_MESSAGES, exc.errors),
        NotAllowed: _l("You do not have permission to do this."),
        SetNotFound: _l("This question set does not exist."),
        SetNotEditable: _l("A published question set never changes: ratings were given against it. Make a new "
                           "version instead."),
        DraftExists: _l("A draft is already being prepared: continue it."),
        SetChangedMeanwhile: _l("Someone else changed this question set at the same moment. Nothing you entered "
                                "was saved; reload and try again."),
        InvalidQuestions: lambda exc: _first(QUESTION_MESSAGES, exc.errors),
        InvalidEffectiveDate: lambda exc: str(DATE_MESSAGES.get(exc.reason, DATE_MESSAGES["past"])),
        RatingNotFound: _l("This rating does not exist, or you cannot see it."),
        AlreadyExcluded: _l("This rating is already excluded."),
        NotExcluded: _l("This rating is not excluded."),
        BadFilter: _l("Check the period: its end must come after its start, within five years."),
    },
    nav=(
        NavEntry("ratings.index", _l("Satisfaction report"), 75, roles=frozenset(access.VIEW_ROLES),
                 element_id="nav-ratings", group="reports"),
        NavEntry("ratings.posters_index", _l("QR poster"), 76, roles=frozenset(access.VIEW_ROLES),
                 element_id="nav-rating-posters", group="content"),
    ),
    jobs=(
        Job("ratings_fold", fold_job, lambda config: {"trigger": "interval", "seconds": config["RATING_FOLD_SECONDS"]},
            _l("Adds the ratings given since its last run to the satisfaction report's tallies."),
            result_labels={"ratings": _l("Ratings added"), "batches": _l("Batches")}),
        # Nightly: the tallies follow units that moved and points whose province changed.
        Job("ratings_recount", recount_job, lambda config: {"trigger": "cron", "hour": 2, "minute": 30},
            _l("Recounts the satisfaction tallies after units moved or provinces changed."),
            result_labels={"": _l("Ratings recounted")}),
    ),
    commands=(rating_cli,),
    init_app=_init_app,
)
