"""What the engine reports to its callers."""


class WorkflowError(Exception):
    """Something in a workflow went wrong; the transaction must be rolled back."""


class ConcurrentUpdate(WorkflowError):
    """Someone else changed the same instance or task first; nothing of ours was saved."""


class TaskNotOpen(WorkflowError):
    """The task has already been completed or cancelled."""


class NotWaiting(WorkflowError):
    """No instance waits for this message (a normal answer, not a failure)."""


class StateVersionMismatch(WorkflowError):
    """A stored state was written by another serializer version and no upgrade for it is registered."""
