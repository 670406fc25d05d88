"""The base of the forms user tasks name by their form key.

A task form checks what the person typed; ``answer()`` turns it into the plain values the inbox completes the
task with (``app.inbox.services.inbox.TaskAnswer``): services never see the form.
"""

from __future__ import annotations

from app.inbox.services.inbox import TaskAnswer
from forms.base import BaseForm


class TaskForm(BaseForm):
    def task_data(self) -> dict:
        """What goes into the workflow, under the task's own variable."""
        raise NotImplementedError

    def comment_text(self) -> str | None:
        """What the audit keeps as the person's comment."""
        return None

    def answer(self) -> TaskAnswer:
        return TaskAnswer(self.task_data(), self.comment_text())
