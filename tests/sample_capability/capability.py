"""What the sample capability plugs in: a page, a task form, the task page's partial, labels, a message, a job and
a menu entry."""

from __future__ import annotations

from flask import Blueprint

from app.core.capabilities import Capability, Job, Labels, NavEntry

PROCESS_ID = "sample_permit"

# Its templates live in the package, next to the code: sample/_task_subject.html.
bp = Blueprint("sample", __name__, url_prefix="/sample", template_folder="templates")


@bp.get("/")
def index():
    return "Sample permits"


class SampleRefused(Exception):
    pass


CAPABILITY = Capability(
    name="sample",
    blueprints=(bp,),
    form_modules=("tests.sample_capability.forms",),
    processes=(PROCESS_ID,),
    task_partial="sample/_task_subject.html",
    labels=Labels(statuses={"sample_waiting": "Waiting for the sample"}, history={"sample.checked": "Sample checked"}),
    messages={SampleRefused: lambda exc: f"The sample was refused: {exc}"},
    jobs=(Job("sample_sweep", lambda app: 0, lambda config: {"trigger": "interval", "hours": 1}, "Sweeps samples."),),
    nav=(NavEntry("sample.index", "Samples", 65, element_id="nav-sample"),),
)
