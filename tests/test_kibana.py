"""The analysts' workspace: Kibana saved objects, their import, and the versions they assume.

Kibana itself cannot run on these machines (it needs the full Elasticsearch distribution; see
/work/shared/DESIGN.md), so nothing here talks to a real Kibana. Instead:

- the saved objects in config/kibana/*.ndjson are checked against the index template, the
  contract the documents are written to: every field a saved object names exists, every field
  it aggregates on is aggregatable, and nested fields are used only where Kibana supports them
  (KQL nested groups and Discover columns; never Lens layers or controls, which skip them);
- references are checked the way Kibana resolves them on import and when a dashboard loads;
- :func:`streams.kibana.import_saved_objects` runs for real against ``httpx.MockTransport``, which
  replaces only the transport: the waiting, the request and the parsing of Kibana's answers are
  the module's own code. The answers follow Kibana's documented ``/api/status`` and
  ``/api/saved_objects/_import`` responses.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from streams.kibana import (
    DEFAULT_SAVED_OBJECTS,
    KibanaError,
    import_saved_objects,
    parse_import_response,
)
from streams.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
KIBANA_DIR = ROOT / "config" / "kibana"
TEMPLATE = ROOT / "schemas" / "index-template.json"
VIEW_TEMPLATES = {  # data view id -> the template of the indices it reads
    "newsstream-news": TEMPLATE,
    "newsstream-claims": ROOT / "schemas" / "claims-template.json",
    "newsstream-figures": ROOT / "schemas" / "figures-template.json",
    "newsstream-stories": ROOT / "schemas" / "stories-template.json",
}
ANSWER_ALIASES = {"newsstream-claims": "claims", "newsstream-figures": "figures"}
GUIDE = ROOT / "docs" / "kibana.md"

# The objects were written in the export format of Kibana 9.x.
EXPORT_FORMAT_MAJOR = "9"

AGGREGATABLE_TYPES = {
    "keyword",
    "constant_keyword",
    "date",
    "date_nanos",
    "boolean",
    "ip",
    "long",
    "integer",
    "short",
    "byte",
    "double",
    "float",
    "half_float",
    "scaled_float",
    "unsigned_long",
}
LENS_RECORDS = "___records___"  # Lens's "count of records" pseudo-field

# Attributes Kibana's import accepts, from its create schemas: the dashboard schema v1/v2 forbids
# unknown keys; the saved search schema of model version 5 (10.5.0) likewise.
DASHBOARD_ATTRIBUTES = {
    "title",
    "description",
    "kibanaSavedObjectMeta",
    "timeRestore",
    "timeFrom",
    "timeTo",
    "refreshInterval",
    "controlGroupInput",
    "panelsJSON",
    "optionsJSON",
    "hits",
    "version",
}
SEARCH_ATTRIBUTES = {
    "title",
    "description",
    "columns",
    "sort",
    "grid",
    "rowHeight",
    "rowsPerPage",
    "hideChart",
    "breakdownField",
    "kibanaSavedObjectMeta",
    "isTextBasedQuery",
    "usesAdHocDataView",
    "timeRestore",
    "timeRange",
    "refreshInterval",
    "viewMode",
    "hideAggregatedPreview",
    "hits",
    "version",
    "sampleSize",
    "headerRowHeight",
    "visContext",
    "density",
}
CONTROL_GROUP_ATTRIBUTES = {
    "panelsJSON",
    "controlStyle",
    "chainingSystem",
    "ignoreParentSettingsJSON",
    "showApplySelections",
}


# --------------------------------------------------------------------------- the template


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # the mapping type; "object" for a plain object
    nested_path: str | None  # the innermost nested field it sits under (or is)


def template_fields(template: Path = TEMPLATE) -> dict[str, Field]:
    """Every field of an index template, by full name, multi-fields included (title.raw)."""
    mappings = json.loads(template.read_text())["template"]["mappings"]
    fields: dict[str, Field] = {}

    def walk(properties: dict[str, Any], prefix: str, nested: str | None) -> None:
        for name, spec in properties.items():
            full = f"{prefix}{name}"
            kind = spec.get("type", "object")
            own_nested = full if kind == "nested" else nested
            fields[full] = Field(full, kind, own_nested)
            for sub, sub_spec in spec.get("fields", {}).items():
                fields[f"{full}.{sub}"] = Field(f"{full}.{sub}", sub_spec["type"], nested)
            if "properties" in spec:
                walk(spec["properties"], f"{full}.", own_nested)

    walk(mappings["properties"], "", None)
    return fields


FIELDS = template_fields()
VIEW_FIELDS = {view: template_fields(path) for view, path in VIEW_TEMPLATES.items()}


def is_leaf(name: str, fields: dict[str, Field] = FIELDS) -> bool:
    return name in fields and fields[name].type not in {"object", "nested"}


def in_nested(name: str, fields: dict[str, Field] = FIELDS) -> bool:
    """A field inside a nested mapping (include_in_parent does not change how Kibana sees it)."""
    field = fields[name]
    return field.nested_path is not None and field.type != "nested"


# --------------------------------------------------------------------------- KQL


@dataclass(frozen=True)
class KqlField:
    name: str  # full field name
    group: str | None  # the nested group it was written in: figures:{ counts: x } -> "figures"


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_FIELD = re.compile(r"([A-Za-z_@][\w.@*-]*)\s*(:|<=|>=|<|>)\s*(\{)?")


def kql_fields(query: str, group: str | None = None) -> list[KqlField]:
    """The field names a KQL query uses, with the nested group each was written in.

    Enough of KQL for our queries: ``field: value``, ranges, ``and``/``or``/``not``, parentheses
    and nested groups ``path:{ ... }``; quoted values are ignored.
    """
    text = _QUOTED.sub('""', query)
    found: list[KqlField] = []
    pos = 0
    while match := _FIELD.search(text, pos):
        name = f"{group}.{match.group(1)}" if group else match.group(1)
        if match.group(3):  # a nested group: find its closing brace
            depth, end = 1, match.end()
            while depth and end < len(text):
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            found += kql_fields(text[match.end() : end - 1], name)
            pos = end
        else:
            found.append(KqlField(name, group))
            pos = match.end()
    return found


def kql_problems(query: str, fields: dict[str, Field] = FIELDS) -> list[str]:
    """What Kibana would reject in ``query`` against the template, in Kibana's own words."""
    problems = []
    for used in kql_fields(query):
        if used.name not in fields:
            problems.append(f"{used.name} is not in the index template")
            continue
        nested = fields[used.name].nested_path if in_nested(used.name, fields) else None
        if nested and not used.group:
            problems.append(f"{used.name} is a nested field, but is not in a nested group")
        elif used.group and nested != used.group:
            problems.append(f"{used.name} is written in nested group {used.group!r}, path {nested}")
    return problems


def test_the_kql_reader_sees_fields_groups_and_skips_quoted_values() -> None:
    fields = kql_fields('claims:{ speaker: "a: b" and via: TASS } or (lang: it and not x > 3)')
    assert fields == [
        KqlField("claims.speaker", "claims"),
        KqlField("claims.via", "claims"),
        KqlField("lang", None),
        KqlField("x", None),
    ]
    assert kql_problems('claims.via: "TASS"') == [
        "claims.via is a nested field, but is not in a nested group"
    ]
    assert kql_problems('vias: "TASS"') == []
    assert kql_problems("nope: 1") == ["nope is not in the index template"]


# --------------------------------------------------------------------------- the saved objects


def ndjson_files() -> list[Path]:
    return sorted(KIBANA_DIR.glob("*.ndjson"))


def load_objects() -> list[dict[str, Any]]:
    objects = []
    for path in ndjson_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                obj = json.loads(line)
                obj["_where"] = f"{path.name}:{number}"
                objects.append(obj)
    return objects


OBJECTS = load_objects()


def of_type(kind: str) -> list[dict[str, Any]]:
    return [o for o in OBJECTS if o["type"] == kind]


def parsed(value: str | None, default: Any) -> Any:
    return json.loads(value) if value else default


@dataclass(frozen=True)
class Use:
    """One field a saved object names, and how."""

    where: str
    field: str
    aggregated: bool  # Kibana runs an aggregation on it (Lens buckets/metrics, controls)
    lens_or_control: bool  # Lens and options lists skip nested fields
    view: str = "newsstream-news"  # the data view it is read through

    @property
    def fields(self) -> dict[str, Field]:
        return VIEW_FIELDS[self.view]


def view_of(obj: dict[str, Any]) -> str:
    """The data view a saved search or a Lens visualization reads (its one index-pattern)."""
    (view,) = {r["id"] for r in obj["references"] if r["type"] == "index-pattern"}
    return str(view)


def lens_uses(obj: dict[str, Any]) -> Iterator[Use]:
    layers = obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
    for layer_id, layer in layers.items():
        for column_id, column in layer["columns"].items():
            source = column.get("sourceField")
            if source and source != LENS_RECORDS:
                where = f"{obj['id']} layer {layer_id} column {column_id}"
                yield Use(where, source, True, True, view_of(obj))


def controls(dashboard: dict[str, Any]) -> dict[str, Any]:
    group = dashboard["attributes"].get("controlGroupInput") or {}
    result: dict[str, Any] = parsed(group.get("panelsJSON"), {})
    return result


def field_uses() -> Iterator[Use]:
    for view in of_type("index-pattern"):
        attrs, where = view["attributes"], view["id"]
        yield Use(f"{where} timeFieldName", attrs["timeFieldName"], False, False, where)
        for name in parsed(attrs.get("fieldFormatMap"), {}):
            yield Use(f"{where} fieldFormatMap", name, False, False, where)
        for name in parsed(attrs.get("fieldAttrs"), {}):
            yield Use(f"{where} fieldAttrs", name, False, False, where)
        for source_filter in parsed(attrs.get("sourceFilters"), []):
            yield Use(f"{where} sourceFilters", source_filter["value"], False, False, where)
    for search in of_type("search"):
        attrs, where, reads = search["attributes"], search["id"], view_of(search)
        for column in attrs["columns"]:
            yield Use(f"{where} columns", column, False, False, reads)
        for name, _direction in attrs.get("sort", []):
            yield Use(f"{where} sort", name, False, False, reads)
        source = parsed(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"], {})
        for used in kql_fields(source.get("query", {}).get("query", "")):
            yield Use(f"{where} query", used.name, False, False, reads)
        for query_filter in source.get("filter", []):
            yield Use(f"{where} filter", query_filter["meta"]["key"], False, False, reads)
    for lens in of_type("lens"):
        yield from lens_uses(lens)
        for used in kql_fields(lens["attributes"]["state"]["query"].get("query", "")):
            yield Use(f"{lens['id']} query", used.name, False, False, view_of(lens))
    for dashboard in of_type("dashboard"):
        for control_id, control in controls(dashboard).items():
            name = control["explicitInput"]["fieldName"]
            view = control["explicitInput"]["dataViewId"]
            yield Use(f"{dashboard['id']} control {control_id}", name, True, True, view)


USES = list(field_uses())


def test_there_is_a_saved_objects_file_and_the_default_import_path_is_one() -> None:
    assert ndjson_files(), "no config/kibana/*.ndjson"
    assert DEFAULT_SAVED_OBJECTS in ndjson_files()


def test_every_line_is_one_saved_object_with_type_id_attributes_and_references() -> None:
    seen = set()
    for obj in OBJECTS:
        where = obj["_where"]
        assert isinstance(obj.get("type"), str) and obj["type"], where
        assert isinstance(obj.get("id"), str) and obj["id"], where
        assert isinstance(obj.get("attributes"), dict) and obj["attributes"].get("title"), where
        assert isinstance(obj.get("references"), list), where
        assert re.fullmatch(r"\d+\.\d+\.\d+", obj["coreMigrationVersion"]), where
        assert re.fullmatch(r"\d+\.\d+\.\d+", obj["typeMigrationVersion"]), where
        assert (obj["type"], obj["id"]) not in seen, f"duplicate {obj['type']} {obj['id']}"
        seen.add((obj["type"], obj["id"]))


def test_the_workspace_has_what_the_issue_asks_for() -> None:
    views = {v["id"]: v for v in of_type("index-pattern")}
    assert set(views) == set(VIEW_TEMPLATES)
    view = views["newsstream-news"]
    alias = load_settings().elasticsearch.alias
    assert view["attributes"]["title"] == alias
    assert view["attributes"]["timeFieldName"] == "published_at"
    formats = parsed(view["attributes"]["fieldFormatMap"], {})
    assert formats["url"]["id"] == "url" and formats["url"]["params"]["type"] == "a"

    queries = {
        o["id"]: parsed(o["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"], {})["query"]
        for o in of_type("search")
    }
    used_in_queries = {f.name for q in queries.values() for f in kql_fields(q["query"])}
    assert "" in {q["query"] for q in queries.values()}  # latest articles: everything
    assert {"entities.person", "entities.org", "speakers", "figures.text"} <= used_in_queries
    figures_search = next(o for o in of_type("search") if "figures" in o["attributes"]["columns"])
    assert figures_search["attributes"]["sort"] == [["published_at", "desc"]]

    lens_fields = {u.field for lens in of_type("lens") for u in lens_uses(lens)}
    assert {"published_at", "lang", "source.name"} <= lens_fields
    assert {"entities.person", "entities.org", "entities.location"} <= lens_fields
    assert {"speakers", "vias", "figure_counts"} <= lens_fields

    # Kibana counts claims and figures, not articles, on their own data views
    for view_id, kind in ANSWER_ALIASES.items():
        assert views[view_id]["attributes"]["title"] == f"{alias}-{kind}"
        assert views[view_id]["attributes"]["timeFieldName"] == "published_at"
    on_answers = {
        (view_of(lens), u.field)
        for lens in of_type("lens")
        for u in lens_uses(lens)
        if view_of(lens) in ANSWER_ALIASES
    }
    claims, figures = "newsstream-claims", "newsstream-figures"
    assert {(claims, "speaker"), (claims, "via"), (claims, "source.name")} <= on_answers
    assert {(figures, "counts"), (figures, "published_at")} <= on_answers

    # stories: one document per story, in the time range while articles join it
    stories = views["newsstream-stories"]["attributes"]
    assert (stories["title"], stories["timeFieldName"]) == (f"{alias}-stories", "last_seen")
    (latest_stories,) = [s for s in of_type("search") if view_of(s) == "newsstream-stories"]
    assert latest_stories["attributes"]["sort"] == [["last_seen", "desc"]]
    assert {"headline", "article_count", "top_entities"} <= set(
        latest_stories["attributes"]["columns"]
    )

    dashboards = {d["id"]: d for d in of_type("dashboard")}
    assert set(dashboards) == {"newsstream-dashboard-overview", "newsstream-dashboard-stories"}
    dashboard = dashboards["newsstream-dashboard-overview"]
    control_fields = {c["explicitInput"]["fieldName"] for c in controls(dashboard).values()}
    assert {"lang", "source.name", "entities.person", "entities.org"} <= control_fields
    panel_ids = {r["id"] for r in dashboard["references"] if ":panel_" in r["name"]}
    story_panels = panel_ids_of(dashboards["newsstream-dashboard-stories"])
    assert {o["id"] for o in of_type("lens")} <= panel_ids | story_panels  # every lens is shown
    assert figures_search["id"] in panel_ids


def panel_ids_of(dashboard: dict[str, Any]) -> set[str]:
    return {r["id"] for r in dashboard["references"] if ":panel_" in r["name"]}


def lens_columns(lens: dict[str, Any]) -> list[dict[str, Any]]:
    layers = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
    return [c for layer in layers.values() for c in layer["columns"].values()]


def test_the_stories_dashboard_has_the_ledger_the_figures_over_time_and_the_spread() -> None:
    """Issue 13: "a story dashboard (ledger table, figures over time per concept, spread)"."""
    (dashboard,) = [d for d in of_type("dashboard") if d["id"] == "newsstream-dashboard-stories"]
    shown = panel_ids_of(dashboard)
    assert "newsstream-search-stories" in shown  # which stories there are
    on_dashboard = [o for o in of_type("lens") if o["id"] in shown]
    for lens in on_dashboard:  # only answers of articles in a story
        assert lens["attributes"]["state"]["query"] == {"language": "kuery", "query": "story_id: *"}

    def used(lens: dict[str, Any]) -> set[tuple[str, str]]:
        return {(c["operationType"], c["sourceField"]) for c in lens_columns(lens)}

    kinds = {(view_of(o), o["attributes"]["visualizationType"]): used(o) for o in on_dashboard}
    # the figure ledger: one row per concept, value, unit, qualifier, claimant and outlet,
    # with when it was first seen
    ledger = kinds[("newsstream-figures", "lnsDatatable")]
    entry = {"story_id", "concept", "value", "unit", "qualifier", "speaker", "source.name"}
    assert {("terms", f) for f in entry} <= ledger
    assert ("min", "published_at") in ledger
    # figures over time per concept
    over_time = kinds[("newsstream-figures", "lnsXY")]
    assert {("date_histogram", "published_at"), ("terms", "concept")} <= over_time
    assert ("max", "value") in over_time
    # claim spread: reports (claims) vs independent reports (distinct relay roots)
    spread = kinds[("newsstream-claims", "lnsDatatable")]
    assert {("terms", "story_id"), ("count", "___records___")} <= spread
    assert ("unique_count", "relay_root") in spread
    picked = {c["explicitInput"]["fieldName"] for c in controls(dashboard).values()}
    assert "story_id" in picked  # one story at a time, across the four data views


def test_every_field_a_saved_object_names_exists_in_the_index_template() -> None:
    missing = [f"{u.where}: {u.field}" for u in USES if u.field not in u.fields]
    assert not missing, missing


def test_columns_are_leaves_or_whole_nested_objects() -> None:
    """Discover shows a nested field's leaves as '-' (kibana#190768): show the nested root."""
    for use in USES:
        if use.where.endswith(" columns") and use.field in use.fields:
            field = use.fields[use.field]
            assert field.type != "object", f"{use.where}: {use.field} is a plain object"
            assert not in_nested(use.field, use.fields), (
                f"{use.where}: show {field.nested_path}, not a leaf"
            )


def test_every_aggregated_field_is_aggregatable() -> None:
    bad = [
        f"{u.where}: {u.field} is {u.fields[u.field].type}"
        for u in USES
        if u.aggregated and u.field in u.fields and u.fields[u.field].type not in AGGREGATABLE_TYPES
    ]
    assert not bad, bad


def test_lens_and_controls_use_no_nested_field() -> None:
    """Lens and options-list controls leave nested fields out; the flat copies are for them."""
    bad = [
        f"{u.where}: {u.field}"
        for u in USES
        if u.lens_or_control and u.field in u.fields and in_nested(u.field, u.fields)
    ]
    assert not bad, bad


def test_every_kql_query_is_valid_for_the_template() -> None:
    queries = [
        (o["id"], parsed(o["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"], {}))
        for o in [*of_type("search"), *of_type("dashboard")]
    ]
    queries += [(o["id"], {"query": o["attributes"]["state"]["query"]}) for o in of_type("lens")]
    views = {o["id"]: view_of(o) for o in [*of_type("search"), *of_type("lens")]}
    for where, source in queries:
        query = source.get("query", {})
        fields = VIEW_FIELDS[views.get(where, "newsstream-news")]
        if query.get("language") == "kuery":
            assert kql_problems(query["query"], fields) == [], where


def test_the_data_view_lists_only_template_fields_if_it_lists_any() -> None:
    for view in of_type("index-pattern"):
        fields = VIEW_FIELDS[view["id"]]
        for listed in parsed(view["attributes"].get("fields"), []):
            assert listed["name"] in fields, listed["name"]
            if is_leaf(listed["name"], fields):
                aggregatable = fields[listed["name"]].type in AGGREGATABLE_TYPES
                assert listed.get("aggregatable", aggregatable) == aggregatable, listed["name"]


def test_time_field_and_sort_fields_are_dates_or_sortable() -> None:
    for view in of_type("index-pattern"):
        assert VIEW_FIELDS[view["id"]][view["attributes"]["timeFieldName"]].type == "date"
    for search in of_type("search"):
        for name, direction in search["attributes"]["sort"]:
            fields = VIEW_FIELDS[view_of(search)]
            assert fields[name].type in AGGREGATABLE_TYPES, f"{search['id']} sorts on {name}"
            assert direction in {"asc", "desc"}


# --------------------------------------------------------------------------- references


def ids_in_file() -> set[tuple[str, str]]:
    return {(o["type"], o["id"]) for o in OBJECTS}


def test_every_reference_resolves_to_an_object_in_the_file() -> None:
    known = ids_in_file()
    for obj in OBJECTS:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in known, f"{obj['id']}: {ref}"


def test_saved_searches_and_lens_layers_name_their_data_view_reference() -> None:
    for search in of_type("search"):
        source = parsed(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"], {})
        names = {r["name"]: r for r in search["references"]}
        assert names[source["indexRefName"]]["type"] == "index-pattern", search["id"]
    for lens in of_type("lens"):
        layers = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
        names = {r["name"]: r for r in lens["references"]}
        for layer_id, layer in layers.items():
            assert names[f"indexpattern-datasource-layer-{layer_id}"]["type"] == "index-pattern"
            assert set(layer["columnOrder"]) == set(layer["columns"]), lens["id"]


def test_lens_visualizations_point_at_their_own_columns() -> None:
    for lens in of_type("lens"):
        state = lens["attributes"]["state"]
        layers = state["datasourceStates"]["formBased"]["layers"]
        vis = state["visualization"]
        if lens["attributes"]["visualizationType"] == "lnsXY":
            for vis_layer in vis["layers"]:
                columns = layers[vis_layer["layerId"]]["columns"]
                accessors = [*vis_layer["accessors"], vis_layer["xAccessor"]]
                accessors += [vis_layer["splitAccessor"]] if "splitAccessor" in vis_layer else []
                assert set(accessors) <= set(columns), lens["id"]
        else:
            assert lens["attributes"]["visualizationType"] == "lnsDatatable", lens["id"]
            columns = layers[vis["layerId"]]["columns"]
            assert {c["columnId"] for c in vis["columns"]} == set(columns), lens["id"]
        for column in (c for layer in layers.values() for c in layer["columns"].values()):
            order_by = column.get("params", {}).get("orderBy", {})
            all_columns = {k for lay in layers.values() for k in lay["columns"]}
            if order_by.get("type") == "column":
                assert order_by["columnId"] in all_columns, lens["id"]


def test_dashboard_panels_and_controls_resolve_the_way_kibana_injects_them() -> None:
    """Kibana finds a panel's object by the reference ``<panelIndex>:<panelRefName>``."""
    known = ids_in_file()
    for dashboard in of_type("dashboard"):
        attrs = dashboard["attributes"]
        assert set(attrs) <= DASHBOARD_ATTRIBUTES, set(attrs) - DASHBOARD_ATTRIBUTES
        assert set(attrs["controlGroupInput"]) <= CONTROL_GROUP_ATTRIBUTES
        refs = {r["name"]: r for r in dashboard["references"]}
        panels = parsed(attrs["panelsJSON"], [])
        assert len({p["panelIndex"] for p in panels}) == len(panels)
        cells: set[tuple[int, int]] = set()
        for panel in panels:
            grid = panel["gridData"]
            assert grid["i"] == panel["panelIndex"] and panel["type"]
            assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 48, panel["panelIndex"]
            area = {
                (x, y)
                for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert not cells & area, f"{panel['panelIndex']} overlaps another panel"
            cells |= area
            ref = refs[f"{panel['panelIndex']}:{panel['panelRefName']}"]
            assert ref["type"] == panel["type"] and (ref["type"], ref["id"]) in known
        for control_id, control in controls(dashboard).items():
            assert control["type"] == "optionsListControl"
            assert control["explicitInput"]["id"] == control_id
            ref = refs[f"controlGroup_{control_id}:optionsListDataView"]
            assert ref["type"] == "index-pattern"
            assert ref["id"] == control["explicitInput"]["dataViewId"]
    for search in of_type("search"):
        extra = set(search["attributes"]) - SEARCH_ATTRIBUTES
        assert not extra, f"{search['id']}: {extra}"


# --------------------------------------------------------------------------- versions


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def image_version(service: str) -> str:
    return str(compose()["services"][service]["image"]).rsplit(":", 1)[1]


def major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def test_kibana_elasticsearch_and_client_versions_agree() -> None:
    kibana, server = image_version("kibana"), image_version("elasticsearch")
    configured = load_settings().services.elasticsearch_version
    assert major_minor(kibana) == major_minor(server) == major_minor(configured)
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    client = next(d for d in deps if re.match(r"elasticsearch\b", d))
    pinned = re.search(r"[=~><]=?\s*(\d+)\.", client)
    assert pinned, client
    assert pinned.group(1) == server.split(".")[0]
    assert kibana.split(".")[0] == EXPORT_FORMAT_MAJOR, "saved objects are in Kibana 9.x format"


def test_the_setup_service_imports_the_saved_objects_once_kibana_is_healthy() -> None:
    setup = compose()["services"]["setup"]
    command = " ".join(setup["command"]) if isinstance(setup["command"], list) else setup["command"]
    assert "newsstream init" in command
    assert "newsstream kibana import --url http://kibana:5601" in command
    assert setup["depends_on"]["kibana"]["condition"] == "service_healthy"


# --------------------------------------------------------------------------- the guide


def guide_kql_examples() -> list[str]:
    """The lines of the guide's ```kql blocks: the examples an analyst will paste."""
    blocks = re.findall(r"```kql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_guides_kql_examples_work_against_the_template() -> None:
    examples = guide_kql_examples()
    assert any("entities.person" in e and "Kim Jong Un" in e for e in examples)
    assert any("TASS" in e and "via" in e for e in examples)
    assert any("soldiers" in e for e in examples)
    for example in examples:
        assert kql_problems(example) == [], example


# --------------------------------------------------------------------------- the import


STATUS_AVAILABLE = {
    "name": "kibana",
    "version": {"number": "9.2.4"},
    "status": {"overall": {"level": "available", "summary": "All services are available"}},
}
STATUS_STARTING = {
    "status": {"overall": {"level": "unavailable", "summary": "savedObjects: migrating"}},
}
IMPORT_ANSWER = {
    "success": False,
    "successCount": 2,
    "successResults": [
        {"type": "index-pattern", "id": "newsstream-news", "meta": {"title": "news"}},
        {
            "type": "dashboard",
            "id": "newsstream-dashboard-overview",
            "meta": {"title": "News overview (newsstream)"},
            "overwrite": True,
        },
    ],
    "errors": [
        {
            "type": "lens",
            "id": "newsstream-lens-top-people",
            "meta": {"title": "Top people"},
            "error": {
                "type": "missing_references",
                "references": [{"type": "index-pattern", "id": "gone"}],
            },
        },
        {
            "type": "search",
            "id": "newsstream-search-latest",
            "meta": {"title": "News: latest articles"},
            "error": {"type": "unknown", "message": "document too big", "statusCode": 400},
        },
    ],
}


class FakeTransportLog:
    """The requests the client sent, and the answers a starting Kibana gives, in order."""

    def __init__(self, status_answers: list[httpx.Response | Exception], imported: Any) -> None:
        self.status_answers = status_answers
        self.imported = imported
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/status":
            # the last answer repeats for as long as the client keeps asking
            answer = self.status_answers[0]
            if len(self.status_answers) > 1:
                self.status_answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        if request.url.path == "/api/saved_objects/_import":
            if isinstance(self.imported, httpx.Response):
                return self.imported
            return httpx.Response(200, json=self.imported)
        return httpx.Response(404, json={"message": "not found"})


def test_import_waits_for_available_then_posts_the_file_with_overwrite() -> None:
    log = FakeTransportLog(
        [
            httpx.ConnectError("connection refused"),
            httpx.Response(503, text="Kibana server is not ready yet"),
            httpx.Response(503, json=STATUS_STARTING),
            httpx.Response(200, json=STATUS_AVAILABLE),
        ],
        IMPORT_ANSWER,
    )
    report = import_saved_objects(
        "http://kibana.test:5601/",
        DEFAULT_SAVED_OBJECTS,
        timeout=10,
        poll_interval=0.001,
        transport=httpx.MockTransport(log),
    )
    paths = [r.url.path for r in log.requests]
    assert paths == ["/api/status"] * 4 + ["/api/saved_objects/_import"]
    post = log.requests[-1]
    assert post.method == "POST"
    assert post.url.params["overwrite"] == "true"
    assert post.headers["kbn-xsrf"] == "true"
    assert post.headers["content-type"].startswith("multipart/form-data")
    body = post.read()
    assert b'name="file"; filename="newsstream.ndjson"' in body
    assert DEFAULT_SAVED_OBJECTS.read_bytes() in body

    assert report.kibana_version == "9.2.4"
    assert not report.ok
    assert [o.id for o in report.created] == ["newsstream-news"]
    assert [o.id for o in report.overwritten] == ["newsstream-dashboard-overview"]
    assert [str(e) for e in report.errors] == [
        "lens newsstream-lens-top-people: refers to objects that exist neither in the file nor "
        "in Kibana: index-pattern gone",
        "search newsstream-search-latest: document too big (HTTP 400)",
    ]
    summary = report.summary()
    assert summary.splitlines()[0] == (
        "imported 2 saved objects into Kibana 9.2.4: 1 created, 1 overwritten, 2 failed"
    )
    assert "  error       search newsstream-search-latest: document too big (HTTP 400)" in summary


def test_import_gives_up_after_the_timeout_and_says_what_kibana_last_said() -> None:
    log = FakeTransportLog([httpx.Response(503, json=STATUS_STARTING)], IMPORT_ANSWER)
    with pytest.raises(KibanaError) as raised:
        import_saved_objects(
            "http://kibana.test:5601",
            DEFAULT_SAVED_OBJECTS,
            timeout=0.05,
            poll_interval=0.01,
            transport=httpx.MockTransport(log),
        )
    message = str(raised.value)
    assert "http://kibana.test:5601 was not available after 0s" in message
    assert "unavailable (savedObjects: migrating)" in message
    assert raised.value.retriable and raised.value.url == "http://kibana.test:5601"
    assert all(r.url.path == "/api/status" for r in log.requests)


def degraded(saved_objects_level: str) -> dict[str, Any]:
    return {
        "version": {"number": "9.2.4"},
        "status": {
            "overall": {"level": "degraded", "summary": "1 service is degraded: alerting"},
            "core": {
                "elasticsearch": {"level": "available"},
                "savedObjects": {"level": saved_objects_level},
            },
        },
    }


def test_a_degraded_kibana_whose_saved_objects_are_available_takes_the_import() -> None:
    log = FakeTransportLog([httpx.Response(200, json=degraded("available"))], IMPORT_ANSWER)
    report = import_saved_objects(
        "http://kibana.test:5601",
        DEFAULT_SAVED_OBJECTS,
        timeout=1,
        transport=httpx.MockTransport(log),
    )
    assert report.success_count == 2
    assert log.requests[-1].url.path == "/api/saved_objects/_import"


def test_a_degraded_kibana_without_its_saved_objects_is_waited_for() -> None:
    log = FakeTransportLog([httpx.Response(503, json=degraded("unavailable"))], IMPORT_ANSWER)
    with pytest.raises(KibanaError, match=r"last status: degraded \(1 service is degraded"):
        import_saved_objects(
            "http://kibana.test:5601",
            DEFAULT_SAVED_OBJECTS,
            timeout=0.03,
            poll_interval=0.01,
            transport=httpx.MockTransport(log),
        )
    assert {r.url.path for r in log.requests} == {"/api/status"}


def test_a_refused_import_request_is_an_error_with_kibanas_reason() -> None:
    refusal = httpx.Response(
        415, json={"statusCode": 415, "error": "Unsupported Media Type", "message": "bad file"}
    )
    log = FakeTransportLog([httpx.Response(200, json=STATUS_AVAILABLE)], refusal)
    refused = r"refused the import of newsstream.ndjson: HTTP 415: bad file"
    with pytest.raises(KibanaError, match=refused):
        import_saved_objects(
            "http://kibana.test:5601",
            DEFAULT_SAVED_OBJECTS,
            timeout=1,
            transport=httpx.MockTransport(log),
        )


def test_a_clean_import_is_ok_and_reports_every_object() -> None:
    answer = {
        "success": True,
        "successCount": len(OBJECTS),
        "successResults": [
            {"type": o["type"], "id": o["id"], "meta": {"title": o["attributes"]["title"]}}
            for o in OBJECTS
        ],
    }
    report = parse_import_response(answer)
    assert report.ok and report.success_count == len(OBJECTS) and not report.errors
    assert {(o.type, o.id) for o in report.created} == ids_in_file()


def test_conflict_and_unsupported_type_errors_are_explained() -> None:
    report = parse_import_response(
        {
            "success": False,
            "successCount": 0,
            "errors": [
                {"type": "lens", "id": "a", "meta": {}, "error": {"type": "conflict"}},
                {"type": "widget", "id": "b", "meta": {}, "error": {"type": "unsupported_type"}},
            ],
        }
    )
    assert [str(e) for e in report.errors] == [
        "lens a: an object with this id already exists (import without overwrite)",
        "widget b: this Kibana does not know or cannot import objects of this type",
    ]
