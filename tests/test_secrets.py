"""Secrets never reach a terminal or a log: a password or API key in the settings, or a
user:password in a URL, is absent from everything the CLI prints, at DEBUG level too.

``init`` runs against the real services (the local ones have security off and ignore the
credentials, which is all this needs); ``search`` also with Elasticsearch down, whose error names
the URL.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline_helpers import cli as run_cli

from streams.services import LocalStack
from streams.settings import Settings, load_settings, redact_url

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "pw-Zq81-never-printed"
URL_PASSWORD = "url-Kx42-never-printed"
API_KEY = "key-Vb77-never-printed"


def as_environment(settings: Settings) -> dict[str, str]:
    """The environment that gives a CLI subprocess these settings' topics, index and group."""
    es, topics = settings.elasticsearch, settings.kafka.topics
    env = {
        f"NEWSSTREAM_KAFKA__TOPICS__{name.upper()}": value
        for name, value in topics.model_dump().items()
    }
    env.update(
        {
            "NEWSSTREAM_KAFKA__PARTITIONS": str(settings.kafka.partitions),
            "NEWSSTREAM_ELASTICSEARCH__ALIAS": es.alias,
            "NEWSSTREAM_ELASTICSEARCH__INDEX_PATTERN": es.index_pattern,
            "NEWSSTREAM_ELASTICSEARCH__FIRST_INDEX": es.first_index,
            "NEWSSTREAM_WORKER__APP_ID": settings.worker.app_id,
        }
    )
    return env


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI at DEBUG, so that whatever the clients log is searched for secrets too."""
    return run_cli(*args, env={"NEWSSTREAM_LOG_LEVEL": "DEBUG", **env}, timeout=180)


def assert_no_secret(result: subprocess.CompletedProcess[str]) -> None:
    for secret in (PASSWORD, URL_PASSWORD, API_KEY):
        assert secret not in result.stdout, secret
        assert secret not in result.stderr, secret


async def test_init_and_search_never_print_credentials(
    unprovisioned_settings: Settings, services: LocalStack
) -> None:
    es_url = load_settings().elasticsearch.url
    host = es_url.split("://", 1)[1]
    env = {
        **as_environment(unprovisioned_settings),
        "NEWSSTREAM_ELASTICSEARCH__URL": f"http://elastic:{URL_PASSWORD}@{host}",
        "NEWSSTREAM_ELASTICSEARCH__USERNAME": "elastic",
        "NEWSSTREAM_ELASTICSEARCH__PASSWORD": PASSWORD,
    }
    init = cli("init", env=env)
    assert init.returncode == 0, init.stderr
    assert f"elasticsearch http://elastic:***@{host}" in init.stdout
    assert_no_secret(init)

    found = cli("search", "anything", env=env)
    assert found.returncode == 0, found.stderr
    assert_no_secret(found)

    with_key = cli("search", "anything", env={**env, "NEWSSTREAM_ELASTICSEARCH__API_KEY": API_KEY})
    assert_no_secret(with_key)

    down = {**env, "NEWSSTREAM_ELASTICSEARCH__URL": f"http://elastic:{URL_PASSWORD}@127.0.0.1:1"}
    failed = cli("search", "anything", env=down)
    assert failed.returncode == 1
    assert "http://elastic:***@127.0.0.1:1" in failed.stderr
    assert_no_secret(failed)


def test_a_wrong_url_with_credentials_is_refused_without_showing_them() -> None:
    bad = cli("status", env={"NEWSSTREAM_ELASTICSEARCH__URL": f"http://u:{URL_PASSWORD}@a b:1"})
    assert bad.returncode == 1 and "no spaces" in bad.stderr
    assert_no_secret(bad)


def test_redact_url() -> None:
    assert redact_url("https://elastic:s3cret@es:9200/x?y=1") == "https://elastic:***@es:9200/x?y=1"
    assert redact_url("http://user@es:9200") == "http://user@es:9200"
    assert redact_url("http://es:9200") == "http://es:9200"


def test_secret_settings_print_as_stars() -> None:
    settings = load_settings(elasticsearch={"password": PASSWORD, "api_key": API_KEY})
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())
    assert API_KEY not in repr(settings.elasticsearch)
