"""All models, imported here so that Alembic and the app see every table."""

from app.models.manual import Manual, ManualRevision, ManualStatus, RevisionStatus
from app.models.notification import Notification, OutboxMessage, OutboxStatus
from app.models.org import NATIONWIDE_ROLES, OWNING_KINDS_VALUES, Agency, AgencyKind, ApiToken, Membership, Role, User
from app.models.workflow import (
    AuditEvent,
    EventSubscription,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
    WorkflowSpec,
)

__all__ = [
    "Agency", "AgencyKind", "ApiToken", "AuditEvent", "EventSubscription", "HumanTask", "InstanceStatus",
    "Manual", "ManualRevision", "ManualStatus", "Membership", "NATIONWIDE_ROLES", "Notification", "OWNING_KINDS_VALUES",
    "OutboxMessage", "OutboxStatus", "ProcessInstance", "RevisionStatus", "Role", "TaskStatus", "User",
    "WorkflowSpec",
]
