"""Labels by key (lazy, translated when shown) that a page shows many times over: read as text once a language."""

from __future__ import annotations

from flask_babel import get_locale


def language() -> str:
    """The request's language ("th" when there is no request)."""
    locale = get_locale()
    return locale.language if locale else "th"


class LazyLabels(dict):
    """A dict of lazy labels whose ``texts()`` are the same labels as plain text in the request's language, built
    once a language: ``str`` of a lazy label finds the request's catalogue again (some 5 µs), and a comparison of two
    manuals shows a label on every row it lists. The catalogues are loaded once a process, so the texts never go
    stale; a label added later (a capability's) is picked up because adding one clears them."""

    def __init__(self, labels=()):
        super().__init__(labels)
        self._texts: dict[str, dict[str, str]] = {}

    def texts(self, language_code: str | None = None) -> dict[str, str]:
        code = language_code
        if code is None:
            locale = get_locale()
            if locale is None:  # no app context: the labels' source text, which must not be kept as a language's
                return {key: str(label) for key, label in self.items()}
            code = locale.language
        found = self._texts.get(code)
        if found is None:
            found = self._texts[code] = {key: str(label) for key, label in self.items()}
        return found

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._texts.clear()

    def update(self, *args, **kwargs) -> None:
        super().update(*args, **kwargs)
        self._texts.clear()
