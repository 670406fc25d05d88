"""Forms of Live Chat: the visitor's question, leaving it offline, the rating, the transcript by e-mail; the
desk's settings, topics and blocks; and the offline answer's task. The services check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from forms import cleaning, register
from forms.base import BaseForm
from forms.tasks import TaskForm

QUESTION_MAX, NAME_MAX, EMAIL_MAX, ANSWER_MAX = 2000, 100, 255, 10000
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
VISITOR_TYPES = [SelectChoice("agency", _l("A government agency")), SelectChoice("vendor", _l("A vendor")),
                 SelectChoice("public", _l("A member of the public"))]


def _email():
    return StringField(_l("E-mail (optional)"), validators=[
        Optional(), Length(max=EMAIL_MAX), Regexp(EMAIL, message=_l("Enter a valid e-mail address."))],
        description=_l("For the transcript and for an answer given later."))


class StartForm(BaseForm):
    visitor_type = RadioField(_l("You are asking as"), choices=VISITOR_TYPES,
                              validators=[DataRequired(message=_l("Choose who you are asking as."))])
    topic_id = SelectField(_l("Topic"), coerce=int, validate_choice=False,
                           validators=[DataRequired(message=_l("Choose the topic of your question."))])
    question = TextAreaField(_l("Your question"), validators=[
        DataRequired(message=_l("Write your question.")),
        Length(max=QUESTION_MAX, message=_l("At most %(max)d characters.", max=QUESTION_MAX))])
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=NAME_MAX)])
    email = _email()


class OfflineForm(BaseForm):
    question = TextAreaField(_l("Your question"), validators=[
        Optional(), Length(max=QUESTION_MAX, message=_l("At most %(max)d characters.", max=QUESTION_MAX))])
    email = _email()


class RateForm(BaseForm):
    rating = RadioField(_l("How good was the answer?"), coerce=int,
                        choices=[SelectChoice(n, str(n)) for n in range(5, 0, -1)],
                        validators=[InputRequired(message=_l("Choose from 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=1000)])


class TranscriptMailForm(BaseForm):
    email = StringField(_l("E-mail"), validators=[
        DataRequired(message=_l("Enter a valid e-mail address.")), Length(max=EMAIL_MAX),
        Regexp(EMAIL, message=_l("Enter a valid e-mail address."))])


_HOUR = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Give the time as HH:MM, e.g. 08:30."))


def _minutes(label, high=240):
    return IntegerField(label, validators=[InputRequired(message=_l("Enter a whole number.")),
                                           NumberRange(min=1, max=high)])


class SettingsForm(BaseForm):
    opens_at = StringField(_l("The desk opens at"), validators=[DataRequired(), _HOUR])
    closes_at = StringField(_l("The desk closes at"), validators=[DataRequired(), _HOUR])
    accept_minutes = _minutes(_l("Minutes a visitor waits before being offered to leave a question"))
    idle_remind_minutes = _minutes(_l("Minutes of the visitor's silence before a reminder"))
    idle_close_minutes = _minutes(_l("Minutes after the reminder before the chat closes"))
    offline_answer_days = _minutes(_l("Working days to answer an offline question"), 30)
    default_max_chats = _minutes(_l("Chats an agent takes at once (default)"), 20)
    lock_version = HiddenField()

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "opens_at", "closes_at", "accept_minutes", "idle_remind_minutes", "idle_close_minutes",
            "offline_answer_days", "default_max_chats")}

    def version(self) -> int | None:
        return cleaning.whole_number(self.lock_version.data, minimum=1)


class TopicForm(BaseForm):
    topic_id = HiddenField()
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(message=_l("Give the topic a name.")),
                                                         Length(max=255)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=255)])
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    active = SelectField(_l("In use"), choices=[SelectChoice("1", _l("Yes")), SelectChoice("0", _l("No"))],
                         default="1")

    def validate_topic_id(self, field) -> None:
        if (field.data or "").strip() and self.topic() is None:
            raise ValidationError(_l("There is no such topic."))

    def topic(self) -> int | None:
        return cleaning.whole_number(self.topic_id.data, minimum=1)


class BlockForm(BaseForm):
    reason = TextAreaField(_l("Why is the visitor blocked?"), validators=[
        DataRequired(message=_l("Say why the visitor is blocked (at most 500 characters).")), Length(max=500)])


class IrForm(BaseForm):
    category_id = SelectField(_l("Area of e-GP"), coerce=int, validate_choice=False,
                              validators=[DataRequired(message=_l("Choose the area of e-GP the problem is in."))])


@register("chat.offline_answer")
class OfflineAnswerForm(TaskForm):
    answer_text = TextAreaField(_l("Answer"), validators=[
        DataRequired(message=_l("Write the answer.")),
        Length(max=ANSWER_MAX, message=_l("At most %(max)d characters.", max=ANSWER_MAX))],
        description=_l("The visitor reads it on their link and by e-mail. Plain text."))

    def task_data(self) -> dict:
        return {"answer": self.answer_text.data or ""}
