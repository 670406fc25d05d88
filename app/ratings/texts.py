"""What people read about ratings, shared by the pages and the refusal messages (``capability.py``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ANSWER_MESSAGES = {
    "required": _l("Please answer this question."),
    "invalid": _l("Choose one of the answers shown."),
    "too_long": _l("The comment is too long: at most 1,000 characters."),
    "service": _l("Choose a service from the list, or leave it empty."),
}
QUESTION_MESSAGES = {
    "title_required": _l("Enter the title."),
    "no_scored_question": _l("A question set needs at least one question with answers to count (a scale, yes or "
                             "no, or a choice)."),
    "too_many": _l("A question set holds at most 30 questions."),
    "one_comment": _l("A question set has at most one comment question."),
    "kind": _l("Choose the type of the question."),
    "text_required": _l("Enter the question in Thai."),
    "too_long": _l("A question or a label has at most 500 characters."),
    "scale_labels": _l("A scale needs five labels, one per line, from the lowest to the highest."),
    "choices": _l("A choice question needs 2 to 10 choices, one per line."),
    "option_text": _l("Every label or choice needs its Thai text."),
}
DATE_MESSAGES = {
    "past": _l("A new version applies from today or a later day: ratings already given keep their questions."),
    "not_after_current": _l("It must apply from a day after the latest version's first day."),
}
KIND_LABELS = {
    "scale": _l("Scale of 1 to 5"),
    "yes_no": _l("Yes or no"),
    "choice": _l("One choice"),
    "comment": _l("Comment"),
}
CHANNEL_LABELS = {"web": _l("Phone or computer"), "kiosk": _l("Counter kiosk")}
