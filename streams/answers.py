"""``newsstream claims`` and ``newsstream figures``: one row per claim, one row per figure.

They read the claim and figure documents the index agent writes beside each article
(:mod:`agents.answers`): "who said what about X, via which outlet" and "which numbers are
reported for X, by whom" are one request each. Filters go through :mod:`streams.resolve`, as
search's do, so ``--speaker peskow``, ``--via afp`` and ``--about country:KP`` find the canonical
keys. The query text is the same simple_query_string as search's (phrases, -word, a | b).
Syndicated copies of an article would repeat each answer: rows are collapsed on
(copies key, text), and say how many copies carry the same answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from streams.connections import elasticsearch_client
from streams.resolve import FilterField, KeyKind, closest_values, filter_clause
from streams.settings import AnswerKind, Settings

ANSWER_FILTERS: dict[str, FilterField] = {
    "speaker": FilterField("speaker", "speaker_key", KeyKind.PERSON),
    "via": FilterField("via", "via_key", KeyKind.ORG),
    "about": FilterField("entities.names", "entities.keys"),
    "lang": FilterField("lang"),
    "source": FilterField("source.name"),
    "counts": FilterField("counts"),
    "unit": FilterField("unit"),
}
"""Filter option -> where it looks in a claim or figure document."""

TEXT_FIELDS = {AnswerKind.CLAIMS: ["text", "sentence"], AnswerKind.FIGURES: ["sentence", "text"]}
HIGHLIGHT_FIELD = {AnswerKind.CLAIMS: "text", AnswerKind.FIGURES: "sentence"}


@dataclass
class AnswerQuery:
    """What an analyst asks of the claims or the figures, as one request body (:meth:`to_body`)."""

    kind: AnswerKind
    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)  # option name -> value as typed
    since: datetime | None = None
    min_value: float | None = None  # figures only
    max_value: float | None = None
    size: int = 20

    def query_clause(self) -> dict[str, Any]:
        must: list[dict[str, Any]] = []
        if self.text:
            must.append(
                {
                    "simple_query_string": {
                        "query": self.text,
                        "fields": TEXT_FIELDS[self.kind],
                        "default_operator": "and",
                    }
                }
            )
        filters = [
            filter_clause(ANSWER_FILTERS[name], value) for name, value in self.filters.items()
        ]
        if self.since:
            filters.append({"range": {"published_at": {"gte": self.since.isoformat()}}})
        bounds = {
            op: v for op, v in (("gte", self.min_value), ("lte", self.max_value)) if v is not None
        }
        if bounds:
            filters.append({"range": {"value": bounds}})
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}

    def to_body(self) -> dict[str, Any]:
        shown = HIGHLIGHT_FIELD[self.kind]
        return {
            "query": self.query_clause(),
            "highlight": {
                "fields": {shown: {"number_of_fragments": 0}},
                "pre_tags": ["["],
                "post_tags": ["]"],
            },
            "size": self.size,
            "sort": [
                *([{"_score": {"order": "desc"}}] if self.text else []),
                {"published_at": {"order": "desc", "missing": "_last"}},
                {"article_id": "asc"},
            ],
        }


@dataclass
class AnswerRow:
    """One claim or one figure, with where and when it was published."""

    id: str
    article_id: str
    date: str | None
    source: str | None
    lang: str | None
    url: str | None
    speaker: str | None
    speaker_key: str | None
    via: str | None
    via_key: str | None
    kind: str | None
    text: str
    highlighted: str
    sentence: str | None = None
    value: float | None = None
    unit: str | None = None
    counts: str | None = None
    qualifier: str | None = None
    about: list[str] = field(default_factory=list)
    copies: int = 0  # other syndicated copies that carry the same answer


@dataclass
class AnswerResult:
    kind: AnswerKind
    total: int
    rows: list[AnswerRow]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "total": self.total,
            "rows": [asdict(r) for r in self.rows],
            "notes": self.notes,
        }


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _row(kind: AnswerKind, hit: dict[str, Any]) -> AnswerRow:
    src = hit["_source"]
    shown = HIGHLIGHT_FIELD[kind]
    text = _one_line(src.get("text"))
    marked = hit.get("highlight", {}).get(shown)
    return AnswerRow(
        id=hit["_id"],
        article_id=src.get("article_id", ""),
        date=src.get("published_at"),
        source=(src.get("source") or {}).get("name"),
        lang=src.get("lang"),
        url=src.get("url"),
        speaker=src.get("speaker"),
        speaker_key=src.get("speaker_key"),
        via=src.get("via"),
        via_key=src.get("via_key"),
        kind=src.get("kind"),
        text=text,
        highlighted=_one_line(marked[0]) if marked else _one_line(src.get(shown)) or text,
        sentence=_one_line(src.get("sentence")) or None,
        value=src.get("value"),
        unit=src.get("unit"),
        counts=src.get("counts"),
        qualifier=src.get("qualifier"),
        about=list((src.get("entities") or {}).get("names") or []),
    )


def _collapse_copies(rows: list[AnswerRow], hits: list[dict[str, Any]]) -> list[AnswerRow]:
    """One row per (story, answer text): syndicated copies say the same thing again."""
    seen: dict[tuple[str, str, Any], AnswerRow] = {}
    out = []
    for row, hit in zip(rows, hits, strict=True):
        key = (hit["_source"].get("copies_key") or row.article_id, row.text.casefold(), row.value)
        if key in seen:
            seen[key].copies += 1
            continue
        seen[key] = row
        out.append(row)
    return out


async def _notes(
    es: AsyncElasticsearch, index: str, query: AnswerQuery, kind_name: str
) -> list[str]:
    notes = []
    for name, value in query.filters.items():
        where = ANSWER_FILTERS[name]
        found = await es.count(index=index, query=filter_clause(where, value))
        if found["count"]:
            continue
        close = await closest_values(es, index, where, value)
        hint = f"; closest: {', '.join(close)}" if close else ""
        notes.append(f"--{name} {value!r} matches no {kind_name}{hint}")
    return notes


async def find_answers(settings: Settings, query: AnswerQuery) -> AnswerResult:
    es = elasticsearch_client(settings.elasticsearch)
    index = settings.elasticsearch.answers_alias(query.kind)
    try:
        resp = await es.search(index=index, **query.to_body())
        total = int(resp["hits"]["total"]["value"])
        notes = []
        if not total and query.filters:
            notes = await _notes(es, index, query, query.kind.value[:-1])
    finally:
        await es.close()
    hits = resp["hits"]["hits"]
    rows = _collapse_copies([_row(query.kind, h) for h in hits], hits)
    return AnswerResult(query.kind, total, rows, notes)


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{int(value):,}" if value == int(value) else f"{value:,}"


def format_claims(result: AnswerResult) -> str:
    lines = [f"{result.total} claim(s); showing {len(result.rows)}"]
    for row in result.rows:
        via = f" via {row.via}" if row.via else ""
        copies = f"  +{row.copies} copies" if row.copies else ""
        lines.append(
            f"{(row.date or '')[:10]}  {row.source or '?'}  "
            f"{row.speaker or '?'}{via}  [{row.kind or '?'}]{copies}"
        )
        lines.append(f"   {row.highlighted}")
    lines.extend(f"note: {note}" for note in result.notes)
    return "\n".join(lines)


def format_figures(result: AnswerResult) -> str:
    lines = [f"{result.total} figure(s); showing {len(result.rows)}"]
    for row in result.rows:
        number = " ".join(w for w in (row.qualifier, _number(row.value), row.unit, row.counts) if w)
        who = f"  says {row.speaker}" if row.speaker else ""
        via = f" via {row.via}" if row.via else ""
        copies = f"  +{row.copies} copies" if row.copies else ""
        lines.append(f"{(row.date or '')[:10]}  {row.source or '?'}  {number}{who}{via}{copies}")
        lines.append(f"   {row.highlighted}")
    lines.extend(f"note: {note}" for note in result.notes)
    return "\n".join(lines)
