"""``newsstream stories``: the story documents in the real Elasticsearch, newest first,
filtered by an entity (a name, a variant in another language, a key) and by day; and
``newsstream story ID``'s claim groups read from the claim documents there."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import isolated_settings
from elasticsearch import AsyncElasticsearch
from pipeline_helpers import write_config
from test_story_spread import TROOPS_EN, claim
from typer.testing import CliRunner

from agents.stories.book import StorySummary, story_document
from streams.cli import app
from streams.provision import ProvisionReport, drop_index, install_index
from streams.services import LocalStack
from streams.settings import AnswerKind, Settings

runner = CliRunner()


def enriched(article_id: str, day: str, title: str, entities: dict[str, str]) -> dict[str, Any]:
    return {
        "article": {
            "article_id": article_id,
            "title": title,
            "source": "example.org",
            "published_at": f"{day}T08:00:00+00:00",
        },
        "lang": "en",
        "entities": [{"key": key, "canonical": name} for key, name in entities.items()],
        "claims": [],
    }


# Invented events; the North Korean one names a real country, so its Italian name resolves.
FLOOD = {"person:anna berti": "Anna Berti", "city:valdoria": "Valdoria"}
VOTE = {"person:marco fenzi": "Marco Fenzi", "city:lumera": "Lumera"}
TROOPS = {"country:KP": "North Korea", "org:pentagon": "Pentagon"}
STORIES = {
    "story-000001": [
        enriched("f1", "2024-03-01", "Serello floods Valdoria", FLOOD),
        enriched("f2", "2024-03-02", "Valdoria counts its dead", FLOOD),
    ],
    "story-000002": [enriched("v1", "2024-03-20", "Lumera votes its budget", VOTE)],
    "story-000003": [enriched("t1", "2024-10-28", "North Korean troops in Russia", TROOPS)],
}


# The troops story's claims: three outlets relay Reuters' wire, AFP quotes the speaker itself.
TROOP_CLAIMS = [
    claim("r1", "28T14:00", "Daily Post", TROOPS_EN, via="Reuters"),
    claim("r2", "28T15:00", "Evening Star", TROOPS_EN, via="Reuters"),
    claim("r3", "28T16:00", "Morning Herald", TROOPS_EN, via="Reuters"),
    claim("afp", "28T13:30", "AFP", "About 10,000 North Korean soldiers are in eastern Russia"),
]


def documents() -> list[dict[str, Any]]:
    found = []
    for story_id, articles in STORIES.items():
        summary = StorySummary(story_id)
        for article in articles:
            summary.add(article)
        found.append(story_document(summary, is_open=story_id != "story-000001"))
    return found


@pytest.fixture(scope="module")
async def stored(
    services: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Path]:
    settings: Settings = isolated_settings(uuid.uuid4().hex[:8])
    await install_index(settings, ProvisionReport())
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        for document in documents():
            await es.index(
                index=settings.elasticsearch.stories_alias,
                id=document["story_id"],
                document=document,
            )
        for c in TROOP_CLAIMS:
            article = {key: c[key] for key in ("article_id", "lang", "source", "published_at")}
            article |= {"title": c["text"], "story_id": "story-000003"}
            await es.index(index=settings.elasticsearch.alias, id=c["article_id"], document=article)
            await es.index(
                index=settings.elasticsearch.answers_alias(AnswerKind.CLAIMS),
                id=c["claim_id"],
                document=c,
            )
        await es.indices.refresh(index=settings.elasticsearch.index_pattern)
    finally:
        await es.close()
    yield write_config(settings, tmp_path_factory.mktemp("stories") / "settings.yaml")
    await drop_index(settings)


def listed(config: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(
        app, ["stories", *args, "--json"], env={"NEWSSTREAM_CONFIG": str(config)}
    )
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def ids(listing: dict[str, Any]) -> list[str]:
    return [story["story_id"] for story in listing["stories"]]


@pytest.mark.integration
def test_stories_newest_first(stored: Path) -> None:
    listing = listed(stored)
    assert ids(listing) == ["story-000003", "story-000002", "story-000001"]
    assert listing["total"] == 3
    flood = listing["stories"][2]
    assert (flood["article_count"], flood["open"]) == (2, False)
    assert ids(listed(stored, "--size", "1")) == ["story-000003"]


@pytest.mark.integration
def test_stories_about_a_name_a_variant_or_a_key(stored: Path) -> None:
    assert ids(listed(stored, "--about", "ANNA BERTI")) == ["story-000001"]
    assert ids(listed(stored, "--about", "Corea del Nord")) == ["story-000003"]
    assert ids(listed(stored, "--about", "person:marco fenzi")) == ["story-000002"]
    assert ids(listed(stored, "--about", "Nobody Known")) == []


@pytest.mark.integration
def test_stories_since_a_day(stored: Path) -> None:
    assert ids(listed(stored, "--since", "2024-03-15")) == ["story-000003", "story-000002"]
    assert ids(listed(stored, "--since", "2024-03-02", "--about", "Valdoria")) == ["story-000001"]


@pytest.mark.integration
def test_stories_as_a_table(stored: Path) -> None:
    result = runner.invoke(app, ["stories"], env={"NEWSSTREAM_CONFIG": str(stored)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "3 stories"
    assert lines[1].startswith("story-000003 (1 articles; en; open) 2024-10-28..2024-10-28")
    assert "Serello floods Valdoria" in result.stdout


def test_filters_are_refused_with_files(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Anna Berti said so.", encoding="utf-8")
    result = runner.invoke(app, ["stories", str(article), "--about", "Anna Berti"])
    assert result.exit_code == 2


def test_a_size_out_of_range_is_refused() -> None:
    assert runner.invoke(app, ["stories", "--size", "0"]).exit_code == 2


@pytest.mark.integration
def test_story_claim_groups_count_relay_roots(stored: Path) -> None:
    env = {"NEWSSTREAM_CONFIG": str(stored)}
    result = runner.invoke(app, ["story", "story-000003", "--json"], env=env)
    assert result.exit_code == 0, result.output
    (group,) = json.loads(result.stdout)["claims"]
    assert (group["reports"], group["independent"]) == (4, 2)  # Reuters' wire once, AFP once
    assert (group["first_outlet"], group["speaker"]) == ("AFP", "Pat Ryder")
    table = runner.invoke(app, ["story", "story-000003"], env=env).stdout
    assert "4 reports, 2 independent (en)" in table
