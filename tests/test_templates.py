"""The templates' environment reads a dict's keys at once (app/core/templating.py) and nothing else changes."""

from app.core.templating import TemplateEnvironment


def render(app, source: str, **values) -> str:
    with app.app_context():
        return app.jinja_env.from_string(source).render(**values)


def test_the_app_renders_with_its_environment(app):
    assert isinstance(app.jinja_env, TemplateEnvironment)


def test_a_dicts_keys_read_as_attributes(app):
    step = {"title": "ตรวจสอบเอกสาร", "duration": 0, "unit": None}
    assert render(app, "{{ s.title }}|{{ s.duration }}|{{ s.unit is none }}", s=step) == "ตรวจสอบเอกสาร|0|True"
    nested = {"statistics": {"average": 3}}
    assert render(app, "{{ c.statistics.average }}", c=nested) == "3"


def test_a_missing_key_is_undefined_as_before(app):
    assert render(app, "[{{ s.remark }}]{{ s.remark is defined }}{{ s.remark or '–' }}", s={}) == "[]False–"


def test_a_key_named_like_a_dicts_method_keeps_jinjas_order(app):
    # Jinja's own rule: the attribute first, then the key. ``items`` is the method, ``get`` too.
    values = {"items": "a key", "get": "another"}
    assert render(app, "{{ d.items()|list|length }} {{ d['items'] }} {{ d.get('items') }}", d=values) == "2 a key a key"


def test_objects_and_other_mappings_read_as_before(app):
    class Point:
        x = 1

    class Mapping(dict):
        pass

    assert render(app, "{{ p.x }} {{ m.y }} {{ p.z is defined }}", p=Point(), m=Mapping(y=2)) == "1 2 False"


def test_url_for_each_gives_url_for_s_address_for_every_id(app):
    from flask import url_for

    from app.core.templating import url_for_each

    with app.test_request_context("/tasks/"):
        task_url = url_for_each("inbox.task", "task_id")
        for task_id in (1, 7, 918_273_645, 10**12):
            assert task_url(task_id) == url_for("inbox.task", task_id=task_id)
        assert url_for_each("inbox.claim", "task_id")(42) == url_for("inbox.claim", task_id=42)
    # Served under a path of its own (a reverse proxy's prefix), digits and all.
    with app.test_request_context("/tasks/", base_url="http://localhost/918273645/ratchaflow"):
        assert url_for_each("instances.show", "instance_id")(5) == "/918273645/ratchaflow/instances/5"


def test_url_for_each_puts_a_name_outside_the_path_in_the_query_as_url_for_does(app):
    from flask import url_for

    from app.core.templating import url_for_each

    with app.test_request_context("/tasks/"):
        assert url_for_each("inbox.index", "page", view="claimed")(3) == url_for("inbox.index", page=3, view="claimed")


def test_url_for_each_with_another_value_holding_the_markers_digits_still_gives_url_for_s_address(app):
    from flask import url_for

    from app.core.templating import _MARKER, url_for_each

    with app.test_request_context("/tasks/"):
        page_url = url_for_each("inbox.index", "page", q=str(_MARKER))
        assert page_url(2) == url_for("inbox.index", page=2, q=str(_MARKER))
