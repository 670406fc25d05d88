"""What the procurement FAQ plugs in: its public pages and the chat team's pages, the review diagram's
operations, forms and task-page partial, the entry statuses and history, and its refusals.

The knowledge base grows from Live Chat's answers: the chat proposes through ``app.knowledge.services.faq_entries.propose``
and suggests through ``suggest`` (see that module's docstring for the public API). The chat team's roles are
named by Live Chat (``app.chat.capability``).
"""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import Capability, Labels, NavEntry
from app.knowledge import api_views, staff_api_views, views
from app.knowledge.services import faq_entries, faq_errors

CHAT_TEAM = frozenset({Role.chat_agent.value, Role.chat_supervisor.value})


def _init_app(app: Flask) -> None:
    # Suggestions are asked for as a visitor types: generous per address, yet a script stops here.
    app.config.setdefault("RATELIMIT_FAQ_SUGGEST", os.environ.get("RATELIMIT_FAQ_SUGGEST", "120 per minute"))
    app.config.setdefault("FAQ_REVIEW_DAYS", int(os.environ.get("FAQ_REVIEW_DAYS", 3)))


CAPABILITY = Capability(
    name="knowledge",
    blueprints=(views.bp,),
    # The public FAQ (open to anyone; its pages join the public site's blueprint, see views) and the staff's side.
    api_blueprints=(api_views.bp, staff_api_views.bp),
    api_label=_l("Procurement FAQ (editing)"),
    operation_modules=("app.knowledge.services.faq_entries", "app.knowledge.services.faq_review"),
    form_modules=("forms.knowledge",),
    processes=(faq_entries.PROCESS_ID,),
    task_partial="knowledge/_task_subject.html",
    labels=Labels(
        history={
            "faq.proposed": _l("FAQ entry proposed"),
            "faq.edit_proposed": _l("Change of an FAQ entry proposed"),
            "faq.edited_in_review": _l("Text corrected by the reviewer"),
            "faq.approve": _l("FAQ entry approved"),
            "faq.return": _l("FAQ entry returned for changes"),
            "faq.reject": _l("FAQ entry rejected"),
            "faq.revised": _l("FAQ proposal corrected"),
            "faq.resubmitted": _l("FAQ proposal sent again"),
            "faq.abandoned": _l("FAQ proposal given up"),
            "faq.published": _l("FAQ entry published"),
            "faq.withdrawn": _l("FAQ entry withdrawn"),
            "faq.seeded": _l("FAQ entry loaded"),
        },
    ),
    messages={
        faq_errors.AlreadyProposed: lambda exc: (
            _("This answer has already been proposed for the FAQ (entry %(id)s).", id=exc.entry_id)
            if exc.entry_id else str(faq_errors.AlreadyProposed.default)),
        faq_errors.KnowledgeError: lambda exc: str(exc.message),
    },
    nav=(
        NavEntry("knowledge.index", _l("FAQ"), 95, roles=CHAT_TEAM, element_id="nav-knowledge",
                 group="content"),
    ),
    init_app=_init_app,
)
