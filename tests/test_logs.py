"""Log lines: text a person reads on a terminal, JSON for machines, chosen by where they go."""

from __future__ import annotations

import json
import logging

from streams.cli import start_banner
from streams.logs import JsonFormatter, TextFormatter, resolve_format
from streams.settings import load_settings


def record(**extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("streams.index", logging.WARNING, __file__, 1, "not indexed", (), None)
    rec.__dict__.update(extra)
    return rec


def test_auto_is_text_on_a_terminal_and_json_elsewhere() -> None:
    assert resolve_format("auto", tty=True) == "text"
    assert resolve_format("auto", tty=False) == "json"
    assert resolve_format("json", tty=True) == "json"
    assert resolve_format("text", tty=False) == "text"


def test_text_lines_carry_the_extra_fields_and_json_lines_too() -> None:
    line = TextFormatter().format(record(article_id="ab12", reason="too long"))
    assert line.endswith(" WARNING streams.index: not indexed article_id=ab12 reason=too long")
    assert "\n" not in line
    entry = json.loads(JsonFormatter().format(record(article_id="ab12")))
    assert entry["level"] == "warning" and entry["article_id"] == "ab12"


def test_the_start_banner_says_what_runs_where_and_what_next() -> None:
    settings = load_settings()
    banner = start_banner(settings, "all", tty=True)
    lines = banner.splitlines()
    assert lines[0].startswith("newsstream run: the feed pollers and the fetch, enrich")
    assert any(line.split()[0] == "feeds" and "feed(s) in" in line for line in lines[1:])
    assert f":{settings.metrics.port}/metrics" in banner
    assert "standard error, as text" in banner
    assert "newsstream status" in banner and "newsstream search" in banner
    assert len(lines) <= 10
    assert "as JSON lines" in start_banner(settings, "worker", tty=False)
