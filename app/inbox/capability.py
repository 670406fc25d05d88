"""What the generic inbox plugs in: its pages and API, the workflow statuses and history, the engine's jobs."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import Badge, Capability, Job, Labels, NavEntry
from app.inbox.services import assignment, delegations, inbox, notification_center, saved_filters, task_lists
from app.inbox.views import (
    api,
    delegations_api,
    instances,
    jobs,
    jobs_api,
    notifications,
    notifications_api,
    task_tools,
    task_tools_api,
)
from app.inbox.views import delegations as delegation_views
from app.inbox.views import inbox as inbox_views
from tasks import jobs as job_runs

ADMIN = frozenset({Role.admin.value})


_UNREAD = notification_center.unread_count_query(task_lists.ME)  # built once, for every page's counts


def _counts(user) -> dict[str, int]:
    return task_lists.counts(user, unread=_UNREAD)


CAPABILITY = Capability(
    name="inbox",
    blueprints=(inbox_views.bp, instances.bp, notifications.bp, jobs.bp, task_tools.bp, delegation_views.bp),
    api_blueprints=(api.bp, task_tools_api.bp, notifications_api.bp, delegations_api.bp, jobs_api.bp),
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
            "task.assigned": _l("Task assigned to a colleague"),
            "task.acting_for": _l("Task done by the acting officer of an officer away"),
            "delegation.created": _l("Acting officer named"),
            "delegation.cancelled": _l("Acting officer's period ended early"),
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
        assignment.NotACandidate: _l("This person cannot take the task: only a colleague holding the task's role at "
                                     "its agency can. Choose someone from the list."),
        delegations.NotAColleague: _l("Only a colleague holding one of your roles at your agency can act for you. "
                                      "Choose someone from the list."),
        delegations.BadPeriod: _l("Give a first and a last day, the last one today or later and not before the "
                                  "first, for at most a year."),
        delegations.OverlapsAnother: _l("Someone already acts for you during part of this period. End that "
                                        "delegation first, or choose other days."),
        delegations.DelegationNotFound: _l("This delegation does not exist, has ended, or is not yours."),
        saved_filters.FilterNameMissing: _l("Give the filter a name of at most 120 characters."),
        saved_filters.TooManyFilters: _l("You have 50 saved filters already: delete one first."),
    },
    jobs=(
        Job("fire_timers", job_runs.fire_timers,
            lambda config: {"trigger": "interval", "seconds": config["SCHEDULER_TIMER_INTERVAL_SECONDS"]},
            _l("Fires due process timers: reminders, escalations, unlock windows ending, token expiry."),
            result_labels={"": _l("Timers fired")}),
        Job("send_outbox", job_runs.send_outbox,
            lambda config: {"trigger": "interval", "seconds": config["SCHEDULER_OUTBOX_INTERVAL_SECONDS"]},
            _l("Sends queued e-mail from the outbox."),
            result_labels={"sent": _l("Sent"), "skipped": _l("Skipped"), "retry": _l("To be tried again"),
                           "failed": _l("Given up")}),
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
