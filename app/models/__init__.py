"""All models, imported here so that Alembic and the app see every table."""

from app.models.calendar import DeadlineStatus, SpecialDay, SpecialDayKind, WorkingDayDeadline
from app.models.catalogue import CatalogueEntry, CatalogueKind, Tag
from app.models.delays import DelayDecision, DelayNotice, DelayRecord, DelayStatus, NoticeKind
from app.models.helpdesk import (
    HelpdeskTeam,
    HelpdeskTeamMember,
    MessageKind,
    ReporterType,
    SlaTarget,
    StandardAnswer,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from app.models.licensing import (
    FIGURE_FIELDS,
    JobRun,
    LicenceReport,
    ReportPeriod,
    UnlockRequest,
    UnlockStatus,
)
from app.models.manual import (
    ImpactLevel,
    Manual,
    ManualAttachment,
    ManualRevision,
    ManualStatus,
    OtherService,
    OtherServiceStatus,
    Process,
    RevisionIsFrozen,
    RevisionStatus,
    ServiceArea,
    ServiceLink,
    ServiceType,
)
from app.models.notification import Notification, OutboxMessage, OutboxStatus
from app.models.org import (
    NATIONWIDE_ROLES,
    OWNING_KINDS_VALUES,
    Agency,
    AgencyKind,
    ApiToken,
    Membership,
    Role,
    RoleToken,
    RoleTokenState,
    User,
)
from app.models.public import PublicEntry, PublicEntryFacet, PublicEntryKind, PublicFacet
from app.models.reporters import AccountKind, ReporterProfile
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
    "HelpdeskTeam", "HelpdeskTeamMember", "MessageKind", "ReporterType", "SlaTarget", "StandardAnswer", "Ticket",
    "TicketAttachment", "TicketCategory", "TicketMessage", "TicketPriority", "TicketStatus",
    "DelayDecision", "DelayNotice", "DelayRecord", "DelayStatus", "NoticeKind",
    "DeadlineStatus", "SpecialDay", "SpecialDayKind", "WorkingDayDeadline",
    "FIGURE_FIELDS", "JobRun", "LicenceReport", "ReportPeriod", "UnlockRequest", "UnlockStatus",
    "CatalogueEntry", "CatalogueKind", "ImpactLevel", "ManualAttachment", "OtherService", "OtherServiceStatus",
    "Process", "RevisionIsFrozen", "ServiceArea", "ServiceLink", "ServiceType", "Tag",
    "Agency", "AgencyKind", "ApiToken", "AuditEvent", "EventSubscription", "HumanTask", "InstanceStatus",
    "Manual", "ManualRevision", "ManualStatus", "Membership", "NATIONWIDE_ROLES", "Notification", "OWNING_KINDS_VALUES",
    "OutboxMessage", "OutboxStatus", "ProcessInstance", "RevisionStatus", "Role", "RoleToken", "RoleTokenState",
    "TaskStatus", "User",
    "WorkflowSpec", "PublicEntry", "PublicEntryFacet", "PublicEntryKind", "PublicFacet",
    "AccountKind", "ReporterProfile",
]

import app.ratings.models  # noqa: E402, F401  the ratings capability's tables, for Alembic
