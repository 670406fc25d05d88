"""The report of an import run, as lines of text: the command prints them, the administrators' screen shows them.

Written in the language in force (``force_locale``), so both say the same thing in the same words.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.legacy.services.legacy_import import FILES, ImportReport


def rejection_lines(report: ImportReport) -> list[str]:
    return [_("Rejected %(file)s line %(line)s (%(ref)s): %(reason)s", file=rejection.file, line=rejection.line,
              ref=rejection.ref or "–", reason=str(rejection.reason))
            for rejection in sorted(report.rejections, key=lambda r: (FILES.index(r.file), r.line))]


def count_lines(report: ImportReport) -> list[str]:
    labels = {"agencies": _("Agencies"), "processes": _("Processes"), "manuals": _("Manuals"),
              "links": _("Links"), "users": _("Officers")}
    return [_("%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected",
              kind=labels[kind], **counts.as_dict()) for kind, counts in report.counts.items()]


def lines(report: ImportReport) -> list[str]:
    """What a run found, record by record and per kind: the same for a dry run and a run of the same export."""
    return rejection_lines(report) + count_lines(report)


def timing_line(report: ImportReport) -> str:
    return _("%(records)s records in %(seconds)s s (%(rate)s records/s).", records=f"{report.records:,}",
             seconds=f"{report.seconds:.1f}", rate=f"{report.rate:,.0f}")


def progress_line(done: int, rate: float) -> str:
    return _("… %(done)s records, %(rate)s records/s", done=f"{done:,}", rate=f"{rate:,.0f}")
