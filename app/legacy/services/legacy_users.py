"""Writing one legacy officer (``users.csv``): a waiting account with its roles at the imported agencies.

The account is matched to a person on their first Digital ID sign-in (``app/accounts/services/legacy_accounts.py``).
The citizen id is checked (13 digits, check digit) and hashed here; its clear value is never stored, logged or
put in a rejection's reason.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.accounts.services import legacy_accounts
from app.legacy.services.legacy_fields import RecordRejected, clean_text, required_ref
from app.legacy.services.legacy_records import EMAIL, by_ref
from app.org.models import Agency

ROLES = tuple(role.value for role in Role)
CONTROL_CHARACTERS = {chr(code) for code in range(32)} | {"\x7f"}


def import_user(data: dict) -> str:
    _refuse_control_characters(data)
    ref = required_ref(data)
    name = clean_text(data.get("name"))
    if not name:
        raise RecordRejected(_l("The officer's name (name) is missing."))
    if len(name) > 255:
        raise RecordRejected(_l("The officer's name is longer than 255 characters."))
    email = clean_text(data.get("email"))
    if email and (len(email) > 255 or not EMAIL.match(email)):
        raise RecordRejected(_l("The e-mail address “%(value)s” is not valid.", value=email[:100]))
    citizen_hash = _citizen_id_hash(clean_text(data.get("citizen_id")))
    if not email and not citizen_hash:
        raise RecordRejected(_l("Give the officer's e-mail address or citizen id: without either, nobody can be "
                                "matched to the account."))
    grants = _grants(clean_text(data.get("roles")))
    return legacy_accounts.import_pending(ref, name, email or None, citizen_hash, grants)


def _refuse_control_characters(data: dict) -> None:
    # A NUL byte or a line break inside a cell is a damaged export, not a name: say so rather than store it.
    for key, value in data.items():
        if isinstance(value, str) and any(char in CONTROL_CHARACTERS for char in value.strip()):
            raise RecordRejected(_l("The column %(field)s holds a control character (a NUL byte or a line "
                                    "break).", field=key))


def _citizen_id_hash(text: str) -> str | None:
    if not text:
        return None
    try:
        return legacy_accounts.citizen_id_hash(legacy_accounts.citizen_id_digits(text))
    except legacy_accounts.InvalidCitizenId as exc:
        if exc.problem == "length":
            raise RecordRejected(_l("The citizen id must be 13 digits.")) from None
        raise RecordRejected(_l("The citizen id's check digit does not match: a digit was mistyped.")) from None


def _grants(text: str) -> list[tuple[int, str]]:
    """``AGENCY_REF:role;AGENCY_REF:role`` → [(agency id, role)]."""
    grants = []
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        agency_ref, _sep, role = (piece.strip() for piece in item.rpartition(":"))
        if not agency_ref:
            raise RecordRejected(_l("Write each role as AGENCY_REF:role, not “%(value)s”.", value=item[:100]))
        if role not in ROLES:
            raise RecordRejected(_l("Unknown role “%(role)s”.", role=role[:64]))
        agency = by_ref(Agency, agency_ref)
        if agency is None:
            raise RecordRejected(_l("The agency %(ref)s does not exist.", ref=agency_ref[:64]))
        grants.append((agency.id, role))
    if not grants:
        raise RecordRejected(_l("The officer has no role at any agency (roles)."))
    return grants
