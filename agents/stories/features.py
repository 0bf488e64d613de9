"""From an extraction result (what ``newsstream extract`` and the enrich stage produce) to the
terms the story clusterer reads."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

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
