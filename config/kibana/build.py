"""Build config/kibana/newsstream.ndjson (Kibana 9.x saved-object export format).

The saved objects hold JSON inside JSON strings (panels, Lens state), which is easier to get
right here than by hand. Run after changing it, from the project root:

    .venv/bin/python config/kibana/build.py

tests/test_kibana.py checks the result against the index template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "newsstream.ndjson"

DATA_VIEW = "newsstream-news"
CLAIMS_VIEW = "newsstream-claims"  # one document per claim (news-claims)
FIGURES_VIEW = "newsstream-figures"  # one document per figure (news-figures)
STORIES_VIEW = "newsstream-stories"  # one document per story (news-stories)
CORE = "8.8.0"
TYPE_VERSION = {
    "index-pattern": "8.0.0",
    "search": "10.5.0",
    "lens": "8.9.0",
    "dashboard": "10.2.0",
}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def saved_object(kind: str, oid: str, attributes: dict[str, Any], refs: list[dict[str, str]]):
    return {
        "attributes": attributes,
        "coreMigrationVersion": CORE,
        "id": oid,
        "managed": False,
        "references": refs,
        "type": kind,
        "typeMigrationVersion": TYPE_VERSION[kind],
    }


# --------------------------------------------------------------------------- data view
LABELS = {
    "title": "Title",
    "url": "Article",
    "lang": "Language",
    "source.name": "Source",
    "source.domain": "Source domain",
    "published_at": "Published",
    "entities.person": "People",
    "entities.org": "Organisations",
    "entities.location": "Locations",
    "entities.keys": "Entity keys",
    "speakers": "Speakers",
    "vias": "Relayed by (outlets)",
    "figure_counts": "Counted nouns",
    "figure_units": "Figure units",
    "figure_kinds": "Figure kinds",
    "claims": "Claims",
    "figures": "Figures",
}

data_view = saved_object(
    "index-pattern",
    DATA_VIEW,
    {
        "allowHidden": False,
        "fieldAttrs": dumps({f: {"customLabel": label} for f, label in LABELS.items()}),
        "fieldFormatMap": dumps(
            {
                "url": {
                    "id": "url",
                    "params": {
                        "type": "a",
                        "urlTemplate": None,
                        "labelTemplate": None,
                        "width": None,
                        "height": None,
                    },
                }
            }
        ),
        "fields": "[]",
        "name": "News articles (newsstream)",
        "runtimeFieldMap": "{}",
        # lemmas is the enrichment agents' matching aid, not something to read
        "sourceFilters": dumps([{"value": "lemmas"}]),
        "timeFieldName": "published_at",
        "title": "news",
        "typeMeta": "{}",
    },
    [],
)


ANSWER_LABELS = {
    "title": "Article title",
    "url": "Article",
    "lang": "Language",
    "source.name": "Source",
    "published_at": "Published",
    "speaker": "Speaker",
    "speaker_key": "Speaker key",
    "via": "Relayed by (outlet)",
    "via_key": "Outlet key",
    "entities.names": "Named in the sentence",
    "entities.keys": "Entity keys",
    "sentence": "Sentence",
}


def answer_view(oid: str, title: str, name: str, labels: dict[str, str]):
    """A data view on the claims or the figures: one document per claim or figure, so Lens
    counts claims and figures, not articles."""
    return saved_object(
        "index-pattern",
        oid,
        {
            "allowHidden": False,
            "fieldAttrs": dumps({f: {"customLabel": label} for f, label in labels.items()}),
            "fieldFormatMap": data_view["attributes"]["fieldFormatMap"],
            "fields": "[]",
            "name": name,
            "runtimeFieldMap": "{}",
            "sourceFilters": "[]",
            "timeFieldName": "published_at",
            "title": title,
            "typeMeta": "{}",
        },
        [],
    )


claims_view = answer_view(
    CLAIMS_VIEW,
    "news-claims",
    "Claims (newsstream)",
    {**ANSWER_LABELS, "text": "Claim", "kind": "Kind (direct, reported)"},
)
figures_view = answer_view(
    FIGURES_VIEW,
    "news-figures",
    "Figures (newsstream)",
    {
        **ANSWER_LABELS,
        "speaker": "Given by",
        "text": "Figure as written",
        "value": "Value",
        "unit": "Unit",
        "counts": "Counted noun",
        "qualifier": "Qualifier",
    },
)
stories_view = saved_object(
    "index-pattern",
    STORIES_VIEW,
    {
        "allowHidden": False,
        "fieldAttrs": dumps(
            {
                f: {"customLabel": label}
                for f, label in {
                    "headline": "Headline",
                    "languages": "Languages",
                    "sources": "Sources",
                    "article_count": "Articles",
                    "first_seen": "First seen",
                    "last_seen": "Last seen",
                    "top_entities": "Top entities",
                    "top_entity_keys": "Top entity keys",
                    "top_speakers": "Top speakers",
                    "open": "Open",
                }.items()
            }
        ),
        "fieldFormatMap": "{}",
        "fields": "[]",
        "name": "Stories (newsstream)",
        "runtimeFieldMap": "{}",
        "sourceFilters": "[]",
        # a story is in the time range while articles join it: its last article's time
        "timeFieldName": "last_seen",
        "title": "news-stories",
        "typeMeta": "{}",
    },
    [],
)


# --------------------------------------------------------------------------- saved searches
def saved_search(
    oid: str,
    title: str,
    description: str,
    query: str,
    columns: list[str],
    *,
    view: str = DATA_VIEW,
    newest_by: str = "published_at",
):
    source = {
        "query": {"query": query, "language": "kuery"},
        "highlightAll": True,
        "filter": [],
        "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index",
    }
    return saved_object(
        "search",
        oid,
        {
            "columns": columns,
            "description": description,
            "grid": {},
            "hideChart": False,
            "isTextBasedQuery": False,
            "kibanaSavedObjectMeta": {"searchSourceJSON": dumps(source)},
            "sort": [[newest_by, "desc"]],
            "timeRestore": False,
            "title": title,
        },
        [
            {
                "id": view,
                "name": "kibanaSavedObjectMeta.searchSourceJSON.index",
                "type": "index-pattern",
            }
        ],
    )


searches = [
    saved_search(
        "newsstream-search-stories",
        "Stories: latest",
        "One row per story (an event across languages), the one an article joined last first: "
        'its headline, size, languages and who it is about. Narrow it with top_entities: "NATO".',
        "",
        ["story_id", "headline", "article_count", "languages", "top_entities", "open"],
        view=STORIES_VIEW,
        newest_by="last_seen",
    ),
    saved_search(
        "newsstream-search-latest",
        "News: latest articles",
        "Every article, newest first.",
        "",
        ["title", "source.name", "lang", "entities.person", "entities.org", "url"],
    ),
    saved_search(
        "newsstream-search-by-person",
        "News: articles by person",
        "Articles naming at least one person. Narrow it with a filter or a query such as "
        'entities.person: "Kim Jong Un".',
        "entities.person: *",
        ["title", "entities.person", "source.name", "lang", "url"],
    ),
    saved_search(
        "newsstream-search-by-organisation",
        "News: articles by organisation",
        'Articles naming at least one organisation, e.g. entities.org: "NATO".',
        "entities.org: *",
        ["title", "entities.org", "source.name", "lang", "url"],
    ),
    saved_search(
        "newsstream-search-by-speaker",
        "News: articles by speaker",
        'Articles quoting someone. speakers: "Maria Zakharova"; vias: "TASS" for what an outlet '
        'relays; claims:{ speaker: "Maria Zakharova" and via: "TASS" } for both in one claim.',
        "speakers: *",
        ["title", "speakers", "vias", "claims", "source.name", "url"],
    ),
    saved_search(
        "newsstream-search-with-figures",
        "News: articles with figures",
        "Articles with at least one figure. The Figures column lists each figure with its value, "
        "unit, counted noun, qualifier, source (speaker) and kind.",
        "figures:{ text: * }",
        ["title", "figures", "figure_counts", "source.name", "url"],
    ),
]


# --------------------------------------------------------------------------- lens
COUNT = {
    "label": "Articles",
    "customLabel": True,
    "dataType": "number",
    "operationType": "count",
    "isBucketed": False,
    "scale": "ratio",
    "sourceField": "___records___",
    "params": {"emptyAsNull": True},
}


def terms(field: str, size: int, order_by: str, label: str) -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": "string",
        "operationType": "terms",
        "isBucketed": True,
        "scale": "ordinal",
        "sourceField": field,
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": order_by},
            "orderDirection": "desc",
            "otherBucket": False,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
            "include": [],
            "exclude": [],
            "includeIsRegex": False,
            "excludeIsRegex": False,
        },
    }


DATE = {
    "label": "Published",
    "customLabel": True,
    "dataType": "date",
    "operationType": "date_histogram",
    "isBucketed": True,
    "scale": "interval",
    "sourceField": "published_at",
    "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
}


def lens(
    oid: str,
    title: str,
    description: str,
    vis_type: str,
    layer: str,
    columns,
    visualization,
    data_view: str = DATA_VIEW,
):
    state = {
        "adHocDataViews": {},
        "datasourceStates": {
            "formBased": {
                "layers": {
                    layer: {
                        "columnOrder": list(columns),
                        "columns": columns,
                        "incompleteColumns": {},
                        "sampling": 1,
                    }
                }
            }
        },
        "filters": [],
        "internalReferences": [],
        "query": {"language": "kuery", "query": ""},
        "visualization": visualization,
    }
    return saved_object(
        "lens",
        oid,
        {
            "description": description,
            "state": state,
            "title": title,
            "visualizationType": vis_type,
        },
        [
            {
                "id": data_view,
                "name": f"indexpattern-datasource-layer-{layer}",
                "type": "index-pattern",
            }
        ],
    )


def counting(label: str) -> dict[str, Any]:
    """The count of records, named for what a document of the data view is."""
    return {**COUNT, "label": label}


def over_time(
    oid: str,
    title: str,
    field: str,
    label: str,
    *,
    data_view: str = DATA_VIEW,
    what: str = "Articles",
):
    layer = "layer-time"
    count = counting(what)
    columns = {
        "date": DATE,
        "split": terms(field, 10, "count", label),
        "count": count,
    }
    vis = {
        "layers": [
            {
                "accessors": ["count"],
                "layerId": layer,
                "layerType": "data",
                "seriesType": "bar_stacked",
                "splitAccessor": "split",
                "xAccessor": "date",
            }
        ],
        "legend": {"isVisible": True, "position": "right"},
        "preferredSeriesType": "bar_stacked",
        "valueLabels": "hide",
    }
    # columnOrder: buckets first (split, date), then the metric
    obj = lens(
        oid,
        title,
        f"{what} per time interval, split by {label.lower()}.",
        "lnsXY",
        layer,
        {"split": columns["split"], "date": columns["date"], "count": count},
        vis,
        data_view,
    )
    return obj


def top_bar(
    oid: str,
    title: str,
    field: str,
    label: str,
    size: int = 15,
    *,
    data_view: str = DATA_VIEW,
    what: str = "Articles",
    description: str | None = None,
):
    layer = "layer-top"
    columns = {"term": terms(field, size, "count", label), "count": counting(what)}
    vis = {
        "layers": [
            {
                "accessors": ["count"],
                "layerId": layer,
                "layerType": "data",
                "seriesType": "bar_horizontal",
                "xAccessor": "term",
            }
        ],
        "legend": {"isVisible": False, "position": "right"},
        "preferredSeriesType": "bar_horizontal",
        "valueLabels": "show",
    }
    return lens(
        oid,
        title,
        description or f"The {size} {label.lower()} named in most articles.",
        "lnsXY",
        layer,
        columns,
        vis,
        data_view,
    )


def table(
    oid: str,
    title: str,
    description: str,
    columns: dict[str, Any],
    *,
    data_view: str = DATA_VIEW,
):
    layer = "layer-table"
    vis = {
        "columns": [{"columnId": c, "isTransposed": False} for c in columns],
        "layerId": layer,
        "layerType": "data",
        "rowHeight": "single",
    }
    return lens(oid, title, description, "lnsDatatable", layer, columns, vis, data_view)


answer_lenses = [
    table(
        "newsstream-lens-claims-speaker-via",
        "Claims: who is quoted, relayed by whom",
        "One row per speaker and outlet, counting claims (not articles): how often each outlet "
        "relays each speaker. A claim with no outlet is left out.",
        {
            "speaker": terms("speaker", 25, "count", "Speaker"),
            "via": terms("via", 10, "count", "Relayed by"),
            "count": counting("Claims"),
        },
        data_view=CLAIMS_VIEW,
    ),
    over_time(
        "newsstream-lens-figures-time-by-noun",
        "Figures over time by counted noun",
        "counts",
        "Counted noun",
        data_view=FIGURES_VIEW,
        what="Figures",
    ),
    top_bar(
        "newsstream-lens-claims-per-source",
        "Claims per source",
        "source.name",
        "Source",
        20,
        data_view=CLAIMS_VIEW,
        what="Claims",
        description="The 20 sources whose articles carry the most claims.",
    ),
]

lenses = [
    *answer_lenses,
    over_time(
        "newsstream-lens-time-by-language", "Articles over time by language", "lang", "Language"
    ),
    over_time(
        "newsstream-lens-time-by-source", "Articles over time by source", "source.name", "Source"
    ),
    top_bar("newsstream-lens-top-people", "Top people", "entities.person", "People"),
    top_bar(
        "newsstream-lens-top-organisations", "Top organisations", "entities.org", "Organisations"
    ),
    top_bar("newsstream-lens-top-locations", "Top locations", "entities.location", "Locations"),
    top_bar("newsstream-lens-top-speakers", "Top speakers", "speakers", "Speakers"),
    table(
        "newsstream-lens-speakers-vias",
        "Speakers and the outlets that relay them",
        "Articles in which a speaker is quoted and an outlet (via) relays a claim. A row counts "
        "the articles where both appear; open the 'articles by speaker' search for claim-level "
        "pairs.",
        {
            "speaker": terms("speakers", 20, "count", "Speaker"),
            "via": terms("vias", 5, "count", "Relayed by"),
            "count": COUNT,
        },
    ),
    table(
        "newsstream-lens-figure-nouns",
        "Figures by counted noun",
        "What the figures in the news count or measure (soldiers, people, euros...), by the "
        "number of articles and of sources.",
        {
            "noun": terms("figure_counts", 25, "count", "Counted noun"),
            "count": COUNT,
            "sources": {
                "label": "Sources",
                "customLabel": True,
                "dataType": "number",
                "operationType": "unique_count",
                "isBucketed": False,
                "scale": "ratio",
                "sourceField": "source.name",
                "params": {"emptyAsNull": True},
            },
        },
    ),
]


# --------------------------------------------------------------------------- stories
STORY_QUERY = {"language": "kuery", "query": "story_id: *"}
"""Answers of articles the story stage put in a story (none while it is off)."""


def metric(operation: str, field: str, label: str, data_type: str = "number") -> dict[str, Any]:
    return {
        "label": label,
        "customLabel": True,
        "dataType": data_type,
        "operationType": operation,
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": field,
        "params": {"emptyAsNull": True},
    }


def bucket(field: str, size: int, label: str, *, data_type: str = "string") -> dict[str, Any]:
    """Terms on ``field``, kept where a document has none (a figure with no unit or
    qualifier is still an entry of the ledger)."""
    column = terms(field, size, "first", label)
    column["dataType"] = data_type
    column["params"]["missingBucket"] = True
    return column


def in_stories(obj: dict[str, Any]) -> dict[str, Any]:
    obj["attributes"]["state"]["query"] = dict(STORY_QUERY)
    return obj


FIRST_SEEN = metric("min", "published_at", "First seen", "date")
BY_STORY = bucket("story_id", 20, "Story")
BY_STORY["params"]["orderBy"] = {"type": "alphabetical", "fallback": False}

ledger = table(
    "newsstream-lens-story-figure-ledger",
    "Stories: figure ledger",
    "Every number a story's articles report, per quantity: concept (soldier, death... the same "
    "in every language), value, unit, qualifier, who gives it, the outlet, and when it was "
    "first seen; filter on one story_id to read its ledger, ordered by concept.",
    {
        "story": BY_STORY,
        "concept": bucket("concept", 20, "Concept"),
        "value": bucket("value", 20, "Value", data_type="number"),
        "unit": bucket("unit", 5, "Unit"),
        "qualifier": bucket("qualifier", 5, "Qualifier"),
        "speaker": bucket("speaker", 10, "Claimant"),
        "outlet": bucket("source.name", 10, "Outlet"),
        "first": FIRST_SEEN,
    },
    data_view=FIGURES_VIEW,
)
ledger["attributes"]["state"]["visualization"]["sorting"] = {
    "columnId": "first",
    "direction": "asc",
}

figures_over_time = lens(
    "newsstream-lens-story-figures-over-time",
    "Stories: figures over time per concept",
    "The highest value reported per concept in each time interval: how the number of soldiers, "
    "dead or injured given for a story moved. Filter on one story_id.",
    "lnsXY",
    "layer-values",
    {
        "concept": terms("concept", 10, "value", "Concept"),
        "date": DATE,
        "value": metric("max", "value", "Highest value reported"),
    },
    {
        "layers": [
            {
                "accessors": ["value"],
                "layerId": "layer-values",
                "layerType": "data",
                "seriesType": "line",
                "splitAccessor": "concept",
                "xAccessor": "date",
            }
        ],
        "legend": {"isVisible": True, "position": "right"},
        "preferredSeriesType": "line",
        "valueLabels": "hide",
    },
    FIGURES_VIEW,
)

claim_spread = table(
    "newsstream-lens-story-claim-spread",
    "Stories: claim spread",
    "Per story and speaker: how many reports carry the speaker's claims, how many of them are "
    "independent (distinct relay roots: the agency named, else the wire copied, else the "
    "outlet; ten copies of one wire count once) and when the first came. "
    "`newsstream story ID` splits a speaker's claims into statements.",
    {
        "story": terms("story_id", 20, "reports", "Story"),
        "speaker": terms("speaker", 10, "reports", "Speaker"),
        "reports": counting("Reports"),
        "independent": metric("unique_count", "relay_root", "Independent reports"),
        "first": FIRST_SEEN,
    },
    data_view=CLAIMS_VIEW,
)

story_lenses = [in_stories(o) for o in (ledger, figures_over_time, claim_spread)]
lenses.extend(story_lenses)


# --------------------------------------------------------------------------- dashboards
def control(
    cid: str, order: int, field: str, title: str, width: str = "medium", view: str = DATA_VIEW
):
    return cid, {
        "order": order,
        "width": width,
        "grow": True,
        "type": "optionsListControl",
        "explicitInput": {
            "id": cid,
            "dataViewId": view,
            "fieldName": field,
            "title": title,
            "searchTechnique": "wildcard",
            "selectedOptions": [],
            "sort": {"by": "_count", "direction": "desc"},
        },
    }


def dashboard_of(
    oid: str,
    title: str,
    description: str,
    layout: list[tuple[str, str, str, int, int, int, int]],
    controls: dict[str, Any],
    refresh_ms: int = 60000,
):
    """A dashboard of saved objects laid out on Kibana's 48-column grid, with its controls."""
    panels = []
    refs = []
    for pid, kind, panel_object, x, y, w, h in layout:
        panels.append(
            {
                "type": kind,
                "panelIndex": pid,
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": pid},
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{pid}",
            }
        )
        refs.append({"id": panel_object, "name": f"{pid}:panel_{pid}", "type": kind})
    for cid, spec in controls.items():
        refs.append(
            {
                "id": spec["explicitInput"]["dataViewId"],
                "name": f"controlGroup_{cid}:optionsListDataView",
                "type": "index-pattern",
            }
        )
    return saved_object(
        "dashboard",
        oid,
        {
            "controlGroupInput": {
                "chainingSystem": "HIERARCHICAL",
                "controlStyle": "oneLine",
                "ignoreParentSettingsJSON": dumps(
                    {
                        "ignoreFilters": False,
                        "ignoreQuery": False,
                        "ignoreTimerange": False,
                        "ignoreValidations": False,
                    }
                ),
                "panelsJSON": dumps(controls),
                "showApplySelections": False,
            },
            "description": description,
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": dumps(
                    {"query": {"query": "", "language": "kuery"}, "filter": []}
                )
            },
            "optionsJSON": dumps(
                {
                    "useMargins": True,
                    "syncColors": False,
                    "syncCursor": True,
                    "syncTooltips": False,
                    "hidePanelTitles": False,
                }
            ),
            "panelsJSON": dumps(panels),
            "refreshInterval": {"pause": False, "value": refresh_ms},
            "timeFrom": "now-7d",
            "timeRestore": True,
            "timeTo": "now",
            "title": title,
            "version": 1,
        },
        refs,
    )


controls = dict(
    [
        control("control-lang", 0, "lang", "Language", "small"),
        control("control-source", 1, "source.name", "Source"),
        control("control-person", 2, "entities.person", "Person"),
        control("control-org", 3, "entities.org", "Organisation"),
        control("control-location", 4, "entities.location", "Location"),
        control("control-speaker", 5, "speakers", "Speaker"),
    ]
)

LAYOUT = [  # (panel id, saved object, x, y, w, h)
    ("panel-time-language", "lens", "newsstream-lens-time-by-language", 0, 0, 24, 12),
    ("panel-time-source", "lens", "newsstream-lens-time-by-source", 24, 0, 24, 12),
    ("panel-people", "lens", "newsstream-lens-top-people", 0, 12, 16, 15),
    ("panel-organisations", "lens", "newsstream-lens-top-organisations", 16, 12, 16, 15),
    ("panel-locations", "lens", "newsstream-lens-top-locations", 32, 12, 16, 15),
    ("panel-speakers", "lens", "newsstream-lens-top-speakers", 0, 27, 16, 15),
    ("panel-speakers-vias", "lens", "newsstream-lens-speakers-vias", 16, 27, 32, 15),
    ("panel-figure-nouns", "lens", "newsstream-lens-figure-nouns", 0, 42, 16, 18),
    ("panel-figures", "search", "newsstream-search-with-figures", 16, 42, 32, 18),
    ("panel-latest", "search", "newsstream-search-latest", 0, 60, 48, 15),
    ("panel-claims-speaker-via", "lens", "newsstream-lens-claims-speaker-via", 0, 75, 24, 18),
    ("panel-figures-over-time", "lens", "newsstream-lens-figures-time-by-noun", 24, 75, 24, 18),
    ("panel-claims-per-source", "lens", "newsstream-lens-claims-per-source", 0, 93, 24, 15),
]

dashboard = dashboard_of(
    "newsstream-dashboard-overview",
    "News overview (newsstream)",
    "What the news says: volume by language and source, who and what is "
    "named, who is quoted and who relays them, and the figures they give. Filter with the "
    "controls at the top or the query bar (KQL).",
    LAYOUT,
    controls,
)

STORY_LAYOUT = [  # (panel id, saved object, x, y, w, h)
    ("panel-stories", "search", "newsstream-search-stories", 0, 0, 48, 14),
    ("panel-ledger", "lens", "newsstream-lens-story-figure-ledger", 0, 14, 48, 20),
    ("panel-story-figures", "lens", "newsstream-lens-story-figures-over-time", 0, 34, 24, 16),
    ("panel-spread", "lens", "newsstream-lens-story-claim-spread", 24, 34, 24, 16),
]
story_controls = dict(
    [
        control("control-story", 0, "story_id", "Story", view=STORIES_VIEW),
        control("control-concept", 1, "concept", "Concept", view=FIGURES_VIEW),
        control("control-claimant", 2, "speaker_key", "Speaker key", view=CLAIMS_VIEW),
    ]
)
stories_dashboard = dashboard_of(
    "newsstream-dashboard-stories",
    "Stories (newsstream)",
    "One event across languages: pick a story (the Story control, or story_id in the query "
    "bar) to read its figure ledger (every number reported per quantity, who gives it, "
    "through which outlet, since when), how those numbers moved, and how each speaker's "
    "claims spread (reports vs independent reports). Needs the story stage on "
    "(stories.enabled).",
    STORY_LAYOUT,
    story_controls,
)

# Export order: what is referenced comes before what references it.
objects = [
    data_view,
    claims_view,
    figures_view,
    stories_view,
    *searches,
    *lenses,
    dashboard,
    stories_dashboard,
]
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text("".join(dumps(o) + "\n" for o in objects), encoding="utf-8")
print(f"{len(objects)} saved objects -> {OUT}")
