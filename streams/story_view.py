"""``newsstream story ID``: one story as Elasticsearch holds it.

Its document (news-stories), its articles by language (the article documents with its
story_id) and its figure ledger: the figure documents of those articles (news-figures) grouped
by the concept they count (agents/extraction/lexicons/concepts.yaml, else the counted word), each
entry with value, unit, qualifier, claimant (the speaker key of its claim, else the outlet), via,
outlet and first seen, in time order, so values that disagree stand side by side. And its claim
groups: the claim documents of those articles (news-claims) grouped into statements, each with
its first outlet and time, its reports and how many are independent (agents/stories/spread.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.stories.concepts import ConceptLexicon
from agents.stories.spread import claim_groups
from streams.connections import elasticsearch_client
from streams.settings import AnswerKind, Settings

MAX_ARTICLES = 1000


class StoryNotFound(LookupError):
    def __init__(self, story_id: str) -> None:
        super().__init__(f"no story {story_id!r}")
        self.story_id = story_id


def ledger(figures: list[Mapping[str, Any]], concepts: ConceptLexicon) -> dict[str, list[Any]]:
    """Figure documents grouped by concept; each group in time order (then value)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for f in figures:
        concept = concepts.concept_of(f.get("counts")) or f.get("unit") or "(uncounted)"
        source = f.get("source") or {}
        groups.setdefault(str(concept), []).append(
            {
                "value": f.get("value"),
                "unit": f.get("unit"),
                "qualifier": f.get("qualifier"),
                "counts": f.get("counts"),
                "claimant": f.get("speaker_key") or source.get("domain") or source.get("name"),
                "via": f.get("via"),
                "outlet": source.get("name") or source.get("domain"),
                "first_seen": f.get("published_at"),
                "article_id": f.get("article_id"),
                "lang": f.get("lang"),
            }
        )
    for entries in groups.values():
        entries.sort(key=lambda e: (e["first_seen"] or "", e["value"] or 0))
    return dict(sorted(groups.items()))


async def read_story(settings: Settings, story_id: str) -> dict[str, Any]:
    es_settings = settings.elasticsearch
    es = elasticsearch_client(es_settings)
    try:
        found = await es.options(ignore_status=404).get(
            index=es_settings.stories_alias, id=story_id
        )
        if not found.get("found"):
            raise StoryNotFound(story_id)
        story = dict(found["_source"])
        hits = await es.search(
            index=es_settings.alias,
            query={"term": {"story_id": story_id}},
            source_includes=["article_id", "title", "lang", "source", "url", "published_at"],
            sort=[{"published_at": {"order": "asc", "unmapped_type": "date"}}],
            size=MAX_ARTICLES,
        )
        articles = [h["_source"] for h in hits["hits"]["hits"]]
        by_lang: dict[str, list[Any]] = {}
        for a in articles:
            by_lang.setdefault(str(a.get("lang")), []).append(a)
        figures: list[Mapping[str, Any]] = []
        claims: list[Mapping[str, Any]] = []
        if articles:
            ids = [a["article_id"] for a in articles]
            figures = await _answers_of(es, es_settings.answers_alias(AnswerKind.FIGURES), ids)
            claims = await _answers_of(es, es_settings.answers_alias(AnswerKind.CLAIMS), ids)
    finally:
        await es.close()
    return {
        "story": story,
        "articles": dict(sorted(by_lang.items())),
        "figures": ledger(figures, ConceptLexicon.from_file()),
        "claims": [group.to_dict() for group in claim_groups(claims)],
    }


async def _answers_of(es: Any, alias: str, article_ids: list[str]) -> list[Mapping[str, Any]]:
    """The claim or figure documents of these articles."""
    found = await es.search(
        index=alias,
        query={"terms": {"article_id": article_ids}},
        size=10_000,
        ignore_unavailable=True,
    )
    return [hit["_source"] for hit in found["hits"]["hits"]]


def format_story(view: Mapping[str, Any]) -> str:
    story = view["story"]
    lines = [
        f"== {story['story_id']} ({story['article_count']} articles; "
        f"{','.join(story['languages'])}) {story.get('first_seen') or ''}"
        f"..{story.get('last_seen') or ''}",
        f"   {story.get('headline') or ''}",
    ]
    if story.get("top_entities"):
        lines.append(f"   entities: {', '.join(story['top_entities'])}")
    if story.get("top_speakers"):
        lines.append(f"   speakers: {', '.join(story['top_speakers'])}")
    lines.append("articles:")
    for lang, articles in view["articles"].items():
        for a in articles:
            outlet = (a.get("source") or {}).get("name") or ""
            lines.append(f"  [{lang}] {(a.get('published_at') or '')[:16]} {outlet}: {a['title']}")
    if view["figures"]:
        lines.append("figures:")
    for concept, entries in view["figures"].items():
        told = "; ".join(
            f"{e['qualifier'] + ' ' if e['qualifier'] else ''}{e['value']:g}"
            f"{' ' + e['unit'] if e['unit'] else ''} ({e['claimant']}"
            f"{' via ' + e['via'] if e['via'] else ''}, {e['outlet']}, "
            f"{(e['first_seen'] or '')[:10]})"
            for e in entries
        )
        lines.append(f"  {concept}: {told}")
    if view.get("claims"):
        lines.append("claims:")
    for group in view.get("claims", []):
        lines.append(
            f'  {group["speaker"]}: "{group["text"]}" first {group["first_outlet"]} '
            f"{(group['first_seen'] or '')[:16]}; {group['reports']} reports, "
            f"{group['independent']} independent ({', '.join(group['languages'])})"
        )
    return "\n".join(lines) + "\n"
