"""What licensing plugs in: licence reports, unlock requests and delay notices, their diagrams' operations and
forms, the messages of a refused delay record, and the job that locks report periods."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import Capability, Job, NavEntry
from app.licensing.services import delay_letters, delays, licensing
from app.licensing.views import api as licensing_api
from app.licensing.views import delays as delay_views
from app.licensing.views import delays_api
from app.licensing.views import licensing as licensing_views
from tasks import jobs

# Licence reports and delay notices: service points, their departments, OPDC.
REPORTS_LICENCES = frozenset({Role.service_point_officer.value, Role.central_officer.value, Role.opdc_officer.value,
                              Role.admin.value})

# Why a delay record or decision could not be saved, by DelayError.code.
DELAY_REFUSED = {
    "duplicate": _l("A delay with this application reference is already recorded at this service point."),
    "bad_process": _l("Choose one of the service point's processes."),
    "decided": _l("The decision on this application is already recorded."),
    "bad_decision": _l("Choose the decision."),
    "conflict": _l("The application changed at the same moment. Nothing was saved: reload and try again."),
    "posted": _l("This notice is already marked as posted."),
}


def _delay_refused(exc: delays.DelayError) -> str:
    return str(DELAY_REFUSED.get(exc.code, _("This could not be done. Nothing was saved.")))


def lock_periods(app: Flask) -> int:
    """Lock the report periods whose close day has passed (a conditional update: safe in two processes)."""
    return len(jobs.run_in_transaction(app, licensing.lock_due_periods, "period locking"))


CAPABILITY = Capability(
    name="licensing",
    blueprints=(licensing_views.bp, delay_views.bp),
    api_blueprints=(licensing_api.bp, delays_api.bp),
    api_label=_l("Licence figures and delays"),
    operation_modules=("app.licensing.services.unlocks", "app.licensing.services.delays",
                       "app.licensing.services.delay_rounds"),
    form_modules=("forms.licensing", "forms.delays"),
    processes=("unlock_request", "delay_notice"),
    messages={delays.DelayError: _delay_refused},
    attachments={delay_letters.LETTER_KIND: delay_letters.applicant_pdf},
    jobs=(
        # Hourly: a period locks within the hour after its close day ends (writes are refused from then anyway).
        Job("lock_periods", lock_periods, lambda config: {"trigger": "cron", "minute": 1},
            _l("Locks licence-report periods after their close day."), result_labels={"": _l("Periods locked")}),
    ),
    nav=(
        NavEntry("licensing.index", _l("Licence reports"), 70, roles=REPORTS_LICENCES, element_id="nav-licensing",
                 group="reports"),
        NavEntry("delays.index", _l("Delay notices"), 80, roles=REPORTS_LICENCES, element_id="nav-delays"),
    ),
)
