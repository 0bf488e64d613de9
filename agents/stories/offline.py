"""Stories over article files, with no Kafka: the logic behind ``newsstream stories``.

The articles are extracted exactly as ``newsstream extract`` does (agents.extract), replayed in
date order (a JSON article's ``published``, else its ``stream_date``; undated ones last, by id)
through the online clusterer, and listed one story at a time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from agents.enrich import lemmas_of
from agents.extract import Article, extract_articles, read_articles
from agents.pipeline import PipelineRegistry
from agents.stories.cluster import ClustererSettings, StoryArticle, StoryState
from agents.stories.concepts import ConceptLexicon
from agents.stories.features import fold_words, lead_of, story_article

DATE_FIELDS = ("published", "stream_date")


@dataclass(frozen=True, slots=True)
class DatedArticle:
    article: Article
    day: date | None


@dataclass(frozen=True, slots=True)
class StoryListing:
    """One story as ``newsstream stories`` prints it."""

    id: str
    headline: str
    article_ids: list[str]
    languages: list[str]
    first_day: date | None
    last_day: date | None
    top_entities: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "headline": self.headline,
            "articles": self.article_ids,
            "languages": self.languages,
            "first_seen": self.first_day.isoformat() if self.first_day else None,
            "last_seen": self.last_day.isoformat() if self.last_day else None,
            "top_entities": self.top_entities,
        }


def _day_of(path: str | None) -> date | None:
    """The date a JSON article states (a full ISO date or datetime), else None."""
    if not path or not path.endswith(".json"):
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in DATE_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def read_dated_articles(paths: Iterable[str | Path]) -> list[DatedArticle]:
    """The articles in ``paths`` in stream order: by date, undated ones last, ties by id."""
    dated = [DatedArticle(a, _day_of(a.path)) for a in read_articles(paths)]
    return sorted(dated, key=lambda d: (d.day is None, d.day or date.min, d.article.id))


def story_articles(
    dated: Sequence[DatedArticle], registry: PipelineRegistry
) -> tuple[list[StoryArticle], list[dict[str, Any]]]:
    """The clusterer's view of each article, and its extraction result, in input order."""
    concepts = ConceptLexicon.from_file()
    articles = [d.article for d in dated]
    results = list(extract_articles(articles, registry))
    views: list[StoryArticle] = []
    for item, result in zip(dated, results, strict=True):
        nlp = registry.get(result["lang"])
        lead = nlp(lead_of(item.article.title, item.article.text))
        views.append(
            story_article(
                result,
                text=item.article.text,
                day=item.day,
                lemmas=lemmas_of(lead).split(),
                stop_words=fold_words(nlp.Defaults.stop_words),
                concepts=concepts,
            )
        )
    return views, results


def list_stories(
    dated: Sequence[DatedArticle],
    registry: PipelineRegistry,
    settings: ClustererSettings | None = None,
    *,
    top: int = 5,
) -> list[StoryListing]:
    """Cluster the articles in order and describe each story (largest first, then by id)."""
    views, results = story_articles(dated, registry)
    state = StoryState(settings)
    members: dict[str, list[int]] = {}
    for index, view in enumerate(views):
        members.setdefault(state.assign(view), []).append(index)
    listings: list[StoryListing] = []
    for story_id, indices in members.items():
        keys = Counter(
            ent["canonical"]
            for i in indices
            for ent in {e["key"]: e for e in results[i]["entities"] if e.get("key")}.values()
        )
        days = [day for i in indices if (day := dated[i].day) is not None]
        first = dated[indices[0]].article
        headline = first.title or " ".join(first.text.split())[:90]
        listings.append(
            StoryListing(
                id=story_id,
                headline=headline,
                article_ids=[views[i].id for i in indices],
                languages=sorted({views[i].lang for i in indices}),
                first_day=min(days) if days else None,
                last_day=max(days) if days else None,
                top_entities=[name for name, _ in keys.most_common(top)],
            )
        )
    listings.sort(key=lambda s: (-len(s.article_ids), s.id))
    return listings


def format_stories(listings: Sequence[StoryListing]) -> str:
    """One block per story: id, size, languages, dates, headline, top entities, article ids."""
    lines: list[str] = []
    for story in listings:
        span = ""
        if story.first_day:
            span = f" {story.first_day}" + (
                f"..{story.last_day}" if story.last_day != story.first_day else ""
            )
        lines.append(
            f"== {story.id} ({len(story.article_ids)} articles; {','.join(story.languages)}){span}"
        )
        lines.append(f"   {story.headline}")
        if story.top_entities:
            lines.append(f"   entities: {', '.join(story.top_entities)}")
        lines.append(f"   articles: {' '.join(story.article_ids)}")
    return "\n".join(lines) + ("\n" if lines else "")
