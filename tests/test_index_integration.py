"""Bulk indexing into the real Elasticsearch: ids, facets, rejections."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from agents.index import ArticleIndexer, decode_enriched, to_document
from streams.errors import RecordInvalid
from streams.records import Article, ClaimRecord, EnrichedArticle, EntityRecord, FigureRecord
from streams.settings import Settings

pytestmark = pytest.mark.integration


def enriched(article_id: str, *, url: str | None = None, text: str = "Testo.") -> dict[str, Any]:
    """The record as the index agent reads it off news.enriched."""
    return decode_enriched(enriched_record(article_id, url=url, text=text).dumps())


def enriched_record(
    article_id: str, *, url: str | None = None, text: str = "Testo."
) -> EnrichedArticle:
    return EnrichedArticle(
        article=Article(
            article_id=article_id,
            url=url or f"https://example.org/{article_id}",
            feed_url="https://example.org/rss",
            feed_name="Example News",
            source="example.org",
            title=f"Titolo {article_id}",
            text=text,
            published_at=datetime(2026, 11, 1, tzinfo=UTC),
        ),
        lang="it",
        lemmas="il presidente dire",
        entities=[
            EntityRecord(
                text="Corea del Nord",
                type="LOCATION",
                canonical="North Korea",
                key="country:KP",
                start=0,
                end=14,
                country="KP",
            ),
            EntityRecord(
                text="Zakharova",
                type="PERSON",
                canonical="Maria Zakharova",
                key="person:maria saharova",
                start=20,
                end=29,
            ),
        ],
        claims=[
            ClaimRecord(
                speaker="Maria Zakharova",
                kind="reported",
                text="è una provocazione",
                start=30,
                end=48,
                via="TASS",
            )
        ],
        figures=[
            FigureRecord(
                text="3.000",
                value=3000.0,
                start=50,
                end=55,
                counts="soldati",
                qualifier="almeno",
                kind="count",
                source="Maria Zakharova",
            )
        ],
    )


def test_document_has_the_facets_the_template_declares() -> None:
    doc = to_document(enriched("a1"))
    assert doc["entities"]["location"] == ["North Korea"]
    assert doc["entities"]["person"] == ["Maria Zakharova"]
    assert doc["entities"]["keys"] == ["country:KP", "person:maria saharova"]
    assert doc["speakers"] == ["Maria Zakharova"] and doc["vias"] == ["TASS"]
    assert doc["figures"][0]["value"] == 3000.0
    assert doc["source"] == {"name": "Example News", "domain": "example.org"}
    assert datetime.fromisoformat(doc["published_at"]) == datetime(2026, 11, 1, tzinfo=UTC)
    assert doc["claims"] == [
        {
            "speaker": "Maria Zakharova",
            "speaker_key": None,
            "via": "TASS",
            "via_key": None,
            "kind": "reported",
            "text": "è una provocazione",
        }
    ]


def test_an_undated_article_is_indexed_at_its_fetch_time_with_a_flag() -> None:
    record = enriched_record("a1")
    assert not to_document(decode_enriched(record.dumps()))["published_at_is_fetched_at"]
    # a record from before the fetch stage dated undated items is dated the same way here
    record.article.published_at = None
    record.article.fetched_at = datetime(2026, 11, 2, tzinfo=UTC)
    doc = to_document(decode_enriched(record.dumps()))
    assert datetime.fromisoformat(doc["published_at"]) == datetime(2026, 11, 2, tzinfo=UTC)
    assert doc["published_at_is_fetched_at"] is True


def test_syndicated_copies_share_a_copies_key_and_others_have_their_own() -> None:
    first, copy, alone = enriched_record("a1"), enriched_record("a2"), enriched_record("a3")
    first.article.cluster_id = copy.article.cluster_id = "cabc"
    copy.article.duplicate_of = "a1"
    keys = [to_document(decode_enriched(r.dumps()))["copies_key"] for r in (first, copy, alone)]
    assert keys == ["cabc", "cabc", "a3"]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b'["a list"]', "no article.article_id"),
        (json.dumps({"article": {"url": "https://x.org/"}}).encode(), "no article.article_id"),
    ],
)
def test_a_record_that_is_not_an_enriched_article_is_invalid(value: bytes, why: str) -> None:
    with pytest.raises(RecordInvalid, match=why):
        decode_enriched(value)


async def test_bulk_index_overwrites_by_id_and_rejects_bad_documents(provisioned: Settings) -> None:
    es = AsyncElasticsearch(provisioned.elasticsearch.url)
    alias = provisioned.elasticsearch.alias
    try:
        indexer = ArticleIndexer(es, provisioned)
        # a URL longer than a keyword term may be: Elasticsearch rejects that one document
        bad = enriched("bad", url="https://example.org/" + "x" * 40_000)
        outcome = await indexer.index([enriched("a1"), enriched("a2"), bad])
        assert outcome.indexed == 2
        assert [d.key for d in outcome.rejected] == ["bad"]
        assert outcome.rejected[0].stage == "index"
        assert "failed to parse field [url]" in outcome.rejected[0].reason
        assert outcome.rejected[0].original is not None

        again = await indexer.index([enriched("a1", text="Testo aggiornato.")])
        assert again.indexed == 1
        await es.indices.refresh(index=alias)
        assert (await es.count(index=alias))["count"] == 2
        doc = await es.get(index=alias, id="a1")
        assert doc["_source"]["body"] == "Testo aggiornato."

        resp = await es.search(
            index=alias,
            size=0,
            query={"term": {"claims.via": "TASS"}},
            aggs={
                "people": {"terms": {"field": "entities.person"}},
                "units": {"terms": {"field": "figures.counts"}},
            },
        )
        assert resp["hits"]["total"]["value"] == 2
        people = resp["aggregations"]["people"]["buckets"]
        assert people == [{"key": "Maria Zakharova", "doc_count": 2}]
    finally:
        await es.close()
