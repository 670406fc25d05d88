"""Forms of the IR Online agent desk: triage, replies, assignment, merge, standard answers, SLA targets, teams."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms import register
from forms.base import BaseForm
from forms.tasks import TaskForm

PRIORITY_CHOICES = (
    ("urgent", _l("Urgent")),
    ("high", _l("High")),
    ("normal", _l("Normal")),
    ("low", _l("Low")),
)
REPLY_ACTIONS = (
    ("reply", _l("Reply to the reporter")),
    ("note", _l("Internal note (staff only)")),
    ("ask", _l("Ask the reporter and wait for the answer")),
    ("resolve", _l("Resolve with this answer")),
)


def _people_choices(people, empty_label) -> list[SelectChoice]:
    return [SelectChoice(0, empty_label)] + [SelectChoice(p.id, p.display_name) for p in people]


@register("incident_ticket.triage")
class TriageForm(TaskForm):
    """Filled in by the triage task; its choices are set from the categories, the staff and the teams."""

    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired(message=_l("Choose the category."))])
    priority = SelectField(_l("Priority"), choices=[SelectChoice(v, label) for v, label in PRIORITY_CHOICES],
                           default="normal", validators=[DataRequired(message=_l("Choose the priority."))])
    assignee_id = SelectField(_l("Assign to an agent"), coerce=int, default=0,
                              validate_choice=True)
    team_id = SelectField(_l("or to a team"), coerce=int, default=0, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from app.helpdesk.services import helpdesk, helpdesk_staff

        self.category_id.choices = [SelectChoice(c.id, c.name_th) for c in helpdesk.categories()]
        self.assignee_id.choices = _people_choices(helpdesk_staff.agents(), _l("Nobody yet"))
        self.team_id.choices = [SelectChoice(0, _l("No team"))] + [SelectChoice(t.id, t.name)
                                                                    for t in helpdesk_staff.teams()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.assignee_id.data and not self.team_id.data:
            self.assignee_id.errors = [*self.assignee_id.errors, _l("Assign the report to an agent or a team.")]
            valid = False
        return valid

    def task_data(self) -> dict:
        return {"category_id": self.category_id.data, "priority": self.priority.data,
                "assignee_id": self.assignee_id.data or None, "team_id": self.team_id.data or None}


class ReplyForm(BaseForm):
    action = RadioField(_l("What to do"), choices=[SelectChoice(v, label) for v, label in REPLY_ACTIONS],
                        default="reply", validators=[DataRequired(message=_l("Choose what to do."))])
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("Write the message.")),
                                                    Length(max=10000, message=_l("At most %(max)d characters.",
                                                                                 max=10000))])
    files = MultipleFileField(_l("Attachments (PDF, PNG, JPEG)"))

    def chosen_files(self) -> list:
        """The files actually chosen (browsers send one empty part when none is)."""
        return [f for f in (self.files.data or []) if getattr(f, "filename", "")]


class AssignForm(BaseForm):
    assignee_id = SelectField(_l("Agent"), coerce=int, default=0, validate_choice=False)
    team_id = SelectField(_l("Team"), coerce=int, default=0, validate_choice=False)


class PriorityForm(BaseForm):
    priority = SelectField(_l("Priority"), choices=[SelectChoice(v, label) for v, label in PRIORITY_CHOICES],
                           validators=[DataRequired(message=_l("Choose the priority."))])


class MergeForm(BaseForm):
    target = StringField(_l("Merge into report number"), validators=[
        DataRequired(message=_l("Give the number of the report to merge into.")), Length(max=16)])


class AnswerForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the answer a title.")),
                                                 Length(max=255, message=_l("At most %(max)d characters.", max=255))])
    body = TextAreaField(_l("Answer"), validators=[DataRequired(message=_l("Write the answer.")),
                                                   Length(max=10000, message=_l("At most %(max)d characters.",
                                                                                max=10000))],
                         description=_l("Placeholders: {ticket_number} {reporter_name} {project_number} {agent_name}"))
    category_id = SelectField(_l("Category"), coerce=int, default=0, validate_choice=False)
    active = BooleanField(_l("In use"), default=True)


class SaveAsAnswerForm(BaseForm):
    message_id = IntegerField(validators=[InputRequired()])
    title = StringField(_l("Title of the new standard answer"), validators=[
        DataRequired(message=_l("Give the answer a title.")), Length(max=255)])


def _minutes(label):
    return IntegerField(label, validators=[InputRequired(message=_l("Enter a number of minutes.")),
                                           NumberRange(min=1, max=100000,
                                                       message=_l("Enter a number of minutes from 1 to 100000."))])


class SlaTargetForm(BaseForm):
    priority = SelectField(_l("Priority"), choices=[SelectChoice(v, label) for v, label in PRIORITY_CHOICES])
    first_response_minutes = _minutes(_l("First response (office minutes)"))
    resolution_minutes = _minutes(_l("Resolution (office minutes)"))


class CategoryForm(BaseForm):
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(message=_l("Give the category a Thai name.")),
                                                        Length(max=255)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=255)])
    position = IntegerField(_l("Position"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    active = BooleanField(_l("In use"), default=True)


class TeamForm(BaseForm):
    name = StringField(_l("Team name"), validators=[DataRequired(message=_l("Give the team a name.")),
                                                    Length(max=255)])
    member_ids = SelectMultipleField(_l("Members"), coerce=int, validate_choice=False)
    active = BooleanField(_l("In use"), default=True)
