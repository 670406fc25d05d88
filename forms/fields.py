"""Field descriptions for the API: a form's fields as JSON."""

from __future__ import annotations


def describe(form) -> list[dict]:
    fields = []
    for field in form:
        if field.type in {"CSRFTokenField", "SubmitField"}:
            continue
        item = {
            "name": field.name,
            "type": field.type,
            "label": str(field.label.text),
            "required": bool(field.flags.required),
        }
        choices = getattr(field, "choices", None)
        if choices:
            item["choices"] = [{"value": choice.value, "label": str(choice.label)} for choice in choices]
        if field.description:
            item["description"] = str(field.description)
        fields.append(item)
    return fields

