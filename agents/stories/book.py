"""The story book: the clusterer's state plus what each open story's document says, as table
entries.

:class:`StoryBook` is what the story stage (agents.story) keeps, with no Kafka in it: each
enriched article (wire form) joins a story through :class:`StoryState`, and the story's summary
(headline per language, sources, entities, speakers, first and last seen, its article ids)
grows with it. The book is stored as one entry per open story (:meth:`StoryBook.entry`), so one
article rewrites one entry and closed stories are deleted: the table and its changelog stay as
small as the open stories. Every entry carries the book's counters as they were when it was
written, so the entry written last restores them (:meth:`StoryBook.from_entries`).

An article that is already in an open story (a record read again after a restart, a replay)
gets that story again and changes nothing: assignments are the same however often the stream
is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agents.stories.cluster import ClustererSettings, StoryArticle, StoryState

KEEP_COUNTS = 50
"""Entities and speakers counted per story at most (the most frequent; ties by key)."""


def _bounded(counts: dict[str, list[Any]], keep: int = KEEP_COUNTS) -> dict[str, list[Any]]:
    """``key -> [name, count]`` cut to the ``keep`` most counted, deterministically."""
    if len(counts) <= keep:
        return counts
    top = sorted(counts.items(), key=lambda kv: (-kv[1][1], kv[0]))[:keep]
    return dict(sorted(top))


def _instant(value: Any) -> str | None:
    """An ISO timestamp as UTC ISO text (naive ones taken as UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


@dataclass(slots=True)
class StorySummary:
    """What the story's document says, grown one article at a time."""

    story_id: str
    article_ids: list[str] = field(default_factory=list)
    headlines: dict[str, str] = field(default_factory=dict)  # lang -> the first title in it
    languages: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    entities: dict[str, list[Any]] = field(default_factory=dict)  # key -> [name, count]
    speakers: dict[str, list[Any]] = field(default_factory=dict)  # key -> [name, count]
    first_seen: str | None = None
    last_seen: str | None = None

    def add(self, enriched: Mapping[str, Any]) -> None:
        article = enriched["article"]
        lang = str(enriched.get("lang") or "")
        self.article_ids.append(str(article["article_id"]))
        title = str(article.get("title") or "").strip()
        if title and lang not in self.headlines:
            self.headlines[lang] = title
        self.languages[lang] = self.languages.get(lang, 0) + 1
        source = str(article.get("source") or article.get("feed_name") or "")
        if source:
            self.sources[source] = self.sources.get(source, 0) + 1
        named = {e["key"]: e["canonical"] for e in enriched.get("entities") or [] if e.get("key")}
        for key, name in named.items():
            self.entities.setdefault(key, [name, 0])[1] += 1
        said = {
            c["speaker_key"]: c.get("speaker") or c["speaker_key"]
            for c in enriched.get("claims") or []
            if c.get("speaker_key")
        }
        for key, name in said.items():
            self.speakers.setdefault(key, [name, 0])[1] += 1
        self.entities = _bounded(self.entities)
        self.speakers = _bounded(self.speakers)
        seen = _instant(article.get("published_at")) or _instant(article.get("fetched_at"))
        if seen:
            self.first_seen = min(self.first_seen or seen, seen)
            self.last_seen = max(self.last_seen or seen, seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "article_ids": list(self.article_ids),
            "headlines": dict(self.headlines),
            "languages": dict(self.languages),
            "sources": dict(self.sources),
            "entities": {k: list(v) for k, v in self.entities.items()},
            "speakers": {k: list(v) for k, v in self.speakers.items()},
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StorySummary:
        return cls(
            story_id=data["story_id"],
            article_ids=list(data["article_ids"]),
            headlines=dict(data["headlines"]),
            languages=dict(data["languages"]),
            sources=dict(data["sources"]),
            entities={k: list(v) for k, v in data["entities"].items()},
            speakers={k: list(v) for k, v in data["speakers"].items()},
            first_seen=data["first_seen"],
            last_seen=data["last_seen"],
        )


def _top(counts: Mapping[str, list[Any]], top: int) -> list[tuple[str, str]]:
    """(key, name) of the ``top`` most counted, ties by key."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1][1], kv[0]))[:top]
    return [(key, str(value[0])) for key, value in ranked]


def story_document(summary: StorySummary, *, is_open: bool, top: int = 10) -> dict[str, Any]:
    """The story's Elasticsearch document (schemas/stories-template.json)."""
    entities = _top(summary.entities, top)
    speakers = _top(summary.speakers, top)
    headlines = [{"lang": lang, "title": title} for lang, title in summary.headlines.items()]
    return {
        "story_id": summary.story_id,
        "headline": headlines[0]["title"] if headlines else None,
        "headlines": headlines,
        "languages": sorted(summary.languages),
        "sources": [s for s, _ in sorted(summary.sources.items(), key=lambda kv: (-kv[1], kv[0]))],
        "article_count": len(summary.article_ids),
        "first_seen": summary.first_seen,
        "last_seen": summary.last_seen,
        "top_entities": [name for _, name in entities],
        "top_entity_keys": [key for key, _ in entities],
        "top_speakers": [name for _, name in speakers],
        "top_speaker_keys": [key for key, _ in speakers],
        "open": is_open,
    }


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one article went, and what changed in the book for it."""

    article_id: str
    story_id: str
    closed: tuple[StorySummary, ...] = ()  # stories closed before it joined (entries go)
    again: bool = False  # the article was in the story already: nothing changed


def _story_order(story_id: str) -> tuple[int, str]:
    """Creation order: ids are numbered, zero-padded (longer ids are later ones)."""
    return len(story_id), story_id


class StoryBook:
    """The open stories, their summaries, and which article is in which.

    >>> book = StoryBook()
    >>> book.article_story("a1") is None
    True
    """

    def __init__(self, settings: ClustererSettings | None = None) -> None:
        self.state = StoryState(settings)
        self.summaries: dict[str, StorySummary] = {}
        self._story_of: dict[str, str] = {}

    def article_story(self, article_id: str) -> str | None:
        """The open story the article is in, if any."""
        return self._story_of.get(article_id)

    def assign(self, enriched: Mapping[str, Any], view: StoryArticle) -> Assignment:
        """Put one enriched article (wire form; ``view`` is its clusterer view) in a story."""
        known = self._story_of.get(view.id)
        if known is not None:
            return Assignment(view.id, known, again=True)
        before = set(self.state.stories)
        story_id = self.state.assign(view)
        gone = sorted(before - set(self.state.stories), key=_story_order)
        closed = tuple(self.summaries.pop(story) for story in gone)
        for done in closed:
            for article_id in done.article_ids:
                self._story_of.pop(article_id, None)
        summary = self.summaries.setdefault(story_id, StorySummary(story_id))
        summary.add(enriched)
        self._story_of[view.id] = story_id
        return Assignment(view.id, story_id, closed)

    # --- the table's entries ------------------------------------------------------------------
    def entry(self, story_id: str) -> dict[str, Any]:
        """The table entry of an open story, with the book's counters as they are now."""
        state = self.state
        return {
            "story": state.stories[story_id].to_dict(),
            "summary": self.summaries[story_id].to_dict(),
            "book": {
                "seq": state.seq,
                "next_number": state.next_number,
                "clock": state.clock.isoformat() if state.clock else None,
            },
        }

    @classmethod
    def from_entries(
        cls, entries: Iterable[Mapping[str, Any]], settings: ClustererSettings | None = None
    ) -> StoryBook:
        """The book the entries were written from (the counters of the latest entry)."""
        ordered = sorted(entries, key=lambda e: _story_order(e["story"]["id"]))
        latest = max(ordered, key=lambda e: e["book"]["seq"], default=None)
        counters = latest["book"] if latest else {"seq": 0, "next_number": 1, "clock": None}
        state = StoryState.from_dict(
            {"stories": [e["story"] for e in ordered], **counters}, settings
        )
        book = cls(settings)
        book.state = state
        for e in ordered:
            summary = StorySummary.from_dict(e["summary"])
            book.summaries[summary.story_id] = summary
            for article_id in summary.article_ids:
                book._story_of[article_id] = summary.story_id
        return book
