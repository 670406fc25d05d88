"""IR Online's staff and the desk's managed lists: who works at the desk, their teams, the e-GP categories and
the library of standard answers.

Teams are a managed list with members (``HelpdeskTeam``): the helpdesk is one department's staff, who regroup
by e-GP area far more often than the department's structure changes, so modelling them as agency sub-units
would make every regrouping a change of the official structure and of people's memberships.

Supervisors keep the teams, categories and answers; agents may add answers.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from app.accounts.models import Membership, Role, User
from app.accounts.services import policy
from app.core.extensions import db
from app.core.types import utcnow
from app.core.unit_memo import memo
from app.core.workflow import record_audit
from app.helpdesk.models import HelpdeskTeam, HelpdeskTeamMember, MessageKind, StandardAnswer, Ticket, TicketCategory, TicketMessage
from app.helpdesk.services import helpdesk, helpdesk_intake
from app.helpdesk.services.helpdesk import HelpdeskError, InvalidReport, TicketNotFound

AGENT_ROLES = {Role.helpdesk_agent.value, Role.helpdesk_supervisor.value}
SUPERVISOR_ROLES = {Role.helpdesk_supervisor.value}
# The reports' workflow (its process page, diagram and tasks) is the help desk's alone: OPDC officers and
# administrators act nationwide, but a reporter's messages and the desk's work are not theirs to read.
policy.restrict_process(helpdesk.PROCESS_ID, AGENT_ROLES)
PLACEHOLDERS = ("ticket_number", "reporter_name", "project_number", "agent_name")


class NotAllowed(HelpdeskError):
    default = _l("You do not have permission to do this.")


# --- who works here ---------------------------------------------------------------------------------------------


def is_agent(user: User) -> bool:
    return bool(policy.scopes(user, AGENT_ROLES))


def is_supervisor(user: User) -> bool:
    return bool(policy.scopes(user, SUPERVISOR_ROLES))


def require_agent(user: User) -> None:
    if not is_agent(user):
        raise NotAllowed()


def require_supervisor(user: User) -> None:
    if not is_supervisor(user):
        raise NotAllowed()


def agents() -> list[User]:
    """Everyone who can hold a ticket, by name; read once a unit of work (a triage's form offers them, then its
    answer is checked against them)."""
    return memo(("helpdesk agents",), lambda: list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.role.in_(AGENT_ROLES), Membership.active, User.active).distinct().order_by(User.display_name))),
        depends_on=(User, Membership))


def ticket_for(user: User, number: str) -> Ticket:
    require_agent(user)
    ticket = helpdesk.get_by_number(number)
    if ticket is None:
        raise TicketNotFound()
    return ticket


# --- teams -------------------------------------------------------------------------------------------------------


def teams(active_only: bool = True) -> list[HelpdeskTeam]:
    query = select(HelpdeskTeam).order_by(HelpdeskTeam.name)
    if active_only:
        query = query.where(HelpdeskTeam.active)
    return list(db.session.scalars(query))


def team_members() -> dict[int, list[User]]:
    """Every team's members: one query."""
    result: dict[int, list[User]] = {}
    for team_id, user in db.session.execute(select(HelpdeskTeamMember.team_id, User).join(
            User, User.id == HelpdeskTeamMember.user_id).order_by(User.display_name)):
        result.setdefault(team_id, []).append(user)
    return result


def my_team_ids(user: User) -> list[int]:
    return list(db.session.scalars(select(HelpdeskTeamMember.team_id).where(HelpdeskTeamMember.user_id == user.id)))


def save_team(user: User, name: str, member_ids: list[int], team_id: int | None = None,
              active: bool = True) -> HelpdeskTeam:
    require_supervisor(user)
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise InvalidReport(_l("Give the team a name."), field="name")
    clash = db.session.scalar(select(HelpdeskTeam).where(func.lower(HelpdeskTeam.name) == name.lower()))
    if clash is not None and clash.id != team_id:
        raise InvalidReport(_l("A team with this name already exists."), field="name")
    allowed = {agent.id for agent in agents()}
    if set(member_ids) - allowed:
        raise InvalidReport(_l("Only helpdesk staff can be team members."), field="member_ids")
    team = db.session.get(HelpdeskTeam, team_id) if team_id else HelpdeskTeam()
    if team is None:
        raise TicketNotFound()
    team.name, team.active = name, active
    db.session.add(team)
    db.session.flush()
    db.session.execute(delete(HelpdeskTeamMember).where(HelpdeskTeamMember.team_id == team.id))
    for member_id in sorted(set(member_ids)):
        db.session.add(HelpdeskTeamMember(team_id=team.id, user_id=member_id))
    record_audit("helpdesk.team_saved", actor_id=user.id, object_type="helpdesk_team", object_id=team.id,
                 after={"name": name, "members": sorted(set(member_ids)), "active": active})
    db.session.flush()
    return team


# --- categories ---------------------------------------------------------------------------------------------------


def save_category(user: User, name_th: str, name_en: str | None, position: int, active: bool = True,
                  category_id: int | None = None) -> TicketCategory:
    require_supervisor(user)
    name_th = (name_th or "").strip()
    if not name_th or len(name_th) > 255:
        raise InvalidReport(_l("Give the category a Thai name."), field="name_th")
    category = db.session.get(TicketCategory, category_id) if category_id else TicketCategory()
    if category is None:
        raise TicketNotFound()
    category.name_th, category.name_en = name_th, (name_en or "").strip() or None
    category.position, category.active = position, active
    db.session.add(category)
    db.session.flush()
    record_audit("helpdesk.category_saved", actor_id=user.id, object_type="ticket_category", object_id=category.id,
                 after={"name_th": name_th, "active": active, "position": position})
    return category


# --- standard answers ----------------------------------------------------------------------------------------------------


def answers(active_only: bool = True, category_id: int | None = None) -> list[StandardAnswer]:
    query = select(StandardAnswer).order_by(StandardAnswer.title)
    if active_only:
        query = query.where(StandardAnswer.active)
    if category_id:
        query = query.where(or_(StandardAnswer.category_id == category_id, StandardAnswer.category_id.is_(None)))
    return list(db.session.scalars(query))


def save_answer(user: User, title: str, body: str, category_id: int | None = None, active: bool = True,
                answer_id: int | None = None) -> StandardAnswer:
    """Agents add answers; changing or retiring an existing one is a supervisor's."""
    require_agent(user)
    if answer_id:
        require_supervisor(user)
    title = (title or "").strip()
    if not title or len(title) > 255:
        raise InvalidReport(_l("Give the answer a title."), field="title")
    text = helpdesk_intake.message_text(body)
    clash = db.session.scalar(select(StandardAnswer).where(StandardAnswer.title == title))
    if clash is not None and clash.id != answer_id:
        raise InvalidReport(_l("A standard answer with this title already exists."), field="title")
    if category_id and db.session.get(TicketCategory, category_id) is None:
        raise InvalidReport(_l("Choose the area of e-GP the problem is in."), field="category_id")
    answer = db.session.get(StandardAnswer, answer_id) if answer_id else StandardAnswer(created_by_id=user.id)
    if answer is None:
        raise TicketNotFound()
    answer.title, answer.body, answer.category_id, answer.active = title, text, category_id or None, active
    answer.updated_at = utcnow()
    db.session.add(answer)
    db.session.flush()
    record_audit("helpdesk.answer_saved", actor_id=user.id, object_type="helpdesk_answer", object_id=answer.id,
                 after={"title": title, "active": active, "category_id": answer.category_id})
    return answer


def save_reply_as_answer(user: User, message_id: int, title: str) -> StandardAnswer:
    """Turn a good public reply into a standard answer (the ticket's own details become placeholders again)."""
    message = db.session.get(TicketMessage, message_id)
    if message is None or message.kind != MessageKind.public_reply:
        raise TicketNotFound()
    ticket = db.session.get(Ticket, message.ticket_id)
    body = message.body
    for value, name in ((ticket.number, "ticket_number"), (ticket.project_number, "project_number"),
                        (ticket.contact_name, "reporter_name")):
        if value:
            body = body.replace(value, "{" + name + "}")
    return save_answer(user, title, body, ticket.category_id)


def render_answer(answer: StandardAnswer, ticket: Ticket, agent: User) -> str:
    """The answer's body with the placeholders filled in; unknown braces are left as they are."""
    return fill_placeholders(answer, {"ticket_number": ticket.number, "reporter_name": ticket.contact_name or "",
                                      "project_number": ticket.project_number or "", "agent_name": agent.display_name})


def fill_placeholders(answer: StandardAnswer, values: dict[str, str]) -> str:
    """The answer's body with the named placeholders filled in (Live Chat fills them for a chat: its number, the
    visitor's name); unknown braces are left as they are."""
    return re.sub(r"\{(" + "|".join(PLACEHOLDERS) + r")\}", lambda m: values.get(m.group(1), ""), answer.body)
