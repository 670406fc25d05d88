"""Why something about ratings could not be done: the refusals, each with its message in ``capability.py``."""

from __future__ import annotations


class RatingError(Exception):
    """A refusal; nothing was saved."""


class NotAllowed(RatingError):
    pass


class PointNotFound(RatingError):
    """No service point takes ratings under this code."""


class PointHidden(RatingError):
    """The service point is hidden from the public site: it takes no ratings."""


class NoQuestionSet(RatingError):
    """No question set applies today."""


class QuestionsChanged(RatingError):
    """The form was answered against a question set that no longer applies."""


class InvalidAnswers(RatingError):
    """``errors``: question position (0 for the service) → a message key of ``ANSWER_MESSAGES``."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(errors)
        self.errors = errors


class SetNotFound(RatingError):
    pass


class SetNotEditable(RatingError):
    """A published question set never changes: ratings were given against it."""


class DraftExists(RatingError):
    def __init__(self, set_id: int):
        super().__init__(set_id)
        self.set_id = set_id


class SetChangedMeanwhile(RatingError):
    pass


class InvalidQuestions(RatingError):
    """``errors``: row number (0 for the whole set) → a message key of ``QUESTION_MESSAGES``."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(errors)
        self.errors = errors


class InvalidEffectiveDate(RatingError):
    """``reason``: past | not_after_current."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RatingNotFound(RatingError):
    pass


class AlreadyExcluded(RatingError):
    pass


class NotExcluded(RatingError):
    pass


class BadFilter(RatingError):
    """A report filter that cannot be used; ``field`` names it, ``message`` says why (when a text says it)."""

    def __init__(self, field: str, message=None):
        super().__init__(field)
        self.field, self.message = field, message
