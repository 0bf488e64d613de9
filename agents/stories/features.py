"""From an extraction result (what ``newsstream extract`` and the enrich stage produce) to the
terms the story clusterer reads."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import spacy

from agents.stories.cluster import StoryArticle, article_terms, proper_names, years_named
from agents.stories.concepts import ConceptLexicon

LEAD_CHARS = 400
"""Title and lead: the first lines say what the event is; later ones drift to background."""


def fold_words(words: Iterable[str]) -> frozenset[str]:
    """Stop words as :func:`proper_names` compares them (lowercase, accents folded)."""
    return frozenset(
        "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c)).lower()
        for w in words
    )


def lead_of(title: str | None, text: str) -> str:
    return f"{title}.\n{text[:LEAD_CHARS]}" if title else text[:LEAD_CHARS]


def lead_lemmas(lemmas: Iterable[str], stop_words: frozenset[str], *, min_len: int = 4) -> set[str]:
    """Content lemmas of title and lead: long enough, not stop words."""
    return {lemma for lemma in lemmas if len(lemma) >= min_len and lemma not in stop_words}


def story_article(
    result: Mapping[str, Any],
    *,
    text: str,
    day: date | None,
    lemmas: Iterable[str],
    stop_words: frozenset[str],
    concepts: ConceptLexicon,
    copy_key: str | None = None,
) -> StoryArticle:
    """The clusterer's view of one extraction result (``id``, ``lang``, ``title``, entities,
    figures) with the article's text, date and the lemmas of its title and lead."""
    lang = str(result["lang"])
    figures = [
        (float(fig["value"]), concepts.concept_of(fig.get("counts")))
        for fig in result.get("figures", [])
    ]
    names = proper_names(f"{result.get('title') or ''}.\n{text}", stop_words)
    terms = article_terms(
        entity_keys=[ent["key"] for ent in result.get("entities", []) if ent.get("key")],
        names=names,
        figures=figures,
        lemmas=lead_lemmas(lemmas, stop_words),
        lang=lang,
        years=years_named(text),
    )
    return StoryArticle(id=str(result["id"]), lang=lang, day=day, terms=terms, copy_key=copy_key)


LEAD_WORD = re.compile(r"[^\W\d_]+")
"""A word as the lemma string counts them (alphabetic tokens: :func:`agents.enrich.lemmas_of`)."""


def day_of(article: Mapping[str, Any]) -> date | None:
    """The day an article (wire form) was published, else fetched; None when neither is known."""
    for name in ("published_at", "fetched_at"):
        value = article.get(name)
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


class StreamFeatures:
    """The clusterer's view of an enriched article as it travels (news.enriched, wire form),
    with no pipeline run: the story stage holds no spaCy model and takes no CPU from the pool.

    The lemmas of title and lead are read from the record: the title's words lowercased, and
    the body's first lemmas (as many as the lead has words); ``newsstream stories`` lemmatises
    the title too, so the stream's lead terms differ from its only on inflected title words.
    Stop words come from spaCy's language data (no model), loaded once per language.
    """

    def __init__(self, concepts: ConceptLexicon) -> None:
        self.concepts = concepts
        self._stop_words: dict[str, frozenset[str]] = {}

    def stop_words(self, lang: str) -> frozenset[str]:
        if lang not in self._stop_words:
            try:
                words = spacy.util.get_lang_class(lang).Defaults.stop_words
            except ImportError:  # a language spaCy has no data for
                words = set()
            self._stop_words[lang] = fold_words(words)
        return self._stop_words[lang]

    def article(self, enriched: Mapping[str, Any]) -> StoryArticle:
        article = enriched["article"]
        text = str(article.get("text") or "")
        title = str(article.get("title") or "")
        lead_words = len(LEAD_WORD.findall(text[:LEAD_CHARS]))
        lemmas = [w.lower() for w in LEAD_WORD.findall(title)]
        lemmas += str(enriched.get("lemmas") or "").split()[:lead_words]
        result = {
            "id": article["article_id"],
            "lang": enriched["lang"],
            "title": title,
            "entities": enriched.get("entities") or [],
            "figures": enriched.get("figures") or [],
        }
        return story_article(
            result,
            text=text,
            day=day_of(article),
            lemmas=lemmas,
            stop_words=self.stop_words(str(enriched["lang"])),
            concepts=self.concepts,
            copy_key=article.get("cluster_id"),
        )
