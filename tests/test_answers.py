"""Claims and figures as documents of their own, and `newsstream claims` / `newsstream figures`.

The documents are built from enriched records (no service needed); then the index agent's own
bulk indexer writes them into the real Elasticsearch beside their articles, a re-indexed article
with fewer claims loses the extra ones, and the commands read them with filters resolved to
canonical keys. The sentences are written for these tests, one language each.
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

from agents.answers import claim_documents, figure_documents, sentence_bounds
from agents.extraction.names import person_key
from agents.index import ArticleIndexer, decode_enriched, to_document
from streams.provision import ProvisionReport, drop_index, install_index
from streams.records import Article, ClaimRecord, EnrichedArticle, EntityRecord, FigureRecord
from streams.resolve import KeyKind, resolve
from streams.services import LocalStack
from streams.settings import AnswerKind, Settings


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def entity(text: str, part: str, kind: str, canonical: str, key: str) -> EntityRecord:
    start, end = _span(text, part)
    return EntityRecord(text=part, type=kind, canonical=canonical, key=key, start=start, end=end)


def claim(text: str, part: str, speaker: str | None, via: str | None = None) -> ClaimRecord:
    start, end = _span(text, part)
    return ClaimRecord(speaker=speaker, kind="reported", text=part, start=start, end=end, via=via)


def figure(text: str, part: str, value: float, counts: str, **more: Any) -> FigureRecord:
    start, end = _span(text, part)
    return FigureRecord(
        text=part, value=value, start=start, end=end, counts=counts, kind="count", **more
    )


def enriched(
    article_id: str,
    lang: str,
    text: str,
    *,
    entities: list[EntityRecord] | None = None,
    claims: list[ClaimRecord] | None = None,
    figures: list[FigureRecord] | None = None,
    feed: str = "Example News",
    cluster_id: str | None = None,
    day: int = 1,
) -> dict[str, Any]:
    record = EnrichedArticle(
        article=Article(
            article_id=article_id,
            url=f"https://example.org/{article_id}",
            feed_url="https://example.org/rss",
            feed_name=feed,
            source="example.org",
            title=f"Title {article_id}",
            text=text,
            published_at=datetime(2026, 11, day, tzinfo=UTC),
            cluster_id=cluster_id,
        ),
        lang=lang,
        entities=entities or [],
        claims=claims or [],
        figures=figures or [],
    )
    return decode_enriched(record.dumps())


# ------------------------------------------------------------------ invented, one per language
FR = (
    "Le temps était calme à Lyon. Au moins 40 personnes ont été évacuées, a déclaré le préfet "
    "Jean Morel, cité par l'AFP. La mairie rouvrira lundi."
)
FR_ARTICLE = enriched(
    "fr-lyon",
    "fr",
    FR,
    entities=[
        entity(FR, "Lyon", "LOCATION", "Lyon", "city:lyon"),
        entity(FR, "Jean Morel", "PERSON", "Jean Morel", "person:jean morel"),
        entity(FR, "AFP", "ORG", "Agence France-Presse", "org:agence france-presse"),
    ],
    claims=[claim(FR, "Au moins 40 personnes ont été évacuées", "Jean Morel", "AFP")],
    figures=[figure(FR, "40", 40, "personnes", qualifier="Au moins")],
)
EN = (
    "Storms hit the coast. More than 2,000 homes lost power, a spokeswoman for Harbour Energy "
    "told Reuters. Repairs start today."
)
EN_ARTICLE = enriched(
    "en-storm",
    "en",
    EN,
    entities=[entity(EN, "Harbour Energy", "ORG", "Harbour Energy", "org:harbour energy")],
    claims=[claim(EN, "More than 2,000 homes lost power", "Harbour Energy", "Reuters")],
    figures=[figure(EN, "2,000", 2000, "homes", qualifier="More than")],
    day=2,
)
IT = "Il ministro Carlo Neri ha detto che 15 scuole resteranno chiuse. Domani si vota."
IT_ARTICLE = enriched(
    "it-scuole",
    "it",
    IT,
    entities=[entity(IT, "Carlo Neri", "PERSON", "Carlo Neri", "person:carlo neri")],
    claims=[claim(IT, "15 scuole resteranno chiuse", "Carlo Neri")],
    figures=[figure(IT, "15", 15, "scuole")],
    day=3,
)
DE = "In Bremen fielen 300 Flüge aus, sagte ein Sprecher laut dpa. Der Flughafen bleibt offen."
DE_ARTICLE = enriched(
    "de-bremen",
    "de",
    DE,
    entities=[entity(DE, "Bremen", "LOCATION", "Bremen", "city:bremen")],
    claims=[claim(DE, "In Bremen fielen 300 Flüge aus", "ein Sprecher", "dpa")],
    figures=[figure(DE, "300", 300, "Flüge")],
    day=4,
)
ES = "Según el alcalde Luis Prado, unas 80 familias fueron realojadas. Llueve en Sevilla."
ES_ARTICLE = enriched(
    "es-sevilla",
    "es",
    ES,
    entities=[
        entity(ES, "Luis Prado", "PERSON", "Luis Prado", "person:luis prado"),
        entity(ES, "Sevilla", "LOCATION", "Seville", "city:seville"),
    ],
    claims=[claim(ES, "unas 80 familias fueron realojadas", "Luis Prado")],
    figures=[figure(ES, "80", 80, "familias", qualifier="unas")],
    day=5,
)
# a syndicated copy of the French story, on a wire feed
FR_COPY = {
    **FR_ARTICLE,
    "article": {
        **FR_ARTICLE["article"],
        "article_id": "fr-lyon-copy",
        "feed_name": "Wire Copy",
        "cluster_id": "c-lyon",
        "duplicate_of": "fr-lyon",
    },
}
FR_ARTICLE["article"]["cluster_id"] = "c-lyon"
ALL = [FR_ARTICLE, EN_ARTICLE, IT_ARTICLE, DE_ARTICLE, ES_ARTICLE, FR_COPY]


@pytest.mark.parametrize(
    ("text", "part", "sentence"),
    [
        (FR, "40", FR.split(". ")[1] + "."),
        (
            EN,
            "2,000",
            "More than 2,000 homes lost power, a spokeswoman for Harbour Energy told Reuters.",
        ),
        (IT, "15", "Il ministro Carlo Neri ha detto che 15 scuole resteranno chiuse."),
        (DE, "300", "In Bremen fielen 300 Flüge aus, sagte ein Sprecher laut dpa."),
        (ES, "80", "Según el alcalde Luis Prado, unas 80 familias fueron realojadas."),
    ],
)
def test_the_sentence_of_an_answer_is_its_own(text: str, part: str, sentence: str) -> None:
    """A sentence ends at . ! ? and a space before a capital: "2,000" does not end one."""
    begin, end = sentence_bounds(text, *_span(text, part))
    assert text[begin:end] == sentence


def test_claim_documents_carry_the_article_and_canonical_keys() -> None:
    ((doc_id, doc),) = claim_documents(FR_ARTICLE, to_document(FR_ARTICLE))
    assert doc_id == "fr-lyon:claim:0"
    assert doc["article_id"] == "fr-lyon" and doc["lang"] == "fr"
    assert doc["source"] == {"name": "Example News", "domain": "example.org"}
    assert doc["copies_key"] == "c-lyon" and doc["published_at"].startswith("2026-11-01")
    assert doc["speaker_key"] == "person:jean morel"  # folded by agents.extraction.names
    assert doc["via_key"] == "org:agence france-presse"  # the entity the via is written as
    assert doc["entities"]["keys"] == ["person:jean morel", "org:agence france-presse"]
    assert "city:lyon" not in doc["entities"]["keys"]  # another sentence
    assert doc["figure_count"] == 1


def test_a_speaker_key_from_the_claims_stage_is_kept() -> None:
    keyed = {**EN_ARTICLE, "claims": [{**EN_ARTICLE["claims"][0], "speaker_key": "org:harbour"}]}
    ((_, doc),) = claim_documents(keyed, to_document(keyed))
    assert doc["speaker_key"] == "org:harbour"
    ((_, plain),) = claim_documents(DE_ARTICLE, to_document(DE_ARTICLE))
    # no key from the claims stage: the name folded as agents.extraction.names folds a person's
    assert plain["speaker_key"] == person_key("ein Sprecher") and plain["via_key"] == "org:dpa"


def test_a_figure_is_given_by_the_speaker_of_its_claim() -> None:
    ((doc_id, doc),) = figure_documents(ES_ARTICLE, to_document(ES_ARTICLE))
    assert doc_id == "es-sevilla:figure:0"
    assert (doc["value"], doc["counts"], doc["qualifier"]) == (80, "familias", "unas")
    assert doc["speaker"] == "Luis Prado" and doc["speaker_key"] == "person:luis prado"
    assert doc["sentence"].startswith("Según el alcalde")
    assert "city:seville" not in doc["entities"]["keys"]
    ((_, own),) = figure_documents(
        {**IT_ARTICLE, "figures": [{**IT_ARTICLE["figures"][0], "source": "Carlo Neri"}]},
        to_document(IT_ARTICLE),
    )
    assert own["speaker_key"] == "person:carlo neri"


def test_filters_resolve_names_variants_and_keys() -> None:
    assert resolve("country:KP").keys == ("country:KP",)
    peskov = resolve("Peskow", KeyKind.PERSON)
    assert "person:dmitri peskov" in peskov.keys
    korea = resolve("corea del nord")
    assert "country:KP" in korea.keys and "North Korea" in korea.names
    assert "org:agence france-presse" in resolve("afp", KeyKind.ORG).keys


# ------------------------------------------------------------------ against Elasticsearch


@pytest.fixture(scope="module")
async def indexed(
    services: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Settings, Path]]:
    settings = isolated_settings(uuid.uuid4().hex[:8])
    report = ProvisionReport()
    await install_index(settings, report)
    assert report.answer_aliases == [
        settings.elasticsearch.answers_alias(AnswerKind.CLAIMS),
        settings.elasticsearch.answers_alias(AnswerKind.FIGURES),
        settings.elasticsearch.stories_alias,
    ]
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        outcome = await ArticleIndexer(es, settings).index(ALL)
        assert outcome.indexed == len(ALL) and not outcome.rejected
        assert outcome.answers == 2 * len(ALL)
        await es.indices.refresh(index=settings.elasticsearch.index_pattern)
    finally:
        await es.close()
    yield settings, write_config(settings, tmp_path_factory.mktemp("answers") / "settings.yaml")
    await drop_index(settings)


def run(config: Path, command: str, *args: str) -> dict[str, Any]:
    result = cli(command, *args, "--json", env={"NEWSSTREAM_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


@pytest.mark.integration
def test_claims_by_via_speaker_and_about(indexed: tuple[Settings, Path]) -> None:
    _, config = indexed
    by_via = run(config, "claims", "--via", "afp")
    ((row,),) = [by_via["rows"]]  # the wire copy's claim is the same row
    assert (row["speaker"], row["via"], row["copies"]) == ("Jean Morel", "AFP", 1)
    assert by_via["total"] == 2
    # a known variant of the outlet and a key of the speaker
    assert run(config, "claims", "--via", "Agence France-Presse")["total"] == 2
    assert run(config, "claims", "--speaker", "person:carlo neri")["rows"][0]["lang"] == "it"
    assert run(config, "claims", "--speaker", "LUIS PRADO")["rows"][0]["source"] == "Example News"
    assert run(config, "claims", "--about", "city:bremen")["rows"][0]["via"] == "dpa"
    found = run(config, "claims", "familias")
    assert found["rows"][0]["highlighted"] == "unas 80 [familias] fueron realojadas"
    table = cli("claims", "--lang", "de", env={"NEWSSTREAM_CONFIG": str(config)})
    assert "ein Sprecher via dpa" in table.stdout, table.stdout


@pytest.mark.integration
def test_figures_by_counted_noun_value_and_about(indexed: tuple[Settings, Path]) -> None:
    _, config = indexed
    ((row,),) = [run(config, "figures", "--counts", "personnes")["rows"]]
    assert (row["value"], row["counts"], row["speaker"]) == (40, "personnes", "Jean Morel")
    assert row["qualifier"] == "Au moins" and row["via"] == "AFP"
    values = [r["value"] for r in run(config, "figures", "--min", "50", "--max", "1000")["rows"]]
    assert sorted(values) == [80, 300]
    assert run(config, "figures", "--about", "Luis Prado")["rows"][0]["counts"] == "familias"
    table = cli("figures", "--counts", "homes", env={"NEWSSTREAM_CONFIG": str(config)})
    assert "More than 2,000 homes  says Harbour Energy via Reuters" in table.stdout, table.stdout


@pytest.mark.integration
def test_a_filter_that_matches_nothing_suggests_the_closest(
    indexed: tuple[Settings, Path],
) -> None:
    _, config = indexed
    found = run(config, "claims", "--speaker", "Jean Moral")
    assert found["total"] == 0
    assert found["notes"] == ["--speaker 'Jean Moral' matches no claim; closest: Jean Morel"]


@pytest.mark.integration
async def test_a_reindexed_article_loses_the_answers_it_no_longer_has(
    indexed: tuple[Settings, Path],
) -> None:
    settings, _ = indexed
    fewer = {**IT_ARTICLE, "article": {**IT_ARTICLE["article"], "article_id": "it-fewer"}}
    es = AsyncElasticsearch(settings.elasticsearch.url)
    claims = settings.elasticsearch.answers_alias(AnswerKind.CLAIMS)
    figures = settings.elasticsearch.answers_alias(AnswerKind.FIGURES)
    try:
        two = {**fewer, "claims": fewer["claims"] * 2}
        await ArticleIndexer(es, settings).index([two])
        await es.indices.refresh(index=f"{claims},{figures}")  # stale ones are found by a search
        ids = {"ids": {"values": ["it-fewer:claim:0", "it-fewer:claim:1"]}}
        assert (await es.count(index=claims, query=ids))["count"] == 2
        outcome = await ArticleIndexer(es, settings).index([{**fewer, "figures": []}])
        assert outcome.stale_answers == 2 and not outcome.rejected  # a claim and the figure
        await es.indices.refresh(index=f"{claims},{figures}")
        left = await es.search(
            index=f"{claims},{figures}", query={"term": {"article_id": "it-fewer"}}
        )
        assert [h["_id"] for h in left["hits"]["hits"]] == ["it-fewer:claim:0"]
    finally:
        await es.close()


@pytest.mark.integration
async def test_an_answer_elasticsearch_rejects_dead_letters_its_article(
    indexed: tuple[Settings, Path],
) -> None:
    settings, _ = indexed
    bad = {
        **EN_ARTICLE,
        "article": {**EN_ARTICLE["article"], "article_id": "en-bad"},
        "figures": [{**EN_ARTICLE["figures"][0], "value": "not a number"}],
    }
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        outcome = await ArticleIndexer(es, settings).index([bad, EN_ARTICLE])
    finally:
        await es.close()
    assert [d.key for d in outcome.rejected] == ["en-bad"]
    assert outcome.indexed == 1 and "value" in outcome.rejected[0].reason


def test_answer_documents_carry_the_story_the_concept_and_the_relay_root() -> None:
    """What the Stories dashboard reads: a story's figure ledger and claim spread are filters
    on story_id; a figure's concept is one word in every language; a claim's relay root is the
    agency it names, else the wire copied, else the outlet."""
    storied = {**FR_ARTICLE, "story_id": "story-000007"}
    ((_, fr_claim),) = claim_documents(storied, to_document(storied))
    ((_, fr_figure),) = figure_documents(storied, to_document(storied))
    assert fr_claim["story_id"] == fr_figure["story_id"] == "story-000007"
    assert fr_claim["relay_root"] == "via:org:agence france-presse"
    assert fr_figure["concept"] == "person"  # "40 personnes"
    ((_, it_claim),) = claim_documents(IT_ARTICLE, to_document(IT_ARTICLE))
    assert it_claim["story_id"] is None  # the story stage off: no story
    assert it_claim["relay_root"] == "outlet:example.org"  # no agency, no wire: the outlet
    homes = {**EN_ARTICLE, "figures": [{**EN_ARTICLE["figures"][0], "counts": "houses"}]}
    ((_, en_figure),) = figure_documents(homes, to_document(homes))
    assert en_figure["concept"] == "house"
    unknown = {**EN_ARTICLE, "figures": [{**EN_ARTICLE["figures"][0], "counts": None}]}
    ((_, bare),) = figure_documents(unknown, to_document(unknown))
    assert bare["concept"] == EN_ARTICLE["figures"][0].get("unit")
