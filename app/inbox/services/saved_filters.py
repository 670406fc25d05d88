"""Each officer's saved inbox filters: a name for a tab with its filters, sort and search, one of them the default.

Saving under a name the officer already uses replaces that filter (the page offers "save" again after a change).
"""

from __future__ import annotations

from sqlalchemy import exists, select, update

from app.accounts.models import User
from app.core.extensions import db
from app.inbox.models import SavedFilter
from app.inbox.services.task_query import TaskQuery

NAME_MAX = 120
PER_USER_MAX = 50


class SavedFilterRefused(Exception):
    """A filter that cannot be saved or found; the message is for the user."""


class FilterNameMissing(SavedFilterRefused):
    pass


class TooManyFilters(SavedFilterRefused):
    pass


class SavedFilterNotFound(SavedFilterRefused):
    pass


def of(user: User) -> list[SavedFilter]:
    if not user.has_saved_filters:
        return []
    return list(db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == user.id)
                                   .order_by(SavedFilter.name, SavedFilter.id)))


def save(user: User, name: str, query: TaskQuery, *, default: bool = False) -> SavedFilter:
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise FilterNameMissing(name)
    row = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name))
    if row is None:
        if len(of(user)) >= PER_USER_MAX:
            raise TooManyFilters(PER_USER_MAX)
        row = SavedFilter(user_id=user.id, name=name, is_default=False)
        db.session.add(row)
    row.params = query.params()
    if default:
        _clear_default(user)
        row.is_default = True
    db.session.flush()
    _note_whether_any(user)
    return row


def make_default(user: User, filter_id: int) -> SavedFilter:
    row = _own(user, filter_id)
    _clear_default(user)
    row.is_default = True
    db.session.flush()
    return row


def delete(user: User, filter_id: int) -> None:
    db.session.delete(_own(user, filter_id))
    db.session.flush()
    _note_whether_any(user)


def default_for(user: User) -> SavedFilter | None:
    if not user.has_saved_filters:
        return None
    return db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.is_default)
                             .limit(1))


def _note_whether_any(user: User) -> None:
    """``User.has_saved_filters`` from the rows themselves (set, not counted: nothing to drift)."""
    db.session.execute(update(User).where(User.id == user.id).values(
        has_saved_filters=exists().where(SavedFilter.user_id == user.id)).execution_options(synchronize_session=False))
    db.session.expire(user, ["has_saved_filters"])


def _own(user: User, filter_id: int) -> SavedFilter:
    row = db.session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user.id:
        raise SavedFilterNotFound(filter_id)
    return row


def _clear_default(user: User) -> None:
    db.session.execute(update(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.is_default)
                       .values(is_default=False).execution_options(synchronize_session="fetch"))
