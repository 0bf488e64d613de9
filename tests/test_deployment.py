"""docker-compose.yml: the deployment agrees with the versions the project runs and tests with."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def image_version(service: str) -> str:
    return str(compose()["services"][service]["image"]).rsplit(":", 1)[1]


def test_elasticsearch_and_kibana_share_the_servers_version() -> None:
    settings = load_settings()
    assert image_version("elasticsearch") == settings.services.elasticsearch_version
    assert image_version("kibana") == settings.services.elasticsearch_version


def test_python_client_major_equals_server_major() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    client = next(d for d in deps if d.startswith("elasticsearch"))
    match = re.search(r"==(\d+)\.", client)
    assert match, client
    assert match.group(1) == load_settings().services.elasticsearch_version.split(".")[0]


def test_kafka_image_matches_the_local_broker() -> None:
    assert image_version("kafka") == load_settings().services.kafka_version


def test_every_long_running_service_has_a_healthcheck_and_restart_policy() -> None:
    services = compose()["services"]
    for name in ("kafka", "elasticsearch", "kibana"):
        assert "healthcheck" in services[name], name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["app"]["depends_on"]["setup"]["condition"] == "service_completed_successfully"


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True, check=False).returncode
    != 0,
    reason="the docker client with its compose plugin is not installed here",
)
def test_docker_compose_config_is_valid() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
