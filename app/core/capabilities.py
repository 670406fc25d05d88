"""Capabilities and the registries they plug into.

A capability (manuals, licensing, helpdesk, …) declares in its ``capability.py`` one ``Capability``: the
blueprints it serves, the modules that register its BPMN operations and task forms, the processes whose task
page it completes with a partial, its labels, the message for each of its refusals, its scheduled jobs, its
menu entries and command-line groups. ``register_all`` reads the declarations listed in the factory and builds
one ``Registry`` per app; the factory, the inbox, the task page, the messages, the labels, the scheduler and
the navigation read that registry, so none of them names a capability. Two capabilities declaring the same
name (a job, a label, a process, an exception) fail loudly at start-up.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from app.core.labels import LazyLabels

EXTENSION_KEY = "ratchaflow.capabilities"
BADGE_CAP = 99  # a badge shows "99+" beyond this (a busy queue is "many"): counting it on every page costs too much

Message = Any  # a text (lazy or not), or a function of the exception that returns one


@dataclass(frozen=True)
class Labels:
    """Readable names, by code: roles (also the lanes of the diagrams), statuses, and history actions."""

    roles: Mapping[str, Any] = field(default_factory=dict)
    statuses: Mapping[str, Any] = field(default_factory=dict)
    history: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """A scheduled job. ``run(app)`` does one run (in its own app context, committing what it does) and returns
    a short result; ``schedule(config)`` gives the APScheduler trigger and its arguments, e.g.
    ``{"trigger": "interval", "seconds": 30}``. ``result_labels`` name what the result counts for the jobs page:
    one label per key of a dict result, or under ``""`` for a single number."""

    name: str
    run: Callable[[Flask], Any]
    schedule: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    description: Any = ""
    result_labels: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Badge:
    """A count shown on a menu entry: ``count`` names one of the counts that capabilities' ``nav_counts`` give."""

    count: str
    style: str = "text-bg-light"
    capped: bool = True  # "99+" past the inbox's cap


# The menus of the top bar, in order. Work is what people open every day: its entries stay on the bar; each other
# group is one dropdown (or a plain link when the person has one entry in it).
MENU_GROUPS = {
    "work": None,
    "content": _l("Content"),
    "organisation": _l("Organisation"),
    "reports": _l("Reports"),
    "administration": _l("Administration"),
}



@dataclass(frozen=True)
class NavEntry:
    """One entry of the top menu. ``roles``: shown to a staff member holding one of them (None: to everyone of
    the audience). ``audience``: "staff", or "reporter" for the menu of IR Online's reporter accounts. ``group``:
    the menu it sits in (``MENU_GROUPS``): daily work stays on the bar, the rest in dropdowns."""

    endpoint: str
    label: Any
    order: int
    roles: frozenset[str] | None = None
    element_id: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    badge: Badge | None = None
    audience: str = "staff"
    group: str = "work"


@dataclass(frozen=True)
class AgencyHoldings:
    """What a capability keeps at agencies, read when an administrator closes or merges one.

    ``held(agency_id)``: what still keeps the agency open, as (label, number) pairs (numbers of 0 may be left out);
    ``merge(merged_id, survivor_id)``: hand what follows a merged agency to its survivor (flush, never commit) and
    return {what: number moved} for the audit. What is history (reports, ratings, letters) stays where it was."""

    held: Callable[[int], Sequence[tuple[Any, int]]]
    merge: Callable[[int, int], Mapping[str, int]]


@dataclass(frozen=True)
class Capability:
    name: str
    blueprints: Sequence[Any] = ()
    operation_modules: Sequence[str] = ()  # imported so their @operation functions are registered
    form_modules: Sequence[str] = ()  # imported so their @forms.register task forms are found by form key
    processes: Sequence[str] = ()  # the diagrams (process ids) whose tasks this capability's partial shows
    task_partial: str | None = None  # included in the task page of those processes' tasks
    labels: Labels = field(default_factory=Labels)
    messages: Mapping[type[BaseException], Message] = field(default_factory=dict)
    jobs: Sequence[Job] = ()
    nav: Sequence[NavEntry] = ()
    nav_counts: Callable[[Any], Mapping[str, int]] | None = None  # the signed-in staff member's badge counts
    template_context: Callable[[Any], Mapping[str, Any]] | None = None  # values for a staff member's pages
    commands: Sequence[Any] = ()  # click groups added to ``flask``
    # Roles whose holders all belong to one agency: role -> a function giving that agency's path (None: not set up).
    role_homes: Mapping[str, Callable[[], str | None]] = field(default_factory=dict)
    public_pages: Sequence[str] = ()  # blueprints anyone opens, signed in or not, whatever their account
    reporter_pages: Sequence[str] = ()  # blueprints a reporter account (IR Online) reaches besides the public ones
    reporter_home: str | None = None  # endpoints of a reporter account's home and profile (one capability's)
    reporter_profile: str | None = None
    private_pages: Sequence[str] = ()  # blueprints, or "blueprint.view" endpoints, that show one person's case
    init_app: Callable[[Flask], None] | None = None  # anything else done once per app (hooks, loaders)
    agency_holdings: AgencyHoldings | None = None  # what it keeps at agencies (closing and merging agencies)
    # Files an e-mail carries that are made after the commit, by the outbox: kind → maker(record id) → bytes.
    attachments: Mapping[str, Callable[[int], bytes]] = field(default_factory=dict)
    # Its JSON API (``app.core.api.blueprint``): tokens are given its scopes "<name>:read" and "<name>:write",
    # shown with ``api_label`` where a person issues a token (no label: its API is open to anyone, no scopes).
    api_blueprints: Sequence[Any] = ()
    api_label: Any = None


class DuplicateDeclaration(ValueError):
    pass


class Registry:
    """Everything the capabilities of one app declared, merged."""

    def __init__(self, capabilities: Sequence[Capability]):
        self._declared_by: dict[str, dict[Any, str]] = {}  # what → key → the capability that declared it
        self._reporter_pages: dict[str, str | None] = {}
        self.capabilities: dict[str, Capability] = {}
        self.role_labels = LazyLabels()
        self.status_labels = LazyLabels()
        self.history_labels = LazyLabels()
        self.messages: dict[type[BaseException], Message] = {}
        self.jobs: dict[str, Job] = {}
        self.role_homes: dict[str, Callable[[], str | None]] = {}
        self.task_partials: dict[str, str | None] = {}
        self.process_owners: dict[str, str] = {}
        self.private_blueprints: set[str] = set()
        self.public_blueprints: set[str] = set()
        self.reporter_blueprints: set[str] = set()
        self.reporter_home: str | None = None
        self.reporter_profile: str | None = None
        self.private_endpoints: set[str] = set()
        self.attachment_makers: dict[str, Callable[[int], bytes]] = {}
        self.agency_holdings: list[AgencyHoldings] = [c.agency_holdings for c in capabilities if c.agency_holdings]
        self.api_capabilities: dict[str, Any] = {c.name: c.api_label for c in capabilities
                                                 if c.api_blueprints and c.api_label}
        nav: list[NavEntry] = []
        element_ids: dict[str, NavEntry] = {}
        for capability in capabilities:
            self._add(self.capabilities, {capability.name: capability}, "capability", capability.name)
            self._add(self.role_labels, capability.labels.roles, "role label", capability.name)
            self._add(self.status_labels, capability.labels.statuses, "status label", capability.name)
            self._add(self.history_labels, capability.labels.history, "history label", capability.name)
            self._add(self.messages, capability.messages, "message for", capability.name)
            self._add(self.jobs, {job.name: job for job in capability.jobs}, "job", capability.name)
            self._add(self.role_homes, capability.role_homes, "role home", capability.name)
            self._add(self.attachment_makers, capability.attachments, "attachment", capability.name)
            owned = {process_id: capability.name for process_id in capability.processes}
            self._add(self.process_owners, owned, "process", capability.name)
            self.task_partials.update({process_id: capability.task_partial for process_id in capability.processes})
            self.public_blueprints.update(capability.public_pages)
            # The API takes its own tokens: the back office's gate has nothing to check there.
            self.public_blueprints.update(blueprint.name for blueprint in capability.api_blueprints)
            self.reporter_blueprints.update(capability.reporter_pages)
            if capability.reporter_home:
                reporter = {"home": capability.reporter_home, "profile": capability.reporter_profile}
                self._add(self._reporter_pages, reporter, "reporter page", capability.name)
                self.reporter_home, self.reporter_profile = capability.reporter_home, capability.reporter_profile
            for page in capability.private_pages:
                (self.private_endpoints if "." in page else self.private_blueprints).add(page)
            self._add(element_ids, {e.element_id: e for e in capability.nav if e.element_id}, "menu entry id",
                      capability.name)
            for entry in capability.nav:
                if entry.group not in MENU_GROUPS:
                    raise ValueError(f"menu entry {entry.endpoint} of {capability.name}: no menu {entry.group!r}")
            nav.extend(capability.nav)
        self.nav = sorted(nav, key=lambda entry: entry.order)

    def labels_in(self, kind: str, language: str) -> dict[str, str]:
        """The role, status or history labels (``kind``: "role_labels", ...) as text in ``language``, the request's
        own: translated once, not once a row of every list that shows them."""
        return getattr(self, kind).texts(language)

    def _add(self, target: dict, items: Mapping, what: str, owner: str) -> None:
        owners = self._declared_by.setdefault(what, {})
        for key, value in items.items():
            if key in target:
                raise DuplicateDeclaration(f"{what} {key!r} is declared by both {owners[key]} and {owner}")
            target[key] = value
            owners[key] = owner

    # --- what the shared code reads -----------------------------------------------------------------------

    def message_for(self, exc: BaseException) -> str | None:
        """The declared message of the most specific class of ``exc`` that has one."""
        for cls in type(exc).__mro__:
            if cls in self.messages:
                message = self.messages[cls]
                return str(message(exc) if callable(message) else message)
        return None

    def task_partial(self, process_id: str | None) -> str | None:
        return self.task_partials.get(process_id or "")

    def nav_for(self, audience: str, roles: set[str]) -> list[NavEntry]:
        return [entry for entry in self.nav
                if entry.audience == audience and (entry.roles is None or entry.roles & roles)]

    def nav_counts(self, user) -> dict[str, int]:
        counts: dict[str, int] = {}
        for capability in self.capabilities.values():
            if capability.nav_counts:
                counts.update(capability.nav_counts(user))
        return counts

    def template_context(self, user) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for capability in self.capabilities.values():
            if capability.template_context:
                values.update(capability.template_context(user))
        return values


def load(module_names: Sequence[str]) -> list[Capability]:
    """The ``CAPABILITY`` of each named module (``app.manuals`` reads ``app.manuals.capability``)."""
    found = []
    for name in module_names:
        module = importlib.import_module(name if name.endswith(".capability") else f"{name}.capability")
        found.append(module.CAPABILITY)
    return found


def register_all(app: Flask, module_names: Sequence[str]) -> Registry:
    """Plug every listed capability into ``app``: its operations, forms, blueprints, commands and hooks."""
    capabilities = load(module_names)
    for name in module_names:
        package = name.removesuffix(".capability")
        if importlib.util.find_spec(f"{package}.models"):
            importlib.import_module(f"{package}.models")  # every table known before the first query and to Alembic
    registry = Registry(capabilities)
    app.extensions[EXTENSION_KEY] = registry
    registry.public_blueprints.add("api")  # the OpenAPI document
    for capability in capabilities:
        for module in (*capability.operation_modules, *capability.form_modules):
            importlib.import_module(module)
        for blueprint in (*capability.blueprints, *capability.api_blueprints):
            app.register_blueprint(blueprint)
        for command in capability.commands:
            app.cli.add_command(command)
        if capability.init_app:
            capability.init_app(app)
    return registry


def of(app: Flask) -> Registry:
    return app.extensions[EXTENSION_KEY]


def current() -> Registry:
    """The registry of the app of the current context (a request, a job, a command)."""
    return of(current_app)
