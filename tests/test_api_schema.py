"""The API against its own OpenAPI document, with generated requests (schemathesis): valid and invalid data, random
ids and the ids of real tasks. Not one answer may be a server error or differ from what the document promises."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core import api
from app.core.extensions import db
from tests.inbox.test_api import bearer, create_token, open_review_task

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

# Per operation: valid data, and invalid data (fewer: drawing it is most of the cost, as many draws turn out valid and
# are thrown away). The operations are many (180), each also meets the hostile-id tests and has tests of its own.
EXAMPLES = {GenerationMode.POSITIVE: 7, GenerationMode.NEGATIVE: 4}
# The administration's operations, with an administrator's token: fewer, as their own tests walk each one's life.
ADMIN_EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _run(operation, headers: dict, mode: GenerationMode, failures: list, examples: dict = EXAMPLES, **fixed) -> int:
    tried = 0

    @settings(max_examples=examples[mode], derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def check(case):
        nonlocal tried
        tried += 1
        try:
            response = case.call(headers=headers)
        except Exception:
            db.session.rollback()  # the test's requests share one session: the next example starts clean
            raise
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as failure:  # keep going: the report lists every kind of failure at once
            failures.append(f"{case.method} {case.formatted_path} {case.query} {str(failure)[:600]}")

    try:
        check()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE, operation.label  # nothing invalid to send (a text in the path)
    return tried


def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(app, client, login, demo):
    headers = bearer(create_token(client, login, "reviewer"))
    administrator = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    document = api.document(app)
    task = open_review_task()
    real = {"task_id": task.id, "instance_id": task.instance_id}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        security = document["paths"][operation.path][operation.method.lower()].get("security") or [{}]
        if any(scope.startswith(f"{api.ADMIN}:") for scope in security[0].get("bearerAuth", [])):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                tried += _run(operation, administrator, mode, failures, examples=ADMIN_EXAMPLES)
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            tried += _run(operation, headers, mode, failures)
        wanted = {p.name: real[p.name] for p in operation.path_parameters if p.name in real}
        if wanted:  # real ids: the form behind the task, and its instance, meet generated values too
            tried += _run(operation, headers, GenerationMode.POSITIVE, failures, path_parameters=wanted)
    print(f"schemathesis: {tried} generated requests")
    assert tried >= 4 * 2 * 10
    assert failures == []
