"""Every error a person can fix ends the real CLI with one line on stderr that says what to do.

Each case runs ``python -m streams.cli`` in a subprocess, with the logging it has in production,
and checks the exit code (2 for a bad option, 1 for the rest), that stderr is one line with no
traceback, and the hint. "Down" services are an unused port (127.0.0.1:1).
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest
from pipeline_helpers import cli

from streams.connections import preflight
from streams.services import LocalStack
from streams.settings import Settings

NO_ES = {"NEWSSTREAM_ELASTICSEARCH__URL": "http://127.0.0.1:1"}
NO_KAFKA = {"NEWSSTREAM_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:1"}


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *hints: str) -> str:
    lines = result.stderr.splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for hint in hints:
        assert hint in lines[0], lines[0]
    return lines[0]


def test_malformed_yaml_config_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kafka: [\n  bad: :\n")
    assert_one_line(cli("--config", str(bad), "status"), 1, str(bad), "not valid YAML", "line 2")


def test_search_with_elasticsearch_down_says_how_to_start_it() -> None:
    line = assert_one_line(cli("search", "x", env=NO_ES), 1, "not reachable at http://127.0.0.1:1")
    assert "newsstream services up" in line


@pytest.mark.parametrize("name", ["/dev/zero", "binary"])
def test_extract_refuses_what_is_no_article(tmp_path: Path, name: str) -> None:
    path = Path(name) if name.startswith("/") else tmp_path / "blob.txt"
    if not name.startswith("/"):
        path.write_bytes(bytes(range(256)) * 16)
    assert_one_line(cli("extract", str(path)), 1, str(path), "not a text or JSON article")


def test_extract_json_with_wrong_types_is_an_error_not_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"id": 5, "text": 123}))
    result = cli("extract", str(path))
    assert_one_line(result, 1, "not a text or JSON article", "'text'")
    assert result.stdout == ""
    path.write_text(json.dumps({"text": "Rome, Monday.", "lang": 7}))
    assert_one_line(cli("extract", str(path)), 1, "'lang' must be a string")


def test_search_size_out_of_range_is_a_usage_error() -> None:
    assert_one_line(cli("search", "--size", "-5"), 2, "--size", "1 and 100")


def test_a_log_format_that_is_none_is_a_usage_error() -> None:
    assert_one_line(
        cli("--log-format", "xml", "status"), 2, "--log-format must be auto, json or text"
    )


@pytest.mark.parametrize("command", [["run"], ["worker"], ["poll"]])
def test_a_long_running_command_with_kafka_down_says_so_in_one_line(command: list[str]) -> None:
    line = assert_one_line(cli(*command, env=NO_KAFKA), 1, "Kafka is not reachable")
    assert "newsstream services up" in line


def test_a_worker_without_its_topics_says_to_run_init(services: LocalStack) -> None:
    # the real broker must be up (CI starts it with the first test that asks for `services`)
    tag = uuid.uuid4().hex[:8]
    topics = {
        f"NEWSSTREAM_KAFKA__TOPICS__{name.upper()}": f"never-made-{tag}.{name}"
        for name in ("entries", "articles", "enriched", "deadletter", "replay")
    }
    result = cli("worker", env=topics)
    assert_one_line(result, 1, f"no topic never-made-{tag}.entries", "`newsstream init` first")


def test_status_with_the_services_down_says_which_and_exits_1() -> None:
    result = cli("status", env={**NO_ES, **NO_KAFKA, "NEWSSTREAM_METRICS__ENABLED": "false"})
    assert result.returncode == 1
    assert result.stderr == ""  # no client left unclosed, no log of the clients' retries
    problems = [line for line in result.stdout.splitlines() if line.startswith("! ")]
    assert [p.split(":")[0] for p in problems] == ["! kafka", "! elasticsearch"]
    assert all("not reachable" in p and "newsstream services up" in p for p in problems)


@pytest.mark.parametrize("command", [["extract", "README.md"], ["search", "x"]])
def test_lang_must_be_a_language_code(command: list[str]) -> None:
    result = cli(*command, "--lang", "xx-NOT A LANG")
    assert_one_line(result, 2, "--lang", "not a language code")


def test_metrics_port_out_of_range_is_one_line_even_for_status() -> None:
    result = cli("status", env={"NEWSSTREAM_METRICS__PORT": "99999"})
    assert_one_line(result, 1, "metrics.port", "NEWSSTREAM_METRICS__PORT", "65535")


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("NEWSSTREAM_POLLER__MIN_INTERVAL", "-5", "poller.min_interval"),
        ("NEWSSTREAM_POLLER__READ_TIMEOUT", "0", "poller.read_timeout"),
        ("NEWSSTREAM_ELASTICSEARCH__URL", "http://es host:9200", "no spaces"),
        ("NEWSSTREAM_NLP__LANGUAGES", '["it", "xx-NOT A LANG"]', "not a language code"),
    ],
)
def test_wrong_setting_values_are_refused_in_one_line(
    variable: str, value: str, field: str
) -> None:
    assert_one_line(cli("status", env={variable: value}), 1, field)


@pytest.mark.parametrize("command", [["replay", "--since", "2024-01-01"], ["poll", "--once"]])
def test_kafka_down_says_where_and_how_to_start_it(command: list[str], tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    env = {**NO_KAFKA, "NEWSSTREAM_POLLER__FEEDS_FILE": str(feeds)}
    line = assert_one_line(cli(*command, env=env), 1, "Kafka is not reachable at 127.0.0.1:1")
    assert "newsstream services up" in line


@pytest.mark.parametrize("command", [["feeds", "list"], ["poll", "--once"]])
def test_broken_feed_list_names_the_file_and_line(command: list[str], tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n  - url: [\n")
    result = cli(*command, env={**NO_KAFKA, "NEWSSTREAM_POLLER__FEEDS_FILE": str(feeds)})
    line = assert_one_line(result, 1, str(feeds), "not valid YAML", "line 3")
    assert "Kafka" not in line


def test_feed_urls_are_checked_when_added_and_when_loaded(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    env = {**NO_KAFKA, "NEWSSTREAM_POLLER__FEEDS_FILE": str(feeds)}
    for url, hint in [
        ("http://example.org/a feed", "no spaces"),
        ("ftp://example.org/rss", "http:// or https://"),
        ("https:///rss.xml", "no host"),
    ]:
        assert_one_line(cli("feeds", "add", url, env=env), 1, hint)
    feeds.write_text('feeds:\n  - url: "http://example.org/a feed"\n    name: x\n')
    assert_one_line(cli("feeds", "list", env=env), 1, str(feeds), "feeds.0.url", "no spaces")


async def test_preflight_warns_only_when_elasticsearch_is_away(provisioned: Settings) -> None:
    """The worker's start-up check: no warning against the Elasticsearch this project runs (whose
    distribution answers GET / with a 405), one that names the URL when nothing answers."""
    assert await preflight(provisioned) == []
    away = provisioned.model_copy(
        update={
            "elasticsearch": provisioned.elasticsearch.model_copy(
                update={"url": "http://127.0.0.1:1"}
            )
        }
    )
    [warning] = await preflight(away)
    assert "127.0.0.1:1" in warning and "the index agent waits for it" in warning
