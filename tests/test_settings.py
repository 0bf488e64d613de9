from __future__ import annotations

import re
from pathlib import Path

import pytest

from streams.settings import load_settings


def test_defaults_come_from_config_dir() -> None:
    settings = load_settings()
    assert settings.kafka.topics.entries == "news.entries"
    assert settings.services.elasticsearch_version.startswith("9.")


def test_environment_overrides_nested_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSSTREAM_KAFKA__PARTITIONS", "3")
    monkeypatch.setenv("NEWSSTREAM_ELASTICSEARCH__ALIAS", "articles")
    settings = load_settings()
    assert settings.kafka.partitions == 3
    assert settings.elasticsearch.alias == "articles"


def test_config_file_overrides_defaults_and_env_overrides_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("kafka:\n  partitions: 12\nelasticsearch:\n  alias: site\n")
    monkeypatch.setenv("NEWSSTREAM_ELASTICSEARCH__ALIAS", "from-env")
    settings = load_settings(path)
    assert settings.kafka.partitions == 12
    assert settings.elasticsearch.alias == "from-env"
    # a later load without the file is back to the defaults
    monkeypatch.delenv("NEWSSTREAM_ELASTICSEARCH__ALIAS")
    assert load_settings().kafka.partitions == 8


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_settings(tmp_path / "nope.yaml")


def test_invalid_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSSTREAM_KAFKA__PARTITIONS", "0")
    with pytest.raises(ValueError):
        load_settings()


def test_namespaced_settings_share_servers_but_not_topics_index_or_group() -> None:
    from streams.settings import namespaced

    base = load_settings()
    ns = namespaced(base, "blue", partitions=2)
    assert ns.kafka.bootstrap_servers == base.kafka.bootstrap_servers
    assert ns.kafka.topics.entries == "blue.news.entries"
    assert ns.kafka.partitions == 2
    assert ns.elasticsearch.alias == "blue-news"
    assert ns.elasticsearch.first_index.startswith("blue-")
    assert ns.worker.app_id != base.worker.app_id
    assert base.kafka.topics.entries == "news.entries"  # the original is untouched


def test_wrong_values_are_refused_with_the_field_and_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streams.errors import ConfigError

    for variable, value, said in [
        ("NEWSSTREAM_METRICS__PORT", "99999", "metrics.port (NEWSSTREAM_METRICS__PORT)"),
        ("NEWSSTREAM_POLLER__MIN_INTERVAL", "-5", "poller.min_interval"),
        ("NEWSSTREAM_KIBANA__URL", "kibana:5601", "http:// or https://"),
        ("NEWSSTREAM_SERVICES__HOST", "0.0.0.0", "loopback only"),
        ("NEWSSTREAM_KAFKA__BOOTSTRAP_SERVERS", "kafka", "host:port"),
    ]:
        monkeypatch.setenv(variable, value)
        with pytest.raises(ConfigError, match=re.escape(said)) as caught:
            load_settings()
        assert "\n" not in str(caught.value)
        monkeypatch.delenv(variable)


def test_malformed_yaml_names_the_file_and_the_line(tmp_path: Path) -> None:
    from streams.errors import ConfigError

    path = tmp_path / "site.yaml"
    path.write_text("kafka:\n  partitions: [1\n")
    with pytest.raises(ConfigError, match=r"site\.yaml is not valid YAML at line 3"):
        load_settings(path)
