"""The templates' Jinja environment."""

from __future__ import annotations

from flask.templating import Environment


class TemplateEnvironment(Environment):
    """Flask's environment, with ``value.name`` on a plain dict read as its key at once.

    Jinja looks for an attribute first and for the key only after the AttributeError; a manual's content is JSON, and
    its task page reads some two hundred of its fields, each paying for an exception. A name that is also a dict's
    method (``items``, ``get``) keeps Jinja's order, so no template reads differently."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and not hasattr(dict, attribute):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
