"""FAQ entries: proposing one (and starting its review), editing a published one through a new review,
withdrawing it, loading published ones; who is staff and who supervises; refusing a change made meanwhile."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.knowledge.models import FaqEntry, FaqRevision, FaqStatus, RevisionState, SourceKind
from app.knowledge.services.faq_errors import AlreadyProposed, EntryChangedMeanwhile, EntryNotFound, InvalidEntry, NotAllowed, ReviewOpen, WrongState
from app.knowledge.services.faq_text import LABEL_MAX, REF_MAX, EntryText, _line, clean_note, clean_text
from app.org.models import Agency, AgencyKind
from app.org.services import agencies
from app.public.services.public_index import normalise
from workflows import engine

PROCESS_ID = "faq_review"
BUSINESS_TYPE = "faq_entry"
AGENT = Role.chat_agent.value
SUPERVISOR = Role.chat_supervisor.value
STAFF_ROLES = {AGENT, SUPERVISOR}
DEFAULT_AGENCY = ("cgd", "กรมบัญชีกลาง", "The Comptroller General's Department")

PAGE_SIZE = 20

# Only the chat team sees the review's tasks and instances, whoever else covers the agency they sit in.
policy.restrict_process(PROCESS_ID, STAFF_ROLES)


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
    return agencies.path_of(agency_code())


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


# --- the review: operations called by the diagram's service tasks -------------------------------------------------


# --- staff lists ------------------------------------------------------------------------------------------------------


# --- the public FAQ ------------------------------------------------------------------------------------------------------


# --- figures ------------------------------------------------------------------------------------------------------------
