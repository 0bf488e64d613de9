"""Every record model and its JSON Schema in schemas/ describe the same record."""

from __future__ import annotations

import json
import types
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
import jsonschema
import pytest

from streams.records import (
    Article,
    ClaimRecord,
    DeadLetter,
    EnrichedArticle,
    EntityRecord,
    FeedEntry,
    FigureRecord,
)

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"

MODELS: dict[str, type[faust.Record]] = {
    "entry.schema.json": FeedEntry,
    "article.schema.json": Article,
    "enriched.schema.json": EnrichedArticle,
    "deadletter.schema.json": DeadLetter,
}


def json_types(annotation: Any) -> set[str]:
    """The JSON types a field of this Python type may take."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        out: set[str] = set()
        for arg in typing.get_args(annotation):
            out |= {"null"} if arg is type(None) else json_types(arg)
        return out
    if origin is list:
        return {"array"}
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, faust.Record)):
        return {"object"}
    return {
        str: {"string"},
        int: {"integer"},
        float: {"number"},
        bool: {"boolean"},
        datetime: {"string"},
    }[annotation]


def schema_types(prop: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    if "$ref" in prop:
        return {"object"}
    if "anyOf" in prop:
        return set().union(*(schema_types(p, defs) for p in prop["anyOf"]))
    t = prop["type"]
    return {t} if isinstance(t, str) else set(t)


def check_model(model: type[faust.Record], schema: dict[str, Any], defs: dict[str, Any]) -> None:
    fields = model._options.fields
    assert list(schema["properties"]) == list(fields), f"{model.__name__}: fields differ"
    required = [name for name in fields if name not in model._options.defaults]
    assert sorted(schema["required"]) == sorted(required), f"{model.__name__}: required differ"
    for name, annotation in fields.items():
        prop = schema["properties"][name]
        assert schema_types(prop, defs) == json_types(annotation), f"{model.__name__}.{name}"
        nested = [
            a
            for a in (annotation, *typing.get_args(annotation))
            if isinstance(a, type) and issubclass(a, faust.Record)
        ]
        items = prop.get("items", {})
        ref = prop.get("$ref") or items.get("$ref")
        for sub in nested + [
            a
            for a in typing.get_args(annotation)
            for a in (a, *typing.get_args(a))
            if isinstance(a, type) and issubclass(a, faust.Record)
        ]:
            assert ref == f"#/$defs/{sub.__name__}"
            check_model(sub, defs[sub.__name__], defs)


@pytest.mark.parametrize("filename", sorted(MODELS))
def test_model_and_schema_agree(filename: str) -> None:
    schema = json.loads((SCHEMAS / filename).read_text())
    check_model(MODELS[filename], schema, schema.get("$defs", {}))


def test_every_schema_file_has_a_model() -> None:
    files = {p.name for p in SCHEMAS.glob("*.schema.json")}
    assert files == set(MODELS)


def sample_enriched() -> EnrichedArticle:
    article = Article(
        article_id="abc",
        url="https://example.org/a",
        feed_url="https://example.org/feed",
        feed_name="Example",
        source="example.org",
        title="Titolo",
        text="Il presidente ha detto «basta».",
        lang="it",
        published_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
    )
    return EnrichedArticle(
        article=article,
        lang="it",
        entities=[
            EntityRecord(
                text="Mosca", type="LOCATION", canonical="Moscow", key="city:moscow", start=0, end=5
            )
        ],
        claims=[ClaimRecord(speaker="Putin", kind="direct", text="basta", start=25, end=30)],
        figures=[FigureRecord(text="3.000", value=3000.0, start=1, end=6, counts="soldati")],
    )


def test_serialised_records_validate_against_their_schemas() -> None:
    enriched = sample_enriched()
    for filename, record in {
        "article.schema.json": enriched.article,
        "enriched.schema.json": enriched,
        "deadletter.schema.json": DeadLetter(
            stage="enrich", error_type="X", reason="why", original={"a": 1}
        ),
    }.items():
        schema = json.loads((SCHEMAS / filename).read_text())
        jsonschema.validate(json.loads(record.dumps()), schema)


def test_schema_rejects_a_record_missing_its_key() -> None:
    schema = json.loads((SCHEMAS / "article.schema.json").read_text())
    doc = json.loads(sample_enriched().article.dumps())
    del doc["article_id"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_enriched_round_trips_through_json() -> None:
    enriched = sample_enriched()
    back = EnrichedArticle.loads(enriched.dumps())
    assert back.article.published_at == enriched.article.published_at
    assert back.figures[0].value == 3000.0
    assert isinstance(back.entities[0], EntityRecord)
