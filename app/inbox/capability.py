"""What the generic inbox plugs in: its pages and API, the workflow statuses and history, the engine's jobs."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import Badge, Capability, Job, Labels, NavEntry
from app.inbox.services import inbox, notification_center
from app.inbox.views import api, instances, jobs, notifications
from app.inbox.views import inbox as inbox_views
from tasks import jobs as job_runs

ADMIN = frozenset({Role.admin.value})


def _counts(user) -> dict[str, int]:
    return {**inbox.counts(user), "unread": notification_center.unread_count(user)}


CAPABILITY = Capability(
    name="inbox",
    blueprints=(inbox_views.bp, instances.bp, notifications.bp, jobs.bp),
    api_blueprints=(api.bp,),
    api_label=_l("Tasks and processes"),
    labels=Labels(
        statuses={
            # process instances
            "running": _l("Waiting for a person"),
            "waiting": _l("Waiting for an event"),
            "complete": _l("Complete"),
            "error": _l("Error"),
            "terminated": _l("Terminated"),
            "suspended": _l("Suspended"),
            # tasks
            "open": _l("Open"),
            "completed": _l("Completed"),
            "cancelled": _l("Cancelled"),
        },
        history={
            "instance.started": _l("Process started"),
            "instance.completed": _l("Process finished"),
            "instance.error": _l("Process stopped by an error"),
            "task.completed": _l("Task completed"),
            "task.claimed": _l("Task claimed"),
            "task.unclaimed": _l("Task released"),
            "step.completed": _l("Step done by the system"),
            "message.received": _l("Message received"),
        },
    ),
    messages={
        inbox.TaskAlreadyCompleted: _l("Someone else has already completed this task. Nothing you entered was "
                                       "applied."),
        inbox.TaskChangedMeanwhile: _l("Someone else acted on this task at the same moment. Reload and check before "
                                       "trying again."),
        inbox.TaskClaimedByOther: lambda exc: _("%(name)s has claimed this task; only they can complete it now.",
                                                name=exc.assignee_name),
        inbox.TaskNotFound: _l("This task does not exist, or it is not yours to do."),
    },
    jobs=(
        Job("fire_timers", job_runs.fire_timers,
            lambda config: {"trigger": "interval", "seconds": config["SCHEDULER_TIMER_INTERVAL_SECONDS"]},
            _l("Fires due process timers: reminders, escalations, unlock windows ending, token expiry.")),
        Job("send_outbox", job_runs.send_outbox,
            lambda config: {"trigger": "interval", "seconds": config["SCHEDULER_OUTBOX_INTERVAL_SECONDS"]},
            _l("Sends queued e-mail from the outbox.")),
    ),
    nav=(
        NavEntry("inbox.index", _l("Tasks"), 10, element_id="nav-inbox", badge=Badge("available")),
        NavEntry("inbox.index", _l("Claimed by me"), 20, args={"view": "claimed"}, badge=Badge("claimed")),
        NavEntry("jobs.index", _l("Jobs"), 120, roles=ADMIN, element_id="nav-jobs", group="administration"),
        NavEntry("notifications.index", _l("Notifications"), 150,
                 badge=Badge("unread", style="text-bg-warning", capped=False)),
    ),
    nav_counts=_counts,
    private_pages=("api",),
)
