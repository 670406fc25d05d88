"""WTForms classes for user tasks, found by the task's form key.

A BPMN user task names its form with the ``form_key`` property; ``form_for``
returns the class. Each form's ``task_data()`` gives what goes into the
workflow, under the task's own variable (so old values never leak into a loop).

A form module registers its forms when it is imported: each capability names its form modules
(``Capability.form_modules``) and the app imports them when it starts.
"""

from __future__ import annotations

from flask_wtf import FlaskForm

_REGISTRY: dict[str, type[FlaskForm]] = {}


class UnknownForm(LookupError):
    pass


def register(form_key: str):
    def decorate(form_class: type[FlaskForm]) -> type[FlaskForm]:
        if _REGISTRY.get(form_key, form_class) is not form_class:
            raise ValueError(f"form key {form_key!r} is registered twice")
        _REGISTRY[form_key] = form_class
        return form_class

    return decorate


def form_for(form_key: str | None) -> type[FlaskForm]:
    try:
        return _REGISTRY[form_key]
    except KeyError:
        raise UnknownForm(f"no form registered for {form_key!r}") from None


def form_keys() -> list[str]:
    return sorted(_REGISTRY)

