"""Requests that carry files: each channel's upload limit, in place of the app-wide request cap.

``MAX_CONTENT_LENGTH`` keeps every other request small. The endpoints that take files declare here what their
channel allows (manuals: one sample form; IR Online: its files per message for reporters and agents alike), and
their requests may be that large, plus room for the form around the files. The cap is raised first among the
app's before-request functions: CSRF protection reads the body in its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Blueprint, request

# Room for the text fields, the CSRF token and the multipart framing around the files.
UPLOAD_FORM_OVERHEAD = 64 * 1024


def allow_files(bp: Blueprint, endpoints: Iterable[str], files_bytes: Callable[[], int]) -> None:
    """Requests to ``endpoints`` (of ``bp``) may carry up to ``files_bytes()`` bytes of files."""
    endpoints = frozenset(endpoints)

    def _raise_the_cap():
        if request.endpoint in endpoints:
            request.max_content_length = files_bytes() + UPLOAD_FORM_OVERHEAD

    @bp.record_once
    def _first_before_request(state):
        state.app.before_request_funcs.setdefault(None, []).insert(0, _raise_the_cap)
