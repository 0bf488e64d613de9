"""``newsstream stories``: the stories Elasticsearch holds (news-stories), newest first.

A story is newest when an article last joined it (``last_seen``): the list leads with what is
moving now. ``--about`` is resolved as the other filters are (streams/resolve.py: a name in any
case, a known variant in five languages, or a canonical key) against the story's top entities,
their names and their keys; ``--since`` keeps the stories seen on or after that day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from streams.connections import elasticsearch_client
from streams.resolve import FilterField, filter_clause
from streams.settings import Settings

ABOUT = FilterField(names="top_entities", keys="top_entity_keys")
"""Where ``--about`` looks in a story document."""


def stories_query(*, about: str | None, since: datetime | None) -> dict[str, Any]:
    """The story documents about an entity, seen since a day (either may be None)."""
    filters: list[dict[str, Any]] = []
    if about:
        filters.append(filter_clause(ABOUT, about))
    if since:
        filters.append({"range": {"last_seen": {"gte": since.isoformat()}}})
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


async def read_stories(
    settings: Settings, *, about: str | None = None, since: datetime | None = None, size: int = 20
) -> dict[str, Any]:
    """``{"total": N, "stories": [story document, ...]}``, newest first."""
    es_settings = settings.elasticsearch
    es = elasticsearch_client(es_settings)
    try:
        found = await es.search(
            index=es_settings.stories_alias,
            query=stories_query(about=about, since=since),
            sort=[
                {"last_seen": {"order": "desc", "unmapped_type": "date"}},
                {"story_id": {"order": "desc"}},
            ],
            size=size,
            track_total_hits=True,
            ignore_unavailable=True,
        )
    finally:
        await es.close()
    return {
        "total": found["hits"]["total"]["value"],
        "stories": [hit["_source"] for hit in found["hits"]["hits"]],
    }


def format_stories(listing: Mapping[str, Any]) -> str:
    """One block per story: id, size, languages, dates, headline, top entities."""
    stories = listing["stories"]
    if not stories:
        return "no stories\n"
    lines = [
        f"{listing['total']} stories"
        + (f", newest {len(stories)}" if listing["total"] > len(stories) else "")
    ]
    for story in stories:
        state = "open" if story.get("open") else "closed"
        lines.append(
            f"{story['story_id']} ({story['article_count']} articles; "
            f"{','.join(story.get('languages') or [])}; {state}) "
            f"{(story.get('first_seen') or '')[:10]}..{(story.get('last_seen') or '')[:10]}"
        )
        lines.append(f"   {story.get('headline') or ''}")
        if story.get("top_entities"):
            lines.append(f"   entities: {', '.join(story['top_entities'][:6])}")
    return "\n".join(lines) + "\n"
