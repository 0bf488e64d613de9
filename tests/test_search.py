"""`newsstream search` against the real Elasticsearch: query syntax, collapsed copies, paging,
sorting, facets, case-insensitive filters, and each hit's claims and figures.

The articles are indexed once for the module by the index agent's own bulk indexer, into an
index of this module alone; the searches run through the command line.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import isolated_settings
from elasticsearch import AsyncElasticsearch
from pipeline_helpers import cli, write_config

from agents.index import ArticleIndexer, decode_enriched
from streams.provision import ProvisionReport, drop_index, install_index, load_index_template
from streams.records import Article, ClaimRecord, EnrichedArticle, FigureRecord
from streams.search import split_field_terms
from streams.services import LocalStack

pytestmark = pytest.mark.integration


def article(
    article_id: str,
    title: str,
    text: str,
    *,
    lang: str = "en",
    feed: str = "Example News",
    day: int = 1,
    cluster_id: str | None = None,
    duplicate_of: str | None = None,
    claims: list[ClaimRecord] | None = None,
    figures: list[FigureRecord] | None = None,
) -> dict[str, Any]:
    record = EnrichedArticle(
        article=Article(
            article_id=article_id,
            url=f"https://example.org/{article_id}",
            feed_url="https://example.org/rss",
            feed_name=feed,
            source="example.org",
            title=title,
            text=text,
            published_at=datetime(2026, 11, day, tzinfo=UTC),
            cluster_id=cluster_id,
            duplicate_of=duplicate_of,
        ),
        lang=lang,
        lemmas=text.lower(),
        claims=claims or [],
        figures=figures or [],
    )
    return decode_enriched(record.dumps())


RYDER = ClaimRecord(
    speaker="Patrick Ryder",
    kind="reported",
    text="the troops are moving towards the border",
    start=0,
    end=10,
    via="AFP",
)
PESKOV = ClaimRecord(
    speaker="Dmitri Peskow",
    kind="reported",
    text="i colloqui sono stati utili",
    start=0,
    end=10,
    via="Tass",
    speaker_key="person:dmitri peskov",
    via_key="org:tass",
)
SOLDIERS = FigureRecord(
    text="3,000", value=3000.0, start=0, end=5, counts="soldiers", qualifier="at least"
)
PENTAGON = "Pentagon says troops are moving"
PENTAGON_TEXT = (
    "The Pentagon said on Monday that at least 3,000 soldiers were moving,\n\n"
    "according to AFP. The Pentagon spokesman Patrick Ryder gave no date."
)

ARTICLES = [
    article(
        "pentagon-first",
        PENTAGON,
        PENTAGON_TEXT,
        cluster_id="c-pentagon",
        claims=[RYDER],
        figures=[SOLDIERS],
        day=3,
    ),
    # two syndicated copies of the same story, on other feeds
    article(
        "pentagon-copy-1",
        PENTAGON,
        PENTAGON_TEXT,
        feed="Wire Copy",
        cluster_id="c-pentagon",
        duplicate_of="pentagon-first",
        claims=[RYDER],
        day=4,
    ),
    article(
        "pentagon-copy-2",
        PENTAGON,
        PENTAGON_TEXT,
        feed="Other Copy",
        cluster_id="c-pentagon",
        duplicate_of="pentagon-first",
        day=5,
    ),
    article(
        "pentagon-ukraine",
        "Pentagon on Ukraine",
        "The Pentagon announced new aid to Ukraine.",
        cluster_id="c-ukraine",
        day=2,
    ),
    article(
        "corea",
        "La Corea del Nord lancia missili",
        "La Corea del Nord ha lanciato due missili, ha detto il ministero.",
        lang="it",
        day=6,
        claims=[PESKOV],
    ),
    article(
        "espana",
        "El presidente del gobierno",
        "El presidente del gobierno habló en Madrid sobre Nord Stream y Corea.",
        lang="es",
        day=7,
    ),
]


@pytest.fixture(scope="module")
async def indexed(
    services: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Path]:
    """A config file whose alias holds ARTICLES, and nothing else."""
    settings = isolated_settings(uuid.uuid4().hex[:8])
    await install_index(settings, ProvisionReport())
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        outcome = await ArticleIndexer(es, settings).index(ARTICLES)
        assert outcome.indexed == len(ARTICLES), outcome.rejected
        await es.indices.refresh(index=settings.elasticsearch.alias)
    finally:
        await es.close()
    yield write_config(settings, tmp_path_factory.mktemp("search") / "settings.yaml")
    await drop_index(settings)


def search(config: Path, *args: str) -> dict[str, Any]:
    result = cli("search", *args, "--json", env={"NEWSSTREAM_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def ids(found: dict[str, Any]) -> list[str]:
    return [h["article_id"] for h in found["hits"]]


def test_field_terms_are_taken_out_of_the_text() -> None:
    rest, terms = split_field_terms('title:"Corea del Nord" missili -body:Seoul (a | b)')
    assert rest == "missili (a | b)"
    assert [(t.fields, t.term, t.excluded) for t in terms] == [
        (["title"], '"Corea del Nord"', False),
        (["body", "lemmas"], "Seoul", True),
    ]


def test_a_phrase_and_an_exclusion_are_honoured_and_copies_collapsed(indexed: Path) -> None:
    found = search(indexed, '"Pentagon" -Ukraine')
    assert found["total"] == 3  # the three copies match ...
    assert found["stories"] == 1  # ... and are one story
    (hit,) = found["hits"]
    assert hit["article_id"].startswith("pentagon-") and hit["article_id"] != "pentagon-ukraine"
    assert hit["copies"] == 2
    assert set(hit["copy_sources"]) <= {"Example News", "Wire Copy", "Other Copy"}
    assert len(hit["copy_sources"]) == 2


def test_a_phrase_never_matches_one_of_its_words_alone(indexed: Path) -> None:
    assert ids(search(indexed, '"Corea del Nord"')) == ["corea"]
    # unquoted, the three words anywhere will do: "Nord Stream y Corea" has them too
    assert set(ids(search(indexed, "Corea del Nord"))) == {"corea", "espana"}
    # but every word is required: "del" alone is not enough
    assert ids(search(indexed, "Corea del Nord missili")) == ["corea"]
    assert ids(search(indexed, "gobierno | missili", "--sort", "date")) == ["espana", "corea"]


def test_a_field_prefix_confines_the_word(indexed: Path) -> None:
    assert ids(search(indexed, "title:Ukraine")) == ["pentagon-ukraine"]
    assert ids(search(indexed, "title:Pentagon -title:Ukraine", "--facets", "0"))[0].startswith(
        "pentagon-"
    )
    assert search(indexed, "title:Ryder")["total"] == 0
    assert search(indexed, "claim:border")["stories"] == 1


def test_a_hit_shows_its_claims_figures_and_one_line_highlights(indexed: Path) -> None:
    found = search(indexed, "Pentagon soldiers")
    hit = found["hits"][0]
    assert hit["claims"][0] == {
        "speaker": "Patrick Ryder",
        "via": "AFP",
        "kind": "reported",
        "text": "the troops are moving towards the border",
    }
    assert all("\n" not in line for line in hit["highlights"])
    assert len(hit["highlights"]) == len(set(hit["highlights"]))
    table = cli("search", "Pentagon", env={"NEWSSTREAM_CONFIG": str(indexed)})
    assert table.returncode == 0, table.stderr
    assert "+2 copies" in table.stdout
    assert "Patrick Ryder (via AFP): the troops are moving" in table.stdout
    assert "at least 3,000 soldiers" in table.stdout


def test_pages_sort_and_facets(indexed: Path) -> None:
    by_date = search(indexed, "", "--sort", "date", "--size", "2")
    assert ids(by_date) == ["espana", "corea"]
    assert by_date["stories"] == 4 and by_date["total"] == 6
    second = search(indexed, "", "--sort", "date", "--size", "2", "--page", "2")
    assert ids(second)[1] == "pentagon-ukraine"
    assert ids(second)[0].startswith("pentagon-")
    assert search(indexed, "", "--size", "2", "--page", "3")["hits"] == []
    facets = search(indexed, "", "--facets", "1")["facets"]
    assert facets["lang"] == [{"value": "en", "count": 4}]
    assert search(indexed, "", "--facets", "0")["facets"] == {}


def test_filters_take_any_case_and_an_empty_one_is_named(indexed: Path) -> None:
    assert search(indexed, "", "--speaker", "patrick ryder")["stories"] == 1
    assert search(indexed, "", "--via", "afp", "--source", "wire copy")["total"] == 1
    found = search(indexed, "", "--speaker", "Nobody Atall", "--via", "afp")
    assert found["total"] == 0
    assert len(found["notes"]) == 1 and "--speaker 'Nobody Atall'" in found["notes"][0]
    table = cli("search", "--speaker", "nobody", env={"NEWSSTREAM_CONFIG": str(indexed)})
    assert "note: --speaker 'nobody' matches no article" in table.stdout


@pytest.mark.parametrize("typed", ["Dmitry Peskov", "dmitrij peskov", "Dmitri Peskow", "Peskov"])
def test_a_speaker_is_found_under_any_spelling_of_the_name(indexed: Path, typed: str) -> None:
    assert ids(search(indexed, "", "--speaker", typed)) == ["corea"]


def test_a_via_is_found_by_its_key(indexed: Path) -> None:
    assert ids(search(indexed, "", "--via", "TASS")) == ["corea"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--page", "0"], "--page must be 1 or more"),
        (["--size", "0"], "--size must be between 1 and 100"),
        (["--size", "100", "--page", "101"], "goes past result 10000"),
        (["--sort", "newest"], "--sort must be relevance or date"),
        (["--facets", "-1"], "--facets must be between 0"),
    ],
)
def test_bad_paging_options_are_one_line_errors(args: list[str], message: str) -> None:
    result = cli("search", "x", *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


async def test_an_index_made_before_copies_key_gets_it_from_init(services: LocalStack) -> None:
    """`init` adds fields the template gained to the indices that exist already."""
    own = isolated_settings(uuid.uuid4().hex[:8])
    es = AsyncElasticsearch(own.elasticsearch.url)
    try:
        before = load_index_template()["template"]
        del before["mappings"]["properties"]["copies_key"]
        await es.indices.create(
            index=own.elasticsearch.first_index,
            aliases={own.elasticsearch.alias: {"is_write_index": True}},
            settings=before["settings"],
            mappings=before["mappings"],
        )
        await install_index(own, ProvisionReport())
        mapping = await es.indices.get_mapping(index=own.elasticsearch.alias)
        (props,) = [m["mappings"]["properties"] for m in mapping.values()]
        assert props["copies_key"] == {"type": "keyword"}
    finally:
        await es.close()
        await drop_index(own)
