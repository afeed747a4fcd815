import pytest

from flightdeck_platform.rest.errors import MethodNotAllowed, RouteNotFound
from flightdeck_platform.rest.paths import TemplateError, parse_template, split_path
from flightdeck_platform.rest.router import AmbiguousRoutes, Router


def match(template: str, path: str) -> dict[str, str] | None:
    return parse_template(template).match(split_path(path))


def test_literal_template_matches_only_itself() -> None:
    assert match("/api/v1/version", "/api/v1/version") == {}
    assert match("/api/v1/version", "/api/v1/versions") is None
    assert match("/api/v1/version", "/api/v1/version/x") is None


def test_nested_variables_are_captured_by_field_path() -> None:
    params = match("/api/v1/tasks/{id.project}/{id.domain}", "/api/v1/tasks/flytesnacks/dev")
    assert params == {"id.project": "flytesnacks", "id.domain": "dev"}


def test_variable_values_are_percent_decoded_after_splitting() -> None:
    params = match("/api/v1/projects/{id}", "/api/v1/projects/a%2Fb%20c")
    assert params == {"id": "a/b c"}


def test_single_segment_variable_needs_a_value() -> None:
    assert match("/api/v1/projects/{id}", "/api/v1/projects/") is None


def test_explicit_wildcard_forms() -> None:
    assert match("/v1/{name=*}", "/v1/abc") == {"name": "abc"}
    assert match("/v1/{name=shelves/*}", "/v1/shelves/s1") == {"name": "shelves/s1"}
    assert match("/v1/{name=shelves/*}", "/v1/books/s1") is None
    assert match("/v1/{path=**}", "/v1/a/b%2Fc/d") == {"path": "a/b%2Fc/d"}
    assert match("/v1/{path=**}", "/v1") == {"path": ""}
    assert match("/v1/*/x", "/v1/anything/x") == {}


def test_custom_verb_is_matched_on_the_last_segment() -> None:
    assert match("/v1/{name}:cancel", "/v1/exec1:cancel") == {"name": "exec1"}
    assert match("/v1/{name}:cancel", "/v1/exec1") is None
    assert match("/v1/{name}:cancel", "/v1/:cancel") is None


@pytest.mark.parametrize(
    "template", ["api/v1", "/v1/{name", "/v1/{=x}", "/v1/**/x", "/v1//x", "/v1/a{b}"]
)
def test_malformed_templates_are_rejected(template: str) -> None:
    with pytest.raises(TemplateError):
        parse_template(template)


def router(*entries: tuple[str, str]) -> Router[str]:
    return Router((verb, parse_template(path), f"{verb} {path}") for verb, path in entries)


def test_literal_segment_beats_variable_whatever_the_order() -> None:
    table = router(("POST", "/api/v1/executions/{name}"), ("POST", "/api/v1/executions/relaunch"))
    assert table.resolve("POST", "/api/v1/executions/relaunch")[0].endswith("/relaunch")
    target, params = table.resolve("POST", "/api/v1/executions/other")
    assert target.endswith("{name}") and params == {"name": "other"}


def test_earlier_literal_wins_among_equally_literal_templates() -> None:
    table = router(("GET", "/a/{x}/c"), ("GET", "/a/b/{y}"))
    assert table.resolve("GET", "/a/b/c")[0] == "GET /a/b/{y}"


def test_path_matching_another_verb_is_method_not_allowed() -> None:
    table = router(("POST", "/api/v1/tasks"))
    with pytest.raises(MethodNotAllowed):
        table.resolve("GET", "/api/v1/tasks")
    with pytest.raises(RouteNotFound):
        table.resolve("GET", "/api/v1/nothing")


def test_same_verb_and_shape_twice_is_ambiguous() -> None:
    with pytest.raises(AmbiguousRoutes):
        router(("GET", "/v1/{a}"), ("GET", "/v1/{b}"))
    assert (
        router(("GET", "/v1/{a}"), ("PUT", "/v1/{b}")).resolve("PUT", "/v1/x")[0] == "PUT /v1/{b}"
    )
