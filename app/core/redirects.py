"""Where a page may send the person next: the ``next`` value of a form or link, as a path on this site only."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Only a path that starts with one "/" passes: no scheme, no host, and not "//" nor "/\\", which browsers read
    as another host. Control characters (CR, LF, tab…) are refused too: browsers drop a tab or a newline inside
    an address, so "/<tab>/evil.example" would become "//evil.example".
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def next_or(default: str) -> str:
    """The request's ``next`` (form first, then query string) when it is a path on this site, else ``default``."""
    return local_path(request.form.get("next")) or local_path(request.args.get("next")) or default
