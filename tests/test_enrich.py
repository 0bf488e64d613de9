"""The enrichment stage without Kafka: articles in, enriched articles or dead letters out."""

from __future__ import annotations

import pytest

from agents.enrich import Enricher, EnrichmentPool
from streams.records import Article, DeadLetter, EnrichedArticle
from streams.settings import NlpSettings


def article(article_id: str, text: str, lang: str | None = None, title: str = "") -> Article:
    return Article(
        article_id=article_id,
        url=f"https://example.org/{article_id}",
        feed_url="https://example.org/rss",
        feed_name="Example",
        source="example.org",
        title=title,
        text=text,
        lang=lang,
    )


ARTICLES = [
    article(
        "it1",
        "«Nessun Paese dovrebbe subire tutto questo», ha commentato il presidente ucraino "
        "Volodymyr Zelensky. Secondo Kiev, almeno altri 3.000 soldati nordcoreani sono "
        "arrivati in Russia.",
    ),
    article(
        "en1",
        "North Korea has sent more than 3,000 soldiers to Russia, the South Korean military "
        "said on Wednesday, according to Reuters.",
    ),
    article("empty", "   "),
]


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(NlpSettings())


def test_batch_gives_one_result_per_article_in_order(enricher: Enricher) -> None:
    results = enricher.enrich_batch(ARTICLES)
    assert [type(r) for r in results] == [EnrichedArticle, EnrichedArticle, DeadLetter]
    it, en, _ = results
    assert isinstance(it, EnrichedArticle) and isinstance(en, EnrichedArticle)
    assert (it.lang, en.lang) == ("it", "en")
    assert it.article.article_id == "it1"
    assert any(f.value == 3000 for f in it.figures)
    assert any(f.value == 3000 for f in en.figures)
    assert any(c.kind == "direct" and "Nessun Paese" in c.text for c in it.claims)
    assert it.lemmas and it.extractor_version


def test_failed_article_is_dead_lettered_with_reason_and_original(enricher: Enricher) -> None:
    dead = enricher.enrich_batch([ARTICLES[2]])[0]
    assert isinstance(dead, DeadLetter)
    assert dead.stage == "enrich"
    assert dead.key == "empty"
    assert "no text" in dead.reason
    assert dead.original is not None and dead.original["article_id"] == "empty"


def test_component_crash_dead_letters_only_that_article(
    enricher: Enricher, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = ARTICLES[1]
    poison = article("poison", "Poison pill text that makes the pipeline raise, said Reuters.")
    nlp = enricher.registry.get("en")
    real_call = type(nlp).__call__

    def call(self: object, text: str, *args: object, **kwargs: object) -> object:
        if "Poison" in text:
            raise RuntimeError("component exploded")
        return real_call(self, text, *args, **kwargs)  # type: ignore[arg-type]

    def pipe(self: object, texts: object, *args: object, **kwargs: object) -> object:
        raise RuntimeError("batch failed")

    monkeypatch.setattr(type(nlp), "__call__", call)
    monkeypatch.setattr(type(nlp), "pipe", pipe)
    results = enricher.enrich_batch([good, poison])
    assert isinstance(results[0], EnrichedArticle)
    assert isinstance(results[1], DeadLetter) and "component exploded" in results[1].reason


async def test_pool_runs_extraction_in_another_process() -> None:
    pool = EnrichmentPool(NlpSettings(languages=["en", "it"]), processes=1)
    try:
        results = await pool.enrich(ARTICLES[:2])
    finally:
        pool.stop()
    assert [r.article.article_id for r in results if isinstance(r, EnrichedArticle)] == [
        "it1",
        "en1",
    ]
