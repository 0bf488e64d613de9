"""``newsstream search``: full text over the news alias, with facet filters and facet counts.

The text is Elasticsearch's ``simple_query_string`` with AND as the default operator, so every
word is required, ``-word`` excludes and ``"..."`` is a phrase ("Corea del Nord" never matches
an article for its "del" alone). ``title:``, ``body:`` and ``claim:`` before a word or a phrase
confine it to that field, which simple_query_string cannot do itself: :func:`split_field_terms`
takes them out of the text and each becomes a clause of its own.

Syndicated copies share a ``copies_key`` (the poller's cluster id): hits are collapsed on it, so a
story shows once with "+N copies".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from elasticsearch import AsyncElasticsearch

from streams.connections import elasticsearch_client
from streams.resolve import FilterField, KeyKind, closest_values
from streams.resolve import filter_clause as resolved_clause
from streams.settings import Settings

FACETS: dict[str, str] = {
    "person": "entities.person",
    "org": "entities.org",
    "location": "entities.location",
    "speaker": "speakers",
    "via": "vias",
    "lang": "lang",
    "source": "source.name",
    "figure_kind": "figure_kinds",
}
"""Facet name -> keyword field; each is both a filter option and an aggregation."""

TEXT_FIELDS = ["title^3", "body", "lemmas", "claims.text"]
"""Where the query's words are looked for; lemmas let "missili" find "missile"."""

FIELD_PREFIXES: dict[str, list[str]] = {
    "title": ["title"],
    "body": ["body", "lemmas"],
    "claim": ["claims.text"],
}
"""``prefix:word`` in a query -> the fields that word is confined to."""

_FIELD_TERM = re.compile(
    r"(?<![^\s(])(?P<neg>-?)(?P<field>" + "|".join(FIELD_PREFIXES) + r'):(?P<term>"[^"]*"|[^\s")]+)'
)
COPY_SOURCES = 3  # how many other copies a hit names
TOP_CLAIMS = 3
TOP_FIGURES = 3
MAX_RESULT_WINDOW = 10_000  # Elasticsearch's index.max_result_window: page * size may not pass it


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    DATE = "date"


@dataclass(frozen=True)
class FieldTerm:
    """One ``title:word`` of a query: a word or a quoted phrase confined to some fields."""

    fields: list[str]
    term: str
    excluded: bool


def split_field_terms(text: str) -> tuple[str, list[FieldTerm]]:
    """The query without its ``field:term`` parts, and those parts.

    >>> split_field_terms('title:"Corea del Nord" missili -body:Seoul')
    ('missili', [FieldTerm(fields=['title'], term='"Corea del Nord"', excluded=False), \
FieldTerm(fields=['body', 'lemmas'], term='Seoul', excluded=True)])
    """
    terms = [
        FieldTerm(FIELD_PREFIXES[m["field"]], m["term"], bool(m["neg"]))
        for m in _FIELD_TERM.finditer(text)
    ]
    rest = " ".join(_FIELD_TERM.sub(" ", text).split())
    return rest, terms


def _text_query(text: str, fields: list[str]) -> dict[str, Any]:
    return {
        "simple_query_string": {
            "query": text,
            "fields": fields,
            "default_operator": "and",  # so that -word excludes instead of adding an OR
        }
    }


FILTER_FIELDS: dict[str, FilterField] = {
    "person": FilterField("entities.person", "entities.keys", KeyKind.PERSON),
    "org": FilterField("entities.org", "entities.keys", KeyKind.ORG),
    "location": FilterField("entities.location", "entities.keys"),
    "speaker": FilterField("speakers", "claims.speaker_key", KeyKind.PERSON),
    "via": FilterField("vias", "claims.via_key", KeyKind.ORG),
}
"""The facets an analyst names by a person's, place's or outlet's name: resolved to canonical
keys and names (:mod:`streams.resolve`), as ``claims`` and ``figures`` do."""


def filter_clause(facet: str, value: str) -> dict[str, Any]:
    """A facet filter: the whole indexed value in any case, or for names, any variant or key
    the value resolves to."""
    if facet in FILTER_FIELDS:
        return resolved_clause(FILTER_FIELDS[facet], value)
    return {"term": {FACETS[facet]: {"value": value, "case_insensitive": True}}}


@dataclass
class SearchQuery:
    """What an analyst asks, as one Elasticsearch request body (:meth:`to_body`).

    ``filters`` hold indexed values (canonical names); resolving what a person types ("peskov",
    "country:KP") to them happens before, so the request stays a plain case-insensitive term.
    """

    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)  # facet name -> value
    since: datetime | None = None
    page: int = 1
    size: int = 10
    sort: SortOrder = SortOrder.RELEVANCE
    facets: int = 10  # buckets per facet; 0: none

    def query_clause(self) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        must_not: list[dict[str, Any]] = []
        rest, field_terms = split_field_terms(self.text)
        if rest:
            must.append(_text_query(rest, TEXT_FIELDS))
        for ft in field_terms:
            (must_not if ft.excluded else must).append(_text_query(ft.term, ft.fields))
        filters = [filter_clause(name, value) for name, value in self.filters.items() if value]
        if self.since:
            filters.append({"range": {"published_at": {"gte": self.since.isoformat()}}})
        return {
            "bool": {
                "must": must or [{"match_all": {}}],
                "must_not": must_not,
                "filter": filters,
            }
        }

    def to_body(self) -> dict[str, Any]:
        by_date = {"published_at": {"order": "desc", "missing": "_last"}}
        score = {"_score": {"order": "desc"}}
        # among equally relevant copies, a story is shown by its first (not a duplicate)
        first = {"duplicate_of": {"order": "asc", "missing": "_first"}}
        aggs: dict[str, Any] = {"stories": {"cardinality": {"field": "copies_key"}}}
        if self.facets:
            aggs |= {
                name: {"terms": {"field": path, "size": self.facets}}
                for name, path in FACETS.items()
            }
        return {
            "query": self.query_clause(),
            "collapse": {
                "field": "copies_key",
                "inner_hits": {
                    "name": "copies",
                    "size": COPY_SOURCES + 1,
                    "_source": ["source.name"],
                    "sort": [{"published_at": {"order": "asc", "missing": "_last"}}],
                },
            },
            "highlight": {
                # the title is shown whole beside each hit: only the body is quoted
                "fields": {"body": {"fragment_size": 160, "number_of_fragments": 2}},
                "pre_tags": ["["],
                "post_tags": ["]"],
            },
            "aggs": aggs,
            "from": (self.page - 1) * self.size,
            "size": self.size,
            "sort": [by_date, "_score"] if self.sort is SortOrder.DATE else [score, first, by_date],
            "_source": [
                "title",
                "url",
                "lang",
                "source",
                "published_at",
                "published_at_is_fetched_at",
                "claims",
                "figures",
            ],
        }


@dataclass
class HitClaim:
    speaker: str | None
    via: str | None
    kind: str | None
    text: str

    def __str__(self) -> str:
        via = f" (via {self.via})" if self.via else ""
        return f"{self.speaker or '?'}{via}: {self.text}"


@dataclass
class HitFigure:
    value: float | None
    unit: str | None
    counts: str | None
    qualifier: str | None
    source: str | None
    text: str

    def __str__(self) -> str:
        if self.value is None:
            number = self.text
        elif self.value == int(self.value):
            number = f"{int(self.value):,}"
        else:
            number = f"{self.value:,}"
        words = [self.qualifier, number, self.unit, self.counts]
        said = f" (says {self.source})" if self.source else ""
        return " ".join(w for w in words if w) + said


@dataclass
class SearchHit:
    article_id: str
    title: str
    url: str
    lang: str | None
    source: str | None
    published_at: str | None
    highlights: list[str]
    published_at_is_fetched_at: bool = False
    copies: int = 0  # other syndicated copies of this story that match
    copy_sources: list[str] = field(default_factory=list)
    claims: list[HitClaim] = field(default_factory=list)
    figures: list[HitFigure] = field(default_factory=list)


@dataclass
class SearchResult:
    total: int  # articles that match, copies included
    stories: int  # the same, syndicated copies counted once
    page: int
    size: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]]
    notes: list[str] = field(default_factory=list)  # why nothing matched, when a filter says

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "stories": self.stories,
            "page": self.page,
            "size": self.size,
            "hits": [asdict(h) for h in self.hits],
            "facets": {k: [{"value": v, "count": c} for v, c in b] for k, b in self.facets.items()},
            "notes": self.notes,
        }


def one_line(text: str) -> str:
    return " ".join(text.split())


HIGHLIGHT_CHARS = 240


def distinct_highlights(highlight: dict[str, list[str]]) -> list[str]:
    """Body fragments, each on one line of at most HIGHLIGHT_CHARS, none repeated or contained
    in another (syndicated text often says the same sentence twice)."""
    seen: set[str] = set()
    out = []
    for fragment in highlight.get("body", []):
        line = one_line(fragment)
        if len(line) > HIGHLIGHT_CHARS:
            line = line[: HIGHLIGHT_CHARS - 1].rstrip() + "…"
        key = line.lower().strip(" .…")
        if line and key not in seen and not any(key in s for s in seen):
            seen.add(key)
            out.append(line)
    return out


def top_claims(claims: list[dict[str, Any]]) -> list[HitClaim]:
    """The first claims with a speaker, then the others: who said what comes first."""
    ordered = sorted(claims, key=lambda c: not c.get("speaker"))
    return [
        HitClaim(c.get("speaker"), c.get("via"), c.get("kind"), one_line(c.get("text") or ""))
        for c in ordered[:TOP_CLAIMS]
    ]


def top_figures(figures: list[dict[str, Any]]) -> list[HitFigure]:
    """The first figures that say what they count, then the others."""
    ordered = sorted(figures, key=lambda f: not f.get("counts"))
    return [
        HitFigure(
            f.get("value"),
            f.get("unit"),
            f.get("counts"),
            f.get("qualifier"),
            f.get("source"),
            one_line(f.get("text") or ""),
        )
        for f in ordered[:TOP_FIGURES]
    ]


def _hit(h: dict[str, Any]) -> SearchHit:
    src = h["_source"]
    copies = h.get("inner_hits", {}).get("copies", {}).get("hits", {})
    others = [c for c in copies.get("hits", []) if c["_id"] != h["_id"]]
    return SearchHit(
        article_id=h["_id"],
        title=one_line(src.get("title") or ""),
        url=src.get("url", ""),
        lang=src.get("lang"),
        source=(src.get("source") or {}).get("name"),
        published_at=src.get("published_at"),
        published_at_is_fetched_at=bool(src.get("published_at_is_fetched_at")),
        highlights=distinct_highlights(h.get("highlight", {})),
        copies=max(0, int(copies.get("total", {}).get("value", 1)) - 1),
        copy_sources=list(
            dict.fromkeys(
                name
                for c in others[:COPY_SOURCES]
                if (name := (c.get("_source", {}).get("source") or {}).get("name"))
            )
        ),
        claims=top_claims(src.get("claims") or []),
        figures=top_figures(src.get("figures") or []),
    )


async def _empty_filters(
    es: AsyncElasticsearch, alias: str, filters: dict[str, str]
) -> list[tuple[str, str]]:
    """The filters that match no article even alone."""
    empty = []
    for name, value in filters.items():
        found = await es.count(index=alias, query=filter_clause(name, value))
        if not found["count"]:
            empty.append((name, value))
    return empty


async def search(settings: Settings, query: SearchQuery) -> SearchResult:
    es = elasticsearch_client(settings.elasticsearch)
    alias = settings.elasticsearch.alias
    notes: list[str] = []
    try:
        resp = await es.search(index=alias, **query.to_body())
        total = int(resp["hits"]["total"]["value"])
        if not total and query.filters:
            for name, value in await _empty_filters(es, alias, query.filters):
                where = FILTER_FIELDS.get(name, FilterField(FACETS[name]))
                close = await closest_values(es, alias, where, value)
                hint = f"; closest: {', '.join(close)}" if close else ""
                notes.append(
                    f"--{name.replace('_', '-')} {value!r} matches no article "
                    f"(filters match a whole {name} value in any case, a variant or a key){hint}"
                )
    finally:
        await es.close()
    aggs = resp.get("aggregations", {})
    facets = {
        name: [(str(b["key"]), int(b["doc_count"])) for b in agg["buckets"]]
        for name, agg in aggs.items()
        if "buckets" in agg
    }
    return SearchResult(
        total=total,
        stories=int(aggs.get("stories", {}).get("value", total)),
        page=query.page,
        size=query.size,
        hits=[_hit(h) for h in resp["hits"]["hits"]],
        facets=facets,
        notes=notes,
    )


def format_table(result: SearchResult) -> str:
    first = (result.page - 1) * result.size + 1
    shown = f"{first}-{first + len(result.hits) - 1}" if result.hits else "none"
    lines = [
        f"{result.total} article(s) in {result.stories} story(ies); showing {shown} "
        f"(page {result.page})"
    ]
    for n, hit in enumerate(result.hits, start=first):
        date = (hit.published_at or "")[:10] + (
            " (fetched)" if hit.published_at_is_fetched_at else ""
        )
        copies = ""
        if hit.copies:
            copies = f"  +{hit.copies} cop{'y' if hit.copies == 1 else 'ies'}"
            if hit.copy_sources:
                copies += f" ({', '.join(hit.copy_sources)})"
        lines.append(
            f"{n}. {hit.title}  [{hit.lang or '?'} · {hit.source or '?'} · {date}]{copies}"
        )
        lines.append(f"   {hit.url}")
        lines.extend(f"   … {fragment} …" for fragment in hit.highlights)
        lines.extend(f"   said:   {claim}" for claim in hit.claims)
        lines.extend(f"   figure: {figure}" for figure in hit.figures)
    for name, buckets in result.facets.items():
        if buckets:
            lines.append(f"{name}: " + ", ".join(f"{v} ({c})" for v, c in buckets))
    lines.extend(f"note: {note}" for note in result.notes)
    return "\n".join(lines)
