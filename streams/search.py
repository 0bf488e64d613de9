"""``newsstream search``: full text over the news alias, with facet filters and facet counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from streams.connections import elasticsearch_client
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


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)  # facet name -> value
    since: datetime | None = None
    size: int = 10

    def to_body(self) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        if self.text:
            must.append(
                {
                    "multi_match": {
                        "query": self.text,
                        # lemmas let "missili" find "missile" whatever the analyzer knows
                        "fields": ["title^3", "body", "lemmas", "claims.text"],
                    }
                }
            )
        filters: list[dict[str, Any]] = [
            {"term": {FACETS[name]: value}} for name, value in self.filters.items() if value
        ]
        if self.since:
            filters.append({"range": {"published_at": {"gte": self.since.isoformat()}}})
        return {
            "query": {"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
            "highlight": {
                "fields": {"title": {}, "body": {"fragment_size": 160, "number_of_fragments": 2}},
                "pre_tags": ["["],
                "post_tags": ["]"],
            },
            "aggs": {name: {"terms": {"field": path, "size": 10}} for name, path in FACETS.items()},
            "size": self.size,
            "sort": ["_score", {"published_at": {"order": "desc", "missing": "_last"}}],
            "_source": ["title", "url", "lang", "source", "published_at", "speakers"],
        }


@dataclass
class SearchHit:
    article_id: str
    title: str
    url: str
    lang: str | None
    source: str | None
    published_at: str | None
    highlights: list[str]


@dataclass
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "hits": [vars(h) for h in self.hits],
            "facets": {k: [{"value": v, "count": c} for v, c in b] for k, b in self.facets.items()},
        }


async def search(settings: Settings, query: SearchQuery) -> SearchResult:
    es = elasticsearch_client(settings.elasticsearch)
    try:
        resp = await es.search(index=settings.elasticsearch.alias, **query.to_body())
    finally:
        await es.close()
    hits = []
    for h in resp["hits"]["hits"]:
        src = h["_source"]
        hl = h.get("highlight", {})
        hits.append(
            SearchHit(
                article_id=h["_id"],
                title=src.get("title", ""),
                url=src.get("url", ""),
                lang=src.get("lang"),
                source=(src.get("source") or {}).get("name"),
                published_at=src.get("published_at"),
                highlights=[*hl.get("title", []), *hl.get("body", [])],
            )
        )
    facets = {
        name: [(str(b["key"]), int(b["doc_count"])) for b in agg["buckets"]]
        for name, agg in resp.get("aggregations", {}).items()
    }
    return SearchResult(total=int(resp["hits"]["total"]["value"]), hits=hits, facets=facets)


def format_table(result: SearchResult) -> str:
    lines = [f"{result.total} article(s)"]
    for hit in result.hits:
        date = (hit.published_at or "")[:10]
        lines.append(f"- {hit.title}  [{hit.lang or '?'} · {hit.source or '?'} · {date}]")
        lines.append(f"  {hit.url}")
        lines.extend(f"    … {fragment} …" for fragment in hit.highlights[:2])
    for name, buckets in result.facets.items():
        if buckets:
            lines.append(f"{name}: " + ", ".join(f"{v} ({c})" for v, c in buckets))
    return "\n".join(lines)
