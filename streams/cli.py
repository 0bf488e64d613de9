"""The ``newsstream`` command line.

Each command parses its options, builds the one Settings object, calls one function elsewhere,
and says where its output went. ``newsstream --help`` lists them all.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from streams.errors import NewsstreamError, ServiceError
from streams.logs import configure_logging
from streams.settings import Settings, load_settings

app = typer.Typer(
    help="newsstream: news feeds -> Kafka -> entities, claims, figures -> Elasticsearch.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
services_app = typer.Typer(help="The local Kafka and Elasticsearch servers (no Docker needed).")
app.add_typer(services_app, name="services")

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
def main_callback(ctx: typer.Context, config: ConfigOption = None) -> None:
    """Load settings once for whichever command runs."""
    state = ctx.ensure_object(_State)
    try:
        state.settings = load_settings(config)
    except (FileNotFoundError, ValueError) as exc:
        typer.secho(f"settings: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    configure_logging(
        state.settings.log_level, "text" if sys.stderr.isatty() else state.settings.log_format
    )


def fail(exc: NewsstreamError) -> typer.Exit:
    typer.secho(f"error: {exc}", fg="red", err=True)
    if isinstance(exc, ServiceError) and exc.log_excerpt:
        typer.echo("from its log:", err=True)
        typer.echo(exc.log_excerpt, err=True)
    return typer.Exit(1)


# -- services ------------------------------------------------------------------------------------


@services_app.command("up")
def services_up(ctx: typer.Context) -> None:
    """Start Kafka (KRaft) and Elasticsearch, downloading them once; wait until healthy."""
    from streams.services import LocalStack

    settings = settings_from(ctx)
    stack = LocalStack(settings.services)
    typer.echo(
        f"starting services under {settings.services.resolved_home()} (first run downloads them) ..."
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
    """Create the Kafka topics and install the Elasticsearch index template and alias."""
    from streams.provision import provision

    settings = settings_from(ctx)
    try:
        report = asyncio.run(provision(settings))
    except Exception as exc:  # a service that is not there: say so plainly
        typer.secho(f"init failed: {type(exc).__name__}: {exc}", fg="red", err=True)
        typer.echo("are the services up? try `newsstream services up`", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"kafka {settings.kafka.bootstrap_servers}: created {report.topics_created or 'none'}, "
        f"grown {report.topics_grown or 'none'}, already there {report.topics_existing or 'none'}"
    )
    created = f", created index {report.index_created}" if report.index_created else ""
    typer.echo(
        f"elasticsearch {settings.elasticsearch.url}: template {report.template!r}, "
        f"alias {report.alias!r}{created}"
    )


def main() -> None:
    logging.captureWarnings(True)
    app()


if __name__ == "__main__":
    main()
