"""Managing the users of one's scope (roles, removal), and each person's own profile."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, user_logged_in

from app.accounts.services import membership_changes, own_profile, user_directory
from app.core import paging
from app.core.extensions import db
from app.core.i18n import role_label
from forms import cleaning
from forms.user_admin import ALL_AGENCIES, ChangeRoleForm, RemoveMembershipForm, SwitchAgencyForm

bp = Blueprint("users", __name__)

# The session key of the agency a person chose to act for; without it every membership counts.
ACTING_AGENCY = "acting_agency_id"


@bp.before_app_request
def _apply_acting_agency():
    """Give the signed-in person the agency they act for (``policy.scopes`` reads it) for this request."""
    chosen = session.get(ACTING_AGENCY)
    if chosen is None or request.endpoint == "static" or not current_user.is_authenticated:
        return  # nothing chosen: every membership counts, and the user need not be loaded for that
    person = current_user._get_current_object()
    agency = own_profile.acting_agency(person, chosen)
    if agency is None:
        session.pop(ACTING_AGENCY, None)  # the membership is gone: act with what is left
    _set_acting(person, agency)
    g.acting_user = person  # keeps this very object (and its choice) for whatever loads the user next


def _set_acting(person, agency) -> None:
    person.acting_agency_id = agency.id if agency else None
    person.acting_agency = agency


@user_logged_in.connect
def _fresh_sign_in_acts_for_all(_sender, user, **_extra):
    # A new sign-in starts with an empty session, so with every membership.
    _set_acting(user, None)


# --- manage users ----------------------------------------------------------------------------------------------


def _require_manager() -> None:
    if not user_directory.can_manage_users(current_user):
        abort(403)


@bp.get("/admin/users")
@login_required
def index():
    _require_manager()
    q = request.args.get("q", "").strip()[:100]
    page = paging.page_number(request.args.get("page"))
    result = user_directory.search_users(current_user, q, page)
    return render_template("users/index.html", result=result, q=q)


def _role_choices() -> list[tuple[str, str]]:
    return [(role, role_label(role)) for role in user_directory.grantable_roles(current_user)]


@bp.get("/admin/users/<int:user_id>")
@login_required
def show(user_id: int):
    _require_manager()
    try:
        person = user_directory.user_for(current_user, user_id)
    except user_directory.NotFound:
        abort(404)
    memberships = user_directory.memberships_in_scope(current_user, person)
    roles = _role_choices()
    forms = {
        m.id: ChangeRoleForm(formdata=None, prefix=f"m{m.id}", roles=roles, data={"role": m.role})
        for m in memberships if user_directory.can_change(current_user, m)
    }
    return render_template("users/show.html", person=person, memberships=memberships, forms=forms,
                           history=user_directory.account_history(person),
                           describe=describe, action_label=action_label)


def _membership_action(user_id: int, membership_id: int, act):
    _require_manager()
    try:
        message = act()
        db.session.commit()
        flash(message, "success")
    except user_directory.NotFound:
        db.session.rollback()
        abort(404)
    except user_directory.NotAllowed:
        db.session.rollback()
        abort(403)
    except user_directory.UserAdminError as exc:
        db.session.rollback()
        flash(refusal_message(exc), "warning")
    return redirect(url_for("users.show", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/memberships/<int:membership_id>/role")
@login_required
def change_role(user_id: int, membership_id: int):
    form = ChangeRoleForm(prefix=f"m{membership_id}", roles=_role_choices())
    form.validate()  # CSRF is checked for every POST; the role is checked by the service

    def act():
        membership_changes.change_role(current_user, membership_id, form.role.data or "", user_id=user_id)
        return _("Role changed to %(role)s.", role=role_label(form.role.data))

    return _membership_action(user_id, membership_id, act)


@bp.post("/admin/users/<int:user_id>/memberships/<int:membership_id>/remove")
@login_required
def remove(user_id: int, membership_id: int):
    RemoveMembershipForm().validate()

    def act():
        released = membership_changes.remove(current_user, membership_id, user_id=user_id)
        if released:
            return _("Removed from the agency. Claimed tasks returned to the shared queue: %(count)s.",
                     count=len(released))
        return _("Removed from the agency.")

    return _membership_action(user_id, membership_id, act)


def refusal_message(exc: user_directory.UserAdminError) -> str:
    """Why a change was refused (also the API's message)."""
    if isinstance(exc, user_directory.RoleNotGrantable):
        return _("You may not grant this role. Choose one of the roles in the list.")
    if isinstance(exc, user_directory.SameRole):
        return _("This membership already has that role. Choose another role.")
    if isinstance(exc, user_directory.RoleAlreadyHeld):
        return _("This person already holds that role in this agency. If this membership is no longer needed, "
                 "remove it instead.")
    if isinstance(exc, user_directory.LastManagerMembership):
        return _("You cannot remove or demote yourself from your last central-officer role. Ask another central "
                 "officer or an administrator to do it.")
    if isinstance(exc, user_directory.MembershipChangedMeanwhile):
        return _("Someone else changed this membership at the same moment. Nothing you chose was saved; check the "
                 "page and try again.")
    return _("This could not be done. Nothing was saved.")


ACTION_LABELS = {
    "membership.granted": _l("Membership granted"),
    "membership.role_changed": _l("Role changed"),
    "membership.removed": _l("Removed from the agency"),
    "role_token.redeemed": _l("Access token redeemed"),
    "user.created_by_digital_id": _l("Account created at the first Digital ID sign-in"),
    "user.updated_by_digital_id": _l("Name or e-mail updated from Digital ID"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def describe(entry: user_directory.HistoryEntry) -> str:
    """A line a person can read about what changed, from the event's before and after."""
    before, after = entry.event.before or {}, entry.event.after or {}
    parts = []
    if before.get("role") and after.get("role") and before["role"] != after["role"]:
        parts.append(f"{role_label(before['role'])} → {role_label(after['role'])}")
    elif after.get("role") or before.get("role"):
        parts.append(role_label(after.get("role") or before.get("role")))
    if entry.agency is not None:
        parts.append(entry.agency.name(_current_language()))
    for key in ("display_name", "email"):
        if key in before and before.get(key) != after.get(key):
            parts.append(f"{before.get(key) or '–'} → {after.get(key) or '–'}")
    released = after.get("released_task_ids")
    if released:
        parts.append(_("claimed tasks returned to the queue: %(count)s", count=len(released)))
    return " · ".join(parts)


# --- one's own profile ---------------------------------------------------------------------------------------


@bp.get("/account/profile")
@login_required
def profile():
    agencies = own_profile.switchable_agencies(current_user)
    form = SwitchAgencyForm(formdata=None, agencies=_agency_choices(agencies),
                            data={"agency": str(getattr(current_user, "acting_agency_id", None) or ALL_AGENCIES)})
    return render_template("users/profile.html", memberships=own_profile.own_memberships(current_user),
                           agencies=agencies, form=form, can_manage=user_directory.can_manage_users(current_user))


def _agency_choices(agencies) -> list[tuple[str, str]]:
    return [(str(a.id), a.name(_current_language())) for a in agencies]


def _current_language() -> str:
    return str(get_locale() or "th")


@bp.post("/account/profile/agency")
@login_required
def switch_agency():
    agencies = own_profile.switchable_agencies(current_user)
    form = SwitchAgencyForm(agencies=_agency_choices(agencies))
    form.validate()
    choice = (form.agency.data or ALL_AGENCIES).strip()
    if choice == ALL_AGENCIES:
        session.pop(ACTING_AGENCY, None)
        _set_acting(current_user, None)
        flash(_("You now act for all your agencies."), "success")
        return redirect(url_for("users.profile"))
    agency_id = cleaning.whole_number(choice, minimum=1)
    agency = own_profile.acting_agency(current_user, agency_id) if agency_id else None
    if agency is None:
        flash(_("You do not belong to that agency. Choose one from the list."), "warning")
        return redirect(url_for("users.profile"))
    session[ACTING_AGENCY] = agency.id
    _set_acting(current_user, agency)
    flash(_("You now act for %(agency)s.", agency=agency.name(_current_language())), "success")
    return redirect(url_for("users.profile"))
