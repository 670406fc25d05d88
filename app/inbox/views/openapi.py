"""The OpenAPI 3.1 description of ``/api/v1``."""

_ERROR = {"$ref": "#/components/schemas/Error"}
# An id is a positive integer that fits a database column; a larger one is no id (404).
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_FIELD_VALUE = {"type": ["string", "number", "boolean", "null"]}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "401": _json(_ERROR, "No valid personal access token"),
    "404": _json(_ERROR, "Not found, or not visible to the token's user"),
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "RatchaFlow API",
        "version": "1",
        "description": "Task inbox and process instances. Authenticate with a personal access token "
        "(Account › API tokens) as `Authorization: Bearer <token>`.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": {
        "/tasks": {
            "get": {
                "summary": "My tasks",
                "operationId": "listTasks",
                "parameters": [
                    {"name": "view", "in": "query", "schema": {"type": "string", "default": "available",
                                                              "enum": ["available", "claimed", "completed", "started"]}},
                    {"name": "page", "in": "query", "description": "Past the last page: an empty page.",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "process", "in": "query", "schema": {"type": "string"}},
                    {"name": "agency", "in": "query", "schema": _ID},
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/TaskPage"}, "One page of tasks"),
                    "400": _json(_ERROR, "Unknown view"),
                    "401": _ERRORS["401"],
                },
            }
        },
        "/tasks/{task_id}": {
            "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": _ID}],
            "get": {
                "summary": "One task with its form fields",
                "operationId": "getTask",
                "responses": {"200": _json({"$ref": "#/components/schemas/TaskWithForm"}, "The task"), **_ERRORS},
            },
        },
        "/tasks/{task_id}/complete": {
            "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": _ID}],
            "post": {
                "summary": "Complete a task with its form's values",
                "operationId": "completeTask",
                "description": "Each field as its form takes it: text, a number, true or false, null, or a list of "
                               "them. Text is cleaned as on the task page (control characters refused, length "
                               "limits); the body is at most 256 KB and nested at most 32 levels.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "additionalProperties": {"anyOf": [
                        _FIELD_VALUE, {"type": "array", "items": _FIELD_VALUE}]}},
                    "example": {"decision": "return", "comment": "Add the fee table."}}}},
                "responses": {
                    "200": _json({"type": "object", "properties": {
                        "task": {"$ref": "#/components/schemas/Task"},
                        "instance": {"type": "object", "properties": {"id": {"type": "integer"},
                                                                      "status": {"type": "string"}}}}},
                        "Completed; the process moved on"),
                    "400": _json(_ERROR, "The body is not a JSON object, or is nested too deeply"),
                    "413": _json(_ERROR, "The body is too large"),
                    "409": _json(_ERROR, "Already completed, claimed by someone else, or changed meanwhile"),
                    "422": _json(_ERROR, "Field errors, by field name"),
                    **_ERRORS,
                },
            },
        },
        "/instances/{instance_id}": {
            "parameters": [{"name": "instance_id", "in": "path", "required": True, "schema": _ID}],
            "get": {
                "summary": "A process instance with its status and history",
                "operationId": "getInstance",
                "responses": {"200": _json({"$ref": "#/components/schemas/Instance"}, "The instance"), **_ERRORS},
            },
        },
    },
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "integer"}, "reason": {"type": "string"}, "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}}},
            "Task": {"type": "object", "properties": {
                "id": {"type": "integer"}, "title": {"type": "string"}, "subject": {"type": "string"},
                "process_id": {"type": "string"}, "instance_id": {"type": "integer"},
                "role": {"type": ["string", "null"]}, "agency_id": {"type": "integer"},
                "agency_name": {"type": ["string", "null"]}, "assignee_id": {"type": ["integer", "null"]},
                "form_key": {"type": ["string", "null"]},
                "status": {"type": "string", "enum": ["open", "completed", "cancelled"]},
                "due_at": {"type": ["string", "null"], "format": "date-time"},
                "overdue": {"type": ["boolean", "null"]},
                "created_at": {"type": "string", "format": "date-time"},
                "completed_at": {"type": ["string", "null"], "format": "date-time"}}},
            "TaskPage": {"type": "object", "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "pages": {"type": "integer"}}},
            "FormField": {"type": "object", "properties": {
                "name": {"type": "string"}, "type": {"type": "string"}, "label": {"type": "string"},
                "required": {"type": "boolean"}, "description": {"type": "string"},
                "choices": {"type": "array", "items": {"type": "object", "properties": {
                    "value": {"type": "string"}, "label": {"type": "string"}}}}}},
            "TaskWithForm": {"allOf": [{"$ref": "#/components/schemas/Task"}, {"type": "object", "properties": {
                "can_complete": {"type": "boolean"},
                "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FormField"}}}}]},
            "Instance": {"type": "object", "properties": {
                "id": {"type": "integer"}, "process_id": {"type": "string"}, "version": {"type": "string"},
                "title": {"type": "string"},
                "business_object": {"type": "object", "properties": {"type": {"type": "string"},
                                                                     "id": {"type": "integer"}}},
                "status": {"type": "string",
                           "enum": ["running", "waiting", "complete", "error", "terminated", "suspended"]},
                "created_at": {"type": "string", "format": "date-time"},
                "completed_at": {"type": ["string", "null"], "format": "date-time"},
                "next_timer_at": {"type": ["string", "null"], "format": "date-time"},
                "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                "history": {"type": "array", "items": {"type": "object", "properties": {
                    "at": {"type": "string", "format": "date-time"}, "action": {"type": "string"},
                    "task": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]},
                    "actor": {"type": ["string", "null"]}, "comment": {"type": ["string", "null"]},
                    "time_spent_seconds": {"type": ["number", "null"]}}}}}},
        },
    },
}
