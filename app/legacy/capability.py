"""What the legacy import plugs in: ``flask import legacy``, the administrators' import screen and its job."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import Capability, Job, NavEntry
from app.legacy.commands import import_cli
from app.legacy.services import import_runs, import_uploads, legacy_import
from app.legacy.views import imports, imports_api
from tasks import jobs

ADMIN = frozenset({Role.admin.value})


def legacy_imports_job(app: Flask) -> int:
    """Runs the dry runs and imports administrators asked for on the screen (each committed on its own)."""
    return jobs.run_in_transaction(app, import_runs.run_queued, "legacy imports")


CAPABILITY = Capability(
    name="legacy",
    blueprints=(imports.bp,),
    api_blueprints=(imports_api.bp,),
    commands=(import_cli,),
    jobs=(Job(import_runs.JOB_NAME, legacy_imports_job,
              lambda config: {"trigger": "interval", "seconds": config["LEGACY_IMPORT_POLL_SECONDS"]},
              _l("Runs the legacy imports started on the import screen (at once when the scheduler runs in the web "
                 "process), and removes uploaded exports left unimported for a day.")),),
    nav=(NavEntry("legacy.index", _l("Legacy import"), 125, roles=ADMIN, element_id="nav-legacy-import",
                  group="administration"),),
    messages={
        legacy_import.ImportFileUnreadable: lambda exc: f"{exc.name}: {exc.reason}",
        import_uploads.UploadRefused: lambda exc: str(exc.reason),
        import_runs.RunRefused: lambda exc: str(exc.reason),
    },
)
