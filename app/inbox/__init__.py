"""The generic inbox: task list and task page, process instances, notifications, the jobs page and the task API."""
