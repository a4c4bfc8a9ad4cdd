"""The OpenAPI schema documents each body as it is: no two schema classes share a component name.

django-ninja files every schema under its class name in `components.schemas`; two classes of one
name in different modules silently overwrite each other, and one endpoint is then documented with
the other's body (approving a disclosure post showed a consultation comment).
"""

import typing
from collections import defaultdict

from ninja.openapi.schema import OpenAPISchema
from pydantic import BaseModel

from cunzhi.api.api import api


def _schema_classes(annotation, found: set) -> None:
    """Every pydantic model reachable from a type annotation (fields of fields, list[X], X | None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _schema_classes(field.annotation, found)
        return
    for arg in typing.get_args(annotation):
        _schema_classes(arg, found)


def test_no_two_schema_classes_share_a_component_name(monkeypatch):
    used = set()
    for name in ("_create_schema_from_model", "_extract_parameters"):
        original = getattr(OpenAPISchema, name)

        def spy(self, model, *args, _original=original, **kwargs):
            _schema_classes(model, used)  # ninja's own wrapper models are dropped below by name
            return _original(self, model, *args, **kwargs)

        monkeypatch.setattr(OpenAPISchema, name, spy)
    components = api.get_openapi_schema()["components"]["schemas"]

    by_name = defaultdict(set)
    for cls in used:
        if cls.__name__ in components:
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    collisions = {name: sorted(classes) for name, classes in by_name.items() if len(classes) > 1}
    assert not collisions, f"one component name, several schema classes: {collisions}"
    assert len(by_name) > 50  # the walk did reach the schemas (a broken spy would pass silently)


def test_disclosure_review_documents_its_own_body():
    schema = api.get_openapi_schema()
    body = schema["paths"]["/api/v1/disclosure/posts/{public_id}/approve"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"comment"}
