"""The procurement FAQ: a knowledge base that grows from the answers given in Live Chat.

Public API (what Live Chat and the agents' console call):

``propose(question: str, answer: str, *, source_kind: str, source_ref: str | None, proposed_by_id: int,
topic: str | None = None, source_label: str | None = None) -> FaqEntry``
    Creates the entry (status ``in_review``) and starts its review (``workflows/faq_review.bpmn``): a task in the
    inbox of the ``chat_supervisor`` role. ``source_kind`` is ``"chat"`` (``source_ref``: the chat message's id,
    required) or ``"manual"`` (``source_ref`` may be None); ``source_label`` is what staff read about the source
    ("แชต #123 ข้อความ #456"); without one, a label is made from the kind and the reference. The proposer must be
    an active staff member holding ``chat_agent`` or ``chat_supervisor`` at the knowledge base's agency. One
    source is proposed once: a second proposal of the same ``(source_kind, source_ref)`` raises
    ``AlreadyProposed`` (its ``entry_id`` names the first). Bad text raises ``InvalidEntry`` (``field``,
    ``message``). Flushes, never commits: the caller commits (or rolls back on a ``KnowledgeError``).

``suggest(text: str, limit: int = 5) -> list[Suggestion]``
    Published entries close to what someone is typing (a visitor before queuing, an agent answering), best
    first. ``Suggestion`` has ``id``, ``question``, ``excerpt`` (the answer's beginning, plain text), ``topic``
    and ``url`` (the entry's public path, ``/faq/<id>``). Two queries, whatever the FAQ's size. Values are plain
    text: whoever shows them escapes them (``textContent``, Jinja's autoescape).

``GET /faq/suggest?q=...`` (``app.knowledge.views``)
    The same as JSON for the browser: ``{"query": ..., "suggestions": [{"id", "question", "excerpt", "topic",
    "url"}]}``; public, rate-limited per address through the shared limiter (``RATELIMIT_FAQ_SUGGEST``).

Search is the public manuals' one (``app.public.services.public_index.normalise``, ``public_search.terms_of``): Thai is
not split into words; text is normalised (NFC, invisible word-break marks removed, case-folded) and looked up by
substring, all terms required, on both databases. ``suggest`` compares a whole typed question (Thai, without
spaces) with the published questions the same way, by its character trigrams (those the trigram indexes use),
each weighted by how rare it is among them: "ต้องทำอย่างไร" in every question counts for little,
"หลักประกันสัญญา" for much; a word or two that only an answer holds are looked up as the search does.

Lifecycle: proposed (in review) → approved (published) | returned to the proposer (draft; they edit and
resubmit, or give up) | rejected. A published entry changes only through a new review (``edit``), and may be
withdrawn (``withdraw``, with a reason). Every step is in the engine's audit log (``object_type="faq_entry"``).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core import settings
from app.core.extensions import db
from app.core.paging import Page
from app.core.types import utcnow
from app.core.workflow import AuditEvent, HumanTask, TaskStatus, record_audit
from app.inbox.services import inbox
from app.knowledge.models import FaqEntry, FaqRevision, FaqStatus, RevisionState, SourceKind
from app.org.models import Agency, AgencyKind
from app.org.services import agencies
from app.public.services.public_index import normalise
from app.public.services.public_search import terms_of
from notifications import notify
from workflows import engine
from workflows.calendar import add_working_days
from workflows.operations import OperationContext, operation

PROCESS_ID = "faq_review"
BUSINESS_TYPE = "faq_entry"
AGENT = Role.chat_agent.value
SUPERVISOR = Role.chat_supervisor.value
STAFF_ROLES = {AGENT, SUPERVISOR}
DEFAULT_AGENCY = ("cgd", "กรมบัญชีกลาง", "The Comptroller General's Department")

QUESTION_MAX, ANSWER_MAX, TOPIC_MAX, NOTE_MAX, LABEL_MAX, REF_MAX = 500, 10000, 100, 2000, 255, 64
EXCERPT_LENGTH = 160
PAGE_SIZE = 20
SUGGEST_TEXT_MAX = 300  # characters of a typed question compared (a visitor may type far more)
SUGGEST_LIMIT_MAX = 20
SUGGEST_GRAMS = 20  # trigrams of the typed text compared, at most (spread over the text)
SUGGEST_WORDS = 3  # typed text of at most this many words is first looked up as the search does,
SUGGEST_WORD_LENGTH = 20  # unless one is longer than this (a whole question typed without spaces)
SUGGEST_COMMON = 0.6  # a trigram in more than this share of the entries says nothing (once there are a few)
SUGGEST_MIN_SCORE = 0.3  # of what an entry whose question holds every (telling) trigram would score
SUGGEST_CLOSE_TO_BEST = 0.5  # and at least this share of the best entry's score

# Only the chat team sees the review's tasks and instances, whoever else covers the agency they sit in.
policy.restrict_process(PROCESS_ID, STAFF_ROLES)

_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


# --- refusals ---------------------------------------------------------------------------------------------------


class KnowledgeError(inbox.InboxError):
    """An action on the FAQ that cannot happen; nothing of it is saved. An inbox error too, so that a refusal
    raised while a review task is completed is explained on the task page."""

    default = _l("This could not be done. Nothing was saved.")

    def __init__(self, message=None, field: str | None = None):
        self.message = message or self.default
        self.field = field
        super().__init__(str(self.message))


class InvalidEntry(KnowledgeError):
    default = _l("Check the question and the answer.")


class NotAllowed(KnowledgeError):
    default = _l("You do not have permission to do this.")


class EntryNotFound(KnowledgeError):
    default = _l("There is no such FAQ entry, or it is not yours to see.")


class EntryChangedMeanwhile(KnowledgeError):
    default = _l("Someone else changed this FAQ entry at the same moment. Nothing you entered was saved; reload "
                 "and try again.")


class AlreadyProposed(KnowledgeError):
    default = _l("This answer has already been proposed for the FAQ.")

    def __init__(self, entry_id: int | None):
        super().__init__()
        self.entry_id = entry_id


class ReviewOpen(KnowledgeError):
    default = _l("A change of this entry is already in review. Wait for the decision, or answer a return from "
                 "your task list.")


class WrongState(KnowledgeError):
    default = _l("This FAQ entry is no longer in a state that allows this.")


class NotPublished(Exception):
    """Not (or no longer) on the public site; ``withdrawn`` says whether it was there once."""

    def __init__(self, entry_id: int, withdrawn: bool = False):
        super().__init__(entry_id)
        self.withdrawn = withdrawn


# --- text --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryText:
    question: str
    answer: str
    topic: str | None


def _nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "")


def _blank(text: str) -> bool:
    return not normalise(text)


def _line(value: str | None, field: str, limit: int, *, required: bool, missing=None) -> str | None:
    """One line: control characters refused, line breaks and runs of spaces made one space."""
    text = _nfc(value)
    if _CONTROLS.search(text):
        raise InvalidEntry(_l("Remove the control characters from this text (such as NUL)."), field)
    text = " ".join(text.split())
    if _blank(text):
        if required:
            raise InvalidEntry(missing, field)
        return None
    if len(text) > limit:
        raise InvalidEntry(_l("At most %(max)d characters.", max=limit), field)
    return text


def _paragraphs(value: str | None, field: str, limit: int, *, required: bool, missing=None) -> str | None:
    """Several lines: control characters refused (line breaks and tabs kept), trailing spaces and runs of blank
    lines dropped."""
    text = _nfc(value).replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROLS.search(text):
        raise InvalidEntry(_l("Remove the control characters from this text (such as NUL)."), field)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()
    if _blank(text):
        if required:
            raise InvalidEntry(missing, field)
        return None
    if len(text) > limit:
        raise InvalidEntry(_l("At most %(max)d characters.", max=limit), field)
    return text


def clean_text(question: str | None, answer: str | None, topic: str | None) -> EntryText:
    """The entry's text as it is stored, or InvalidEntry naming the field at fault."""
    return EntryText(
        question=_line(question, "question", QUESTION_MAX, required=True, missing=_l("Write the question.")),
        answer=_paragraphs(answer, "answer", ANSWER_MAX, required=True, missing=_l("Write the answer.")),
        topic=_line(topic, "topic", TOPIC_MAX, required=False),
    )


def clean_note(value: str | None, field: str = "note", *, required: bool = False, missing=None) -> str | None:
    return _paragraphs(value, field, NOTE_MAX, required=required, missing=missing)


def excerpt(answer: str, length: int = EXCERPT_LENGTH) -> str:
    """The answer's beginning on one line (Thai has no spaces to cut at: cut at the length, before a mark)."""
    text = " ".join((answer or "").split())
    if len(text) <= length:
        return text
    cut = length
    # Never part a Thai vowel or tone mark from its consonant, nor leave a leading vowel (เ แ โ ใ ไ) alone.
    while cut > 1 and (unicodedata.category(text[cut]) == "Mn" or text[cut - 1] in "เแโใไ"):
        cut -= 1
    return text[:cut].rstrip() + "…"


# --- who ---------------------------------------------------------------------------------------------------------


def agency_code() -> str:
    return settings.value("KNOWLEDGE_AGENCY_CODE", None) or settings.value("HELPDESK_AGENCY_CODE", DEFAULT_AGENCY[0])


def knowledge_agency() -> Agency:
    """The department whose chat team keeps the FAQ (the Comptroller General's Department); the reviews sit
    there, and so do the team's memberships."""
    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code()))
    if agency is None:
        agency = agencies.create(kind=AgencyKind.department.value, name_th=DEFAULT_AGENCY[1],
                                 name_en=DEFAULT_AGENCY[2], code=agency_code(), parent=None)
    return agency


def _agency_path() -> str | None:
    return db.session.scalar(select(Agency.path).where(Agency.code == agency_code()))


def _holds(user: User | None, roles: set[str]) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not policy.scopes(user, roles):
        return False  # no such membership at all: no query
    path = _agency_path()
    return path is not None and any(policy.covers(user, role, path) for role in roles)


def is_supervisor(user: User | None) -> bool:
    return _holds(user, {SUPERVISOR})


def is_staff(user: User | None) -> bool:
    """A chat agent or supervisor: may propose entries and follow their own proposals."""
    return _holds(user, STAFF_ROLES)


def _require_supervisor(user: User) -> None:
    if not is_supervisor(user):
        raise NotAllowed()


def entry_for(user: User, entry_id: int) -> FaqEntry:
    """The entry as staff see it: supervisors every one, agents those they proposed; EntryNotFound otherwise."""
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or not (is_supervisor(user) or (is_staff(user) and entry.proposed_by_id == user.id)):
        raise EntryNotFound()
    return entry


@contextmanager
def _conflicts_reported() -> Iterator[None]:
    """Inside, a row someone else changed meanwhile (or, on SQLite, a database another writer holds past the busy
    timeout) is an EntryChangedMeanwhile, wherever the flush happens (an autoflush before a query too)."""
    try:
        yield
    except StaleDataError as exc:
        raise EntryChangedMeanwhile() from exc
    except OperationalError as exc:
        if "locked" in str(exc):
            raise EntryChangedMeanwhile() from exc
        raise


def _flush() -> None:
    with _conflicts_reported():
        db.session.flush()


def _reported(func):
    """The whole of an action under ``_conflicts_reported``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _conflicts_reported():
            return func(*args, **kwargs)

    return wrapper


# --- proposing ---------------------------------------------------------------------------------------------------


def _source(kind: str, ref: str | None, label: str | None) -> tuple[str, str | None, str]:
    if kind not in SourceKind.ALL:
        raise InvalidEntry(_l("Unknown source of the proposal."), "source_kind")
    if ref is not None and (not isinstance(ref, str) or re.search("[\r\n\u2028\u2029]", ref)):
        raise InvalidEntry(_l("Name the chat message the answer comes from."), "source_ref")
    ref = _line(ref, "source_ref", REF_MAX, required=False)
    if kind == SourceKind.chat and ref is None:
        raise InvalidEntry(_l("Name the chat message the answer comes from."), "source_ref")
    label = _line(label, "source_label", LABEL_MAX, required=False)
    if label is None:
        names = {SourceKind.chat: "แชต", SourceKind.manual: "เขียนโดยเจ้าหน้าที่", SourceKind.seed: "ข้อมูลตั้งต้น"}
        label = names[kind] + (f" #{ref}" if ref else "")
    return kind, ref, label


@_reported
def propose(question: str, answer: str, *, source_kind: str, source_ref: str | None, proposed_by_id: int,
            topic: str | None = None, source_label: str | None = None) -> FaqEntry:
    """Create an entry and send it for review; see the module's docstring."""
    fits = isinstance(proposed_by_id, int) and not isinstance(proposed_by_id, bool) and 1 <= proposed_by_id < 2**31
    user = db.session.get(User, proposed_by_id) if fits else None
    if user is None or not user.active or not is_staff(user):
        raise NotAllowed()
    kind, ref, label = _source(source_kind, source_ref, source_label)
    text = clean_text(question, answer, topic)
    if ref is not None:
        existing = db.session.scalar(select(FaqEntry.id).where(FaqEntry.source_kind == kind,
                                                               FaqEntry.source_ref == ref))
        if existing is not None:
            raise AlreadyProposed(existing)
    now = utcnow()
    entry = FaqEntry(question=text.question, answer=text.answer, topic=text.topic, status=FaqStatus.in_review,
                     source_kind=kind, source_ref=ref, source_label=label, proposed_by_id=user.id,
                     created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():  # the same source proposed at the same moment: the second one loses
            db.session.add(entry)
    except IntegrityError:
        raise AlreadyProposed(None) from None
    revision = _review(entry, user, text, note=None)
    record_audit("faq.proposed", actor_id=user.id, instance_id=revision.instance_id, object_type=BUSINESS_TYPE,
                 object_id=entry.id, after={"revision_id": revision.id, "source_kind": kind, "source_ref": ref,
                                            "question": text.question, "topic": text.topic})
    return entry


def _review(entry: FaqEntry, user: User, text: EntryText, note: str | None) -> FaqRevision:
    """A new revision of the entry, and its review process."""
    number = (db.session.scalar(select(func.max(FaqRevision.number)).where(FaqRevision.entry_id == entry.id))
              or 0) + 1
    revision = FaqRevision(entry_id=entry.id, number=number, question=text.question, answer=text.answer,
                           topic=text.topic, note=note, state=RevisionState.in_review, proposed_by_id=user.id,
                           proposed_at=utcnow())
    db.session.add(revision)
    _flush()
    agency = knowledge_agency()
    instance = engine.start(PROCESS_ID, title=text.question, business_type=BUSINESS_TYPE, business_id=entry.id,
                            agency_id=agency.id, agency_path=agency.path,
                            data={"entry_id": entry.id, "revision_id": revision.id}, actor_id=user.id)
    revision.instance_id = instance.id
    _flush()
    return revision


def open_revision(entry: FaqEntry) -> FaqRevision | None:
    """The change of the entry in review or back with its proposer, if any."""
    return db.session.scalar(select(FaqRevision).where(FaqRevision.entry_id == entry.id,
                                                       FaqRevision.state.in_(RevisionState.OPEN))
                             .order_by(FaqRevision.number.desc()).limit(1))


def _check_version(entry: FaqEntry, lock_version: int | None) -> None:
    """The version the person loaded is still the entry's (None: they loaded none, as a script may: the flush's own
    version check still stops a change made at the same moment)."""
    if lock_version is not None and lock_version != entry.lock_version:
        raise EntryChangedMeanwhile()


@_reported
def edit(user: User, entry: FaqEntry, *, question: str, answer: str, topic: str | None, note: str | None,
         lock_version: int | None) -> FaqRevision:
    """A supervisor changes an entry that is not in review (published, withdrawn or rejected): the change goes
    through a new review; a published entry stays as it is on the public site until the change is approved."""
    _require_supervisor(user)
    _check_version(entry, lock_version)
    if entry.status not in (FaqStatus.published, FaqStatus.withdrawn, FaqStatus.rejected):
        raise ReviewOpen()
    if open_revision(entry) is not None:
        raise ReviewOpen()
    text = clean_text(question, answer, topic)
    note = clean_note(note)
    entry.updated_at = utcnow()  # bumps lock_version: two edits at once cannot both start a review
    if entry.version == 0:  # never published: the entry shows the text in review
        entry.question, entry.answer, entry.topic = text.question, text.answer, text.topic
        entry.status = FaqStatus.in_review
    _flush()
    revision = _review(entry, user, text, note)
    record_audit("faq.edit_proposed", actor_id=user.id, instance_id=revision.instance_id, object_type=BUSINESS_TYPE,
                 object_id=entry.id, comment=note,
                 before={"question": entry.question, "answer": entry.answer, "topic": entry.topic},
                 after={"revision_id": revision.id, "question": text.question, "answer": text.answer,
                        "topic": text.topic})
    return revision


@_reported
def withdraw(user: User, entry: FaqEntry, *, reason: str, lock_version: int | None) -> FaqEntry:
    """A supervisor takes a published entry off the public site, saying why (audited)."""
    _require_supervisor(user)
    _check_version(entry, lock_version)
    reason = clean_note(reason, "reason", required=True, missing=_l("Say why the entry is withdrawn."))
    if entry.status != FaqStatus.published:
        raise WrongState()
    if open_revision(entry) is not None:
        raise ReviewOpen(_l("A change of this entry is in review. Decide it first, then withdraw the entry."))
    now = utcnow()
    entry.status, entry.withdrawn_at, entry.updated_at = FaqStatus.withdrawn, now, now
    entry.question_key, entry.search_text = "", ""
    _flush()
    record_audit("faq.withdrawn", actor_id=user.id, object_type=BUSINESS_TYPE, object_id=entry.id, comment=reason,
                 before={"status": FaqStatus.published, "version": entry.version},
                 after={"status": FaqStatus.withdrawn})
    return entry


def seed_published(question: str, answer: str, *, topic: str | None, source_ref: str, actor_id: int | None) -> FaqEntry:
    """A published entry without a review (the demo data, an import of the former Facebook page's answers)."""
    text = clean_text(question, answer, topic)
    now = utcnow()
    entry = FaqEntry(question=text.question, answer=text.answer, topic=text.topic, status=FaqStatus.published,
                     source_kind=SourceKind.seed, source_ref=source_ref, source_label=f"ข้อมูลตั้งต้น #{source_ref}",
                     created_at=now, updated_at=now, published_at=now, version=1)
    _index(entry)
    db.session.add(entry)
    _flush()
    record_audit("faq.seeded", actor_id=actor_id, object_type=BUSINESS_TYPE, object_id=entry.id,
                 after={"question": text.question, "topic": text.topic})
    return entry


def _index(entry: FaqEntry) -> None:
    entry.question_key = normalise(entry.question)[:500]
    entry.search_text = "\n".join(normalise(part) for part in (entry.question, entry.topic, entry.answer) if part)


# --- the review: task handlers --------------------------------------------------------------------------------------


def revision_of_instance(instance_id: int) -> FaqRevision | None:
    return db.session.scalar(select(FaqRevision).where(FaqRevision.instance_id == instance_id))


def _apply_text(revision: FaqRevision, text: EntryText, user: User, action: str) -> None:
    """The reviewer's (or the proposer's) changes to the text in review, audited field by field."""
    before = {"question": revision.question, "answer": revision.answer, "topic": revision.topic}
    after = {"question": text.question, "answer": text.answer, "topic": text.topic}
    changed = {key: value for key, value in after.items() if before[key] != value}
    if not changed:
        return
    entry = db.session.get(FaqEntry, revision.entry_id)
    revision.question, revision.answer, revision.topic = text.question, text.answer, text.topic
    if entry.version == 0:  # never published: the entry shows the text in review
        entry.question, entry.answer, entry.topic = text.question, text.answer, text.topic
        entry.updated_at = utcnow()
    _flush()
    record_audit(action, actor_id=user.id, instance_id=revision.instance_id, object_type=BUSINESS_TYPE,
                 object_id=revision.entry_id, before={key: before[key] for key in changed}, after=changed)


def _revision_for(task: HumanTask) -> FaqRevision:
    revision = revision_of_instance(task.instance_id)
    if revision is None:
        raise EntryNotFound()
    return revision


REVIEW_DECISIONS = ("approve", "return", "reject")
REVISE_ACTIONS = ("resubmit", "abandon")


@inbox.on_complete("knowledge.review")
def _reviewed(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    """The reviewer's edits go into the revision (not into the workflow: long text stays in the tables); the
    decision and its reason go on to the diagram."""
    data = answer.data
    decision = data.get("decision")
    if decision not in REVIEW_DECISIONS:
        raise InvalidEntry(_l("Choose approve, return or reject."), "decision")
    comment = clean_note(data.get("comment"), "comment", required=decision != "approve",
                         missing=_l("Say why, for the proposer."))
    text = clean_text(data.get("question"), data.get("answer"), data.get("topic"))
    with _conflicts_reported():
        revision = _revision_for(task)
        _apply_text(revision, text, user, "faq.edited_in_review")
        revision.reviewed_by_id, revision.reviewed_at = user.id, utcnow()
        db.session.flush()
    return {task.spec_name: {"decision": decision, "comment": comment or ""}}


@inbox.on_complete("knowledge.revise")
def _revised(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    data = answer.data
    action = data.get("action")
    if action not in REVISE_ACTIONS:
        raise InvalidEntry(_l("Choose to send it again or to give it up."), "action")
    if action == "resubmit":
        text, note = clean_text(data.get("question"), data.get("answer"), data.get("topic")), clean_note(data.get("note"))
        with _conflicts_reported():
            revision = _revision_for(task)
            _apply_text(revision, text, user, "faq.revised")
            revision.note = note or revision.note
            db.session.flush()
    return {task.spec_name: {"action": action}}


def _text_prefill(task: HumanTask) -> dict:
    revision = revision_of_instance(task.instance_id)
    return {"question": revision.question, "answer_text": revision.answer, "topic": revision.topic} if revision else {}


inbox.prefill("knowledge.review")(_text_prefill)
inbox.prefill("knowledge.revise")(_text_prefill)


@inbox.subject_provider(BUSINESS_TYPE)
def _subject(instance) -> dict:
    """What the review's task page shows: the text in review, the published one it would replace, the source,
    and the reasons of earlier returns."""
    entry = db.session.get(FaqEntry, instance.business_id)
    revision = revision_of_instance(instance.id)
    proposer = db.session.get(User, revision.proposed_by_id) if revision and revision.proposed_by_id else None
    returns = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action.in_(("faq.return", "faq.reject")))
        .order_by(AuditEvent.id)))
    return {"faq_entry": entry, "faq_revision": revision, "faq_proposer": proposer, "faq_returns": returns,
            "faq_topics": topics(published_only=False)}


# --- the review: operations called by the diagram's service tasks -------------------------------------------------


@operation("faq_review_due")
def review_due(ctx: OperationContext) -> dict:
    """When the review is due: a few working days after the proposal (``FAQ_REVIEW_DAYS``, default 3)."""
    due = add_working_days(utcnow(), int(settings.value("FAQ_REVIEW_DAYS", 3)))
    return {"due_at": due.isoformat()}


def _proposer_of(revision: FaqRevision, ctx: OperationContext) -> list[User]:
    """Who proposed the change, unless they decided it themselves."""
    if revision.proposed_by_id is None or revision.proposed_by_id == ctx.actor_id:
        return []
    user = db.session.get(User, revision.proposed_by_id)
    return [user] if user is not None and user.active else []


@operation("faq_record_review")
def record_review(ctx: OperationContext, revision_id: int, decision: str, comment: str = "") -> dict:
    revision = db.session.get(FaqRevision, revision_id)
    entry = db.session.get(FaqEntry, revision.entry_id)
    before = {"state": revision.state, "status": entry.status}
    now = utcnow()
    revision.reviewed_by_id, revision.reviewed_at = ctx.actor_id, now
    revision.review_comment = comment or None
    if decision == "return":
        revision.state = RevisionState.returned
        if entry.version == 0:
            entry.status = FaqStatus.draft
        notify(_proposer_of(revision, ctx), subject=_l("FAQ proposal returned for changes: %(question)s",
                                                       question=revision.question[:120]),
               body=comment, link=settings.external_url("inbox.index"),
               dedup_key=f"faq_revision:{revision.id}:returned:{ctx.instance_id}:{now.isoformat()}")
    elif decision == "reject":
        revision.state = RevisionState.rejected
        if entry.version == 0:
            entry.status = FaqStatus.rejected
        notify(_proposer_of(revision, ctx), subject=_l("FAQ proposal not accepted: %(question)s",
                                                       question=revision.question[:120]),
               body=comment, dedup_key=f"faq_revision:{revision.id}:rejected")
    entry.updated_at = now
    record_audit(f"faq.{decision}", actor_id=ctx.actor_id, instance_id=ctx.instance_id, object_type=BUSINESS_TYPE,
                 object_id=entry.id, comment=comment or None, before=before,
                 after={"state": revision.state, "status": entry.status, "revision_id": revision.id})
    return {"decision": decision}


@operation("faq_publish")
def publish(ctx: OperationContext, revision_id: int) -> dict:
    """The approved text becomes the public entry (its next version) and is searchable at once."""
    revision = db.session.get(FaqRevision, revision_id)
    entry = db.session.get(FaqEntry, revision.entry_id)
    before = {"status": entry.status, "version": entry.version, "question": entry.question, "topic": entry.topic}
    now = utcnow()
    revision.state = RevisionState.approved
    entry.question, entry.answer, entry.topic = revision.question, revision.answer, revision.topic
    entry.status, entry.version = FaqStatus.published, entry.version + 1
    entry.published_at, entry.updated_at, entry.withdrawn_at = now, now, None
    entry.reviewed_by_id = ctx.actor_id
    _index(entry)
    record_audit("faq.published", actor_id=ctx.actor_id, instance_id=ctx.instance_id, object_type=BUSINESS_TYPE,
                 object_id=entry.id, before=before,
                 after={"status": entry.status, "version": entry.version, "question": entry.question,
                        "topic": entry.topic, "revision_id": revision.id})
    notify(_proposer_of(revision, ctx), subject=_l("FAQ entry published: %(question)s",
                                                   question=revision.question[:120]),
           link=settings.external_url("public.faq_entry", entry_id=entry.id),
           dedup_key=f"faq_revision:{revision.id}:published")
    return {"entry_id": entry.id, "version": entry.version}


@operation("faq_record_revise")
def record_revise(ctx: OperationContext, revision_id: int, action: str) -> dict:
    revision = db.session.get(FaqRevision, revision_id)
    entry = db.session.get(FaqEntry, revision.entry_id)
    before = {"state": revision.state, "status": entry.status}
    if action == "abandon":
        revision.state = RevisionState.abandoned
        if entry.version == 0:
            entry.status = FaqStatus.withdrawn
            entry.withdrawn_at = utcnow()
    else:
        revision.state = RevisionState.in_review
        revision.proposed_at = utcnow()
        if entry.version == 0:
            entry.status = FaqStatus.in_review
    entry.updated_at = utcnow()
    record_audit("faq.resubmitted" if action == "resubmit" else "faq.abandoned", actor_id=ctx.actor_id,
                 instance_id=ctx.instance_id, object_type=BUSINESS_TYPE, object_id=entry.id,
                 comment=revision.note if action == "resubmit" else None, before=before,
                 after={"state": revision.state, "status": entry.status, "revision_id": revision.id})
    return {"action": action}


# --- staff lists ------------------------------------------------------------------------------------------------------


@dataclass
class EntryRow:
    entry: FaqEntry
    proposer_name: str | None
    reviewer_name: str | None
    open_revision: str | None  # the state of a change in review or returned, if any


LIST_STATUSES = ("all", *FaqStatus.ALL)


def _list_clause(user: User, status: str):
    clauses = []
    if not is_supervisor(user):
        clauses.append(FaqEntry.proposed_by_id == user.id)  # an agent follows their own proposals
    if status in FaqStatus.ALL:
        clauses.append(FaqEntry.status == status)
    return clauses


def list_entries(user: User, status: str = "all", *, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """One page of the entries the user may see, newest change first; three queries whatever the page holds."""
    if not is_staff(user):
        return Page([], 0, page, per_page)
    clauses = _list_clause(user, status)
    total = db.session.scalar(select(func.count()).select_from(FaqEntry).where(*clauses))
    proposer, reviewer = aliased(User), aliased(User)
    rows = db.session.execute(
        select(FaqEntry, proposer.display_name, reviewer.display_name)
        .outerjoin(proposer, proposer.id == FaqEntry.proposed_by_id)
        .outerjoin(reviewer, reviewer.id == FaqEntry.reviewed_by_id)
        .where(*clauses).order_by(FaqEntry.updated_at.desc(), FaqEntry.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    ids = [entry.id for entry, *_names in rows]
    open_states = dict(db.session.execute(
        select(FaqRevision.entry_id, FaqRevision.state).where(FaqRevision.entry_id.in_(ids),
                                                             FaqRevision.state.in_(RevisionState.OPEN)))
        .all()) if ids else {}
    return Page([EntryRow(entry, proposer_name, reviewer_name, open_states.get(entry.id))
                 for entry, proposer_name, reviewer_name in rows], total, page, per_page)


def status_counts(user: User) -> dict[str, int]:
    """Entries per status (those the user may see); one query."""
    if not is_staff(user):
        return {}
    clauses = _list_clause(user, "all")
    counts = dict(db.session.execute(select(FaqEntry.status, func.count()).where(*clauses)
                                     .group_by(FaqEntry.status)).all())
    return {"all": sum(counts.values()), **{status: counts.get(status, 0) for status in FaqStatus.ALL}}


def history(entry: FaqEntry) -> list[tuple[AuditEvent, str | None]]:
    """The entry's audit events with who did each, oldest first; one query."""
    return [(event_row, name) for event_row, name in db.session.execute(
        select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == BUSINESS_TYPE, AuditEvent.object_id == entry.id)
        .order_by(AuditEvent.id)).all()]


def open_review_task(entry: FaqEntry) -> HumanTask | None:
    """The open task of the entry's review (review or revise), for a link from the staff page."""
    revision = open_revision(entry)
    if revision is None or revision.instance_id is None:
        return None
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == revision.instance_id,
                                                     HumanTask.status == TaskStatus.open).limit(1))


# --- the public FAQ ------------------------------------------------------------------------------------------------------


def public_entry(entry_id: int) -> FaqEntry:
    """A published entry; NotPublished otherwise (``withdrawn`` when it was published once)."""
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or entry.status != FaqStatus.published:
        raise NotPublished(entry_id, withdrawn=entry is not None and entry.status == FaqStatus.withdrawn)
    return entry


def topics(published_only: bool = True) -> list[tuple[str, int]]:
    """Topics with their number of published entries, the largest first; one query."""
    query = select(FaqEntry.topic, func.count()).where(FaqEntry.topic.is_not(None))
    if published_only:
        query = query.where(FaqEntry.status == FaqStatus.published)
    return [(topic, count) for topic, count in db.session.execute(
        query.group_by(FaqEntry.topic).order_by(func.count().desc(), FaqEntry.topic)).all()]


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    topic: str | None
    page: Page


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(q: str | None, topic: str | None = None, page: int = 1, per_page: int = PAGE_SIZE) -> SearchResult:
    """Published entries holding every term (substrings of the normalised text, as in the manuals' search),
    those whose question matches first; browsing without terms, the newest first. Two queries."""
    terms = terms_of(q)
    topic = " ".join(_nfc(topic).split())[:TOPIC_MAX] or None
    clauses, rank = _matching(terms, topic)
    total = db.session.scalar(select(func.count()).select_from(FaqEntry).where(*clauses))
    return SearchResult(query=" ".join(_nfc(q).split()), terms=terms, topic=topic,
                        page=Page(_ranked(clauses, rank, page, per_page), total, page, per_page))


def _matching(terms: list[str], topic: str | None) -> tuple[list, object]:
    """The search's conditions and its rank: the whole phrase as the question, in the question, every term in the
    question, elsewhere."""
    clauses = [FaqEntry.status == FaqStatus.published]
    if topic:
        clauses.append(FaqEntry.topic == topic)
    clauses += [FaqEntry.search_text.like(_like(term), escape="\\") for term in terms]
    if not terms:
        return clauses, literal(0)
    phrase = " ".join(terms)
    in_question = [FaqEntry.question_key.like(_like(term), escape="\\") for term in terms]
    rank = case((FaqEntry.question_key == phrase, 0), (FaqEntry.question_key.like(_like(phrase), escape="\\"), 1),
                (and_(*in_question), 2), else_=3)
    return clauses, rank


def _ranked(clauses: list, rank, page: int, per_page: int) -> list[FaqEntry]:
    return list(db.session.scalars(select(FaqEntry).where(*clauses)
                                   .order_by(rank, FaqEntry.published_at.desc(), FaqEntry.id.desc())
                                   .limit(per_page).offset((max(page, 1) - 1) * per_page)))


@dataclass(frozen=True)
class Suggestion:
    id: int
    question: str
    excerpt: str
    topic: str | None
    url: str

    def as_dict(self) -> dict:
        return {"id": self.id, "question": self.question, "excerpt": self.excerpt, "topic": self.topic,
                "url": self.url}


def _trigrams(text: str) -> list[str]:
    """The character trigrams of the typed text's terms (normalised as the index is), spread over the text."""
    grams: list[str] = []
    for term in terms_of(_nfc(text)[:SUGGEST_TEXT_MAX]):
        for start in range(len(term) - 2):
            gram = term[start:start + 3]
            if gram not in grams:
                grams.append(gram)
    if len(grams) > SUGGEST_GRAMS:
        step = (len(grams) - 1) / (SUGGEST_GRAMS - 1)
        grams = [grams[round(i * step)] for i in range(SUGGEST_GRAMS)]
    return grams


def entry_path(entry_id: int) -> str:
    """The entry's public page as a path (with the application's path prefix, if it has one)."""
    return urlsplit(settings.external_url("public.faq_entry", entry_id=entry_id)).path


def suggest(text: str, limit: int = 5) -> list[Suggestion]:
    """Published entries close to the typed text, best first; see the module's docstring.

    A word or two are looked up as the FAQ's search does (entries holding them all, questions first). Otherwise,
    or when that finds nothing (Thai typed without spaces is one long "word"), the typed text is compared with
    the published questions (and topics) by its trigrams, each weighted by how rare it is among them. Questions
    are short and few (a FAQ holds hundreds, a few thousand at most): they are read in one query and compared
    here, which costs milliseconds where a LIKE per trigram per row in the database cost a hundred
    (``tests/knowledge/test_search_and_lists.py`` measures 2,000 entries). Two to four queries.
    """
    limit = max(1, min(int(limit), SUGGEST_LIMIT_MAX))
    grams = _trigrams(text or "")
    if not grams:
        return []
    terms = terms_of(text)
    if len(terms) <= SUGGEST_WORDS and max(map(len, terms)) <= SUGGEST_WORD_LENGTH:
        # A word or two: the entries holding them, questions first, as the FAQ's search finds them.
        entries = _ranked(*_matching(terms, None), page=1, per_page=limit)
        if entries:
            return _suggestions(entries)
    rows = db.session.execute(select(FaqEntry.id, FaqEntry.question_key, FaqEntry.topic)
                              .where(FaqEntry.status == FaqStatus.published)).all()
    topic_keys = {topic: normalise(topic) for topic in {topic for _entry_id, _question_key, topic in rows}}
    published = len(rows)
    scores: dict[int, float] = {}
    weights: list[float] = []
    for gram in grams:
        # The questions holding the trigram (a topic holding it counts half); a rare one says more than a common
        # one ("ต้องทำอย่างไร" is in most questions).
        in_question = [entry_id for entry_id, question_key, _topic in rows if gram in question_key]
        in_topic = [entry_id for entry_id, question_key, topic in rows
                    if gram not in question_key and gram in topic_keys[topic]]
        found = len(in_question) + len(in_topic)
        if published >= 8 and found > SUGGEST_COMMON * published:
            continue
        # A trigram no question holds still counts a little (as one every question holds would): much typed that
        # no question has makes a weak match, however well the rest fits.
        weight = math.log(1 + published / found) if found else math.log(2)
        weights.append(weight)
        for entry_id in in_question:
            scores[entry_id] = scores.get(entry_id, 0.0) + weight
        for entry_id in in_topic:
            scores[entry_id] = scores.get(entry_id, 0.0) + weight / 2
    best = sum(weights)
    if not best:
        return []
    ranked = [(score / best, entry_id) for entry_id, score in scores.items() if score >= SUGGEST_MIN_SCORE * best]
    ranked.sort(key=lambda item: (-item[0], -item[1]))
    ranked = [(score, entry_id) for score, entry_id in ranked[:limit] if score >= SUGGEST_CLOSE_TO_BEST * ranked[0][0]]
    if not ranked:
        return []
    found = {entry.id: entry for entry in db.session.scalars(
        select(FaqEntry).where(FaqEntry.id.in_([entry_id for _score, entry_id in ranked])))}
    return _suggestions([found[entry_id] for _score, entry_id in ranked])


def _suggestions(entries: list[FaqEntry]) -> list[Suggestion]:
    return [Suggestion(id=entry.id, question=entry.question, excerpt=excerpt(entry.answer), topic=entry.topic,
                       url=entry_path(entry.id)) for entry in entries]


# --- figures ------------------------------------------------------------------------------------------------------------


def figures() -> dict[str, int]:
    """FAQ entries per status, and how many came from chat (for the summary reports); one query."""
    rows = db.session.execute(select(FaqEntry.status, FaqEntry.source_kind, func.count())
                              .group_by(FaqEntry.status, FaqEntry.source_kind)).all()
    result = dict.fromkeys(FaqStatus.ALL, 0) | {"from_chat": 0, "total": 0}
    for status, kind, count in rows:
        result[status] = result.get(status, 0) + count
        result["total"] += count
        if kind == SourceKind.chat:
            result["from_chat"] += count
    return result


