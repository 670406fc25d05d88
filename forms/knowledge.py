"""Forms of the procurement FAQ: proposing and editing an entry, withdrawing it, and the review's tasks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from forms import cleaning, register
from forms.base import BaseForm
from forms.tasks import TaskForm

# The same limits as the service (app.knowledge.services.faq_text); the service checks them again.
QUESTION_MAX, ANSWER_MAX, TOPIC_MAX, NOTE_MAX = 500, 10000, 100, 2000
TOPICS_LIST = "faq-topics"  # the id of the <datalist> of known topics the pages render


def _question():
    return StringField(_l("Question"), validators=[
        DataRequired(message=_l("Write the question.")),
        Length(max=QUESTION_MAX, message=_l("At most %(max)d characters.", max=QUESTION_MAX))],
        description=_l("As people ask it, in one sentence."))


def _answer():
    return TextAreaField(_l("Answer"), validators=[
        DataRequired(message=_l("Write the answer.")),
        Length(max=ANSWER_MAX, message=_l("At most %(max)d characters.", max=ANSWER_MAX))],
        description=_l("Plain text; line breaks are kept. Name the rule or regulation the answer rests on."))


def _topic():
    return StringField(_l("Topic"), validators=[
        Length(max=TOPIC_MAX, message=_l("At most %(max)d characters.", max=TOPIC_MAX))],
        render_kw={"list": TOPICS_LIST, "autocomplete": "off"},
        description=_l("For example: e-bidding, price reference, contract guarantee, e-GP registration."))


class _TextFields:
    """``answer_text``, not ``answer``: a task form's ``answer()`` is what it gives the inbox."""

    def text_values(self) -> dict:
        return {"question": self.question.data or "", "answer": self.answer_text.data or "",
                "topic": self.topic.data or ""}


class EntryForm(_TextFields, BaseForm):
    """A new entry (sent for review at once), or a change of an existing one (reviewed before it shows)."""

    question = _question()
    answer_text = _answer()
    topic = _topic()
    note = TextAreaField(_l("Note for the reviewer"), validators=[
        Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))],
        description=_l("Optional: why this entry, or what changed."))
    lock_version = HiddenField()

    def version(self) -> int | None:
        return cleaning.whole_number(self.lock_version.data, minimum=1)


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Why is it withdrawn?"), validators=[
        DataRequired(message=_l("Say why the entry is withdrawn.")),
        Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))])
    lock_version = HiddenField()

    def version(self) -> int | None:
        return cleaning.whole_number(self.lock_version.data, minimum=1)


@register("knowledge.review")
class ReviewForm(_TextFields, TaskForm):
    """The supervisor may correct the text, then approves (publishes), returns with a reason, or rejects."""

    question = _question()
    answer_text = _answer()
    topic = _topic()
    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("approve", _l("Approve and publish")),
        SelectChoice("return", _l("Return to the proposer for changes")),
        SelectChoice("reject", _l("Reject"))],
        validators=[DataRequired(message=_l("Choose approve, return or reject."))])
    comment = TextAreaField(_l("Reason"), validators=[
        Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))],
        description=_l("Required when you return or reject: the proposer reads it."))

    def validate_comment(self, field):
        if self.decision.data in ("return", "reject") and cleaning.is_blank(field.data or ""):
            raise ValidationError(_l("Say why, for the proposer."))

    def task_data(self) -> dict:
        return {**self.text_values(), "decision": self.decision.data, "comment": (self.comment.data or "").strip()}

    def comment_text(self) -> str | None:
        return (self.comment.data or "").strip() or None


@register("knowledge.revise")
class ReviseForm(_TextFields, TaskForm):
    """The proposer answers a return: corrects the text and sends it again, or gives the proposal up."""

    question = _question()
    answer_text = _answer()
    topic = _topic()
    action = RadioField(_l("What to do"), choices=[
        SelectChoice("resubmit", _l("Send it for review again")),
        SelectChoice("abandon", _l("Give the proposal up"))],
        default="resubmit", validators=[DataRequired(message=_l("Choose to send it again or to give it up."))])
    note = TextAreaField(_l("Note for the reviewer"), validators=[
        Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))])

    def task_data(self) -> dict:
        return {**self.text_values(), "action": self.action.data, "note": (self.note.data or "").strip()}

    def comment_text(self) -> str | None:
        return (self.note.data or "").strip() or None
