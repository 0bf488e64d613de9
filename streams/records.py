"""The records that travel on newsstream's topics, one Faust model per record kind.

Each model has a JSON Schema beside it in ``schemas/`` (``tests/test_schemas.py`` keeps the two
in step). Every record is keyed by ``article_id``: a stable hash of the canonical URL, so a
replayed record overwrites its earlier copy downstream instead of duplicating it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import faust
from faust.models.fields import StringField

from streams.errors import RecordInvalid


def optional_text() -> str:
    """A string field that may be empty (Faust's validation refuses blank strings by default)."""
    return StringField(default="", allow_blank=True, required=False)


class NewsRecord(faust.Record, abstract=True):
    """Base of our records: list defaults are per instance (Faust would share one list)."""

    def __post_init__(self) -> None:
        for name, default in self._options.defaults.items():
            if isinstance(default, list) and getattr(self, name) is default:
                setattr(self, name, [])


class Stage(StrEnum):
    """Where in the flow a record was when it could not be processed."""

    POLL = "poll"
    FETCH = "fetch"
    ENRICH = "enrich"
    INDEX = "index"


class TextSource(StrEnum):
    """Where an article's body came from."""

    PAGE = "page"  # downloaded and extracted from the article page
    FEED = "feed"  # the feed's own content or summary (page unavailable or not allowed)


class FeedEntry(NewsRecord, serializer="json", validation=True, date_parser=datetime.fromisoformat):
    """One item of one feed, normalised (news.entries)."""

    article_id: str
    url: str
    feed_url: str
    feed_name: str
    source: str  # the publisher's domain, e.g. "ansa.it"
    title: str = optional_text()
    summary: str = optional_text()
    content: str = (
        optional_text()
    )  # full content when the feed carries it (content:encoded, atom:content)
    lang: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    date_flags: list[str] = []  # e.g. "future_clamped", "missing", "parsed_loosely"
    authors: list[str] = []
    tags: list[str] = []
    guid: str | None = None
    fingerprint: str | None = None  # content fingerprint of title+summary
    cluster_id: str | None = None  # shared by syndicated copies of one story
    duplicate_of: str | None = None  # article id of the first copy seen in the cluster
    polled_at: datetime | None = None


class Article(NewsRecord, serializer="json", validation=True, date_parser=datetime.fromisoformat):
    """An entry with its full text (news.articles)."""

    article_id: str
    url: str
    feed_url: str
    feed_name: str
    source: str
    text: str
    title: str = optional_text()
    text_source: str = TextSource.FEED.value
    fetch_error: str | None = None
    lang: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    authors: list[str] = []
    tags: list[str] = []
    cluster_id: str | None = None
    duplicate_of: str | None = None
    fetched_at: datetime | None = None
    # the feed gave no date, so published_at is fetched_at: time-filtered views still show it
    published_at_is_fetched_at: bool = False

    @classmethod
    def from_entry(
        cls,
        entry: FeedEntry,
        text: str,
        *,
        text_source: TextSource,
        fetched_at: datetime,
        fetch_error: str | None = None,
    ) -> Article:
        """The article of ``entry`` with ``text``: everything else the entry says carries over,
        and an undated entry is dated when it was fetched, and says so."""
        return cls(
            article_id=entry.article_id,
            url=entry.url,
            feed_url=entry.feed_url,
            feed_name=entry.feed_name,
            source=entry.source,
            title=entry.title,
            text=text,
            text_source=text_source.value,
            fetch_error=fetch_error,
            lang=entry.lang,
            published_at=entry.published_at or fetched_at,
            published_at_is_fetched_at=entry.published_at is None,
            updated_at=entry.updated_at,
            authors=list(entry.authors),
            tags=list(entry.tags),
            cluster_id=entry.cluster_id,
            duplicate_of=entry.duplicate_of,
            fetched_at=fetched_at,
        )


class EntityRecord(NewsRecord, serializer="json"):
    text: str
    type: str
    canonical: str
    key: str
    start: int
    end: int
    country: str | None = None


class ClaimRecord(NewsRecord, serializer="json"):
    speaker: str | None
    kind: str
    text: str
    start: int
    end: int
    via: str | None = None
    speaker_key: str | None = None
    via_key: str | None = None


class FigureRecord(NewsRecord, serializer="json"):
    text: str
    value: float
    start: int
    end: int
    unit: str | None = None
    counts: str | None = None
    qualifier: str | None = None
    source: str | None = None
    kind: str | None = None


class EnrichedArticle(
    NewsRecord, serializer="json", validation=True, date_parser=datetime.fromisoformat
):
    """An article with what the extractors found in it (news.enriched)."""

    article: Article
    lang: str
    lemmas: str = (
        optional_text()
    )  # space-joined lemmas of title and body, for language-aware matching
    entities: list[EntityRecord] = []
    claims: list[ClaimRecord] = []
    figures: list[FigureRecord] = []
    extractor_version: str = optional_text()
    enriched_at: datetime | None = None
    truncated: bool = False  # the text was cut to nlp.max_chars before extraction
    story_id: str | None = None  # set by the story stage (news.storied), None before it


class DeadLetter(
    NewsRecord, serializer="json", validation=True, date_parser=datetime.fromisoformat
):
    """A record some stage could not process, with why, and the original so nothing is lost."""

    stage: str
    error_type: str
    reason: str
    original: dict[str, Any] | None = None  # the record as decoded, when it could be
    raw: str | None = None  # the raw bytes as text (replacement chars) when it could not
    key: str | None = None
    source_topic: str | None = None
    feed_url: str | None = None
    failed_at: datetime | None = None


RAW_CHARS = 100_000
"""How much of an undecodable record a dead letter keeps."""


def key_text(key: object) -> str | None:
    """A Kafka record key as text (keys are UTF-8 article ids; anything else is replaced)."""
    if isinstance(key, bytes):
        return key.decode("utf-8", errors="replace")
    return None if key is None else str(key)


def undecodable(stage: Stage, key: str | None, value: bytes, exc: RecordInvalid) -> DeadLetter:
    """The dead letter of bytes that are not the record their topic carries."""
    return DeadLetter(
        stage=stage.value,
        error_type=type(exc).__name__,
        reason=str(exc),
        raw=value[:RAW_CHARS].decode("utf-8", errors="replace"),
        key=key,
        source_topic=exc.topic,
        failed_at=datetime.now(UTC),
    )
