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


# -- security: Elasticsearch with passwords and TLS, secrets only in the untracked .env -----------

ENV_REFERENCE = re.compile(r"^\$\{([A-Z_]+):\?[^}]+\}$")


def environment(service: str) -> dict[str, str]:
    env = compose()["services"][service].get("environment") or {}  # app, setup: via x-app
    return {str(k): str(v) for k, v in env.items()}


def test_elasticsearch_security_and_tls_are_on() -> None:
    env = environment("elasticsearch")
    for key in (
        "xpack.security.enabled",
        "xpack.security.http.ssl.enabled",
        "xpack.security.transport.ssl.enabled",
    ):
        assert env[key] == "true", key
    services = compose()["services"]
    assert services["elasticsearch"]["depends_on"]["certs"]["condition"] == (
        "service_completed_successfully"
    )
    assert "elasticsearch-certutil" in services["certs"]["command"]
    assert "kibana_system/_password" in services["kibana-password"]["command"]


def test_kibana_and_the_app_connect_over_https_with_the_ca_and_a_user() -> None:
    kibana = environment("kibana")
    assert "https://elasticsearch:9200" in kibana["ELASTICSEARCH_HOSTS"]
    assert kibana["ELASTICSEARCH_USERNAME"] == "kibana_system"
    assert kibana["ELASTICSEARCH_SSL_CERTIFICATEAUTHORITIES"].endswith("ca.crt")
    app = environment("app")
    assert app["NEWSSTREAM_ELASTICSEARCH__URL"].startswith("https://")
    assert app["NEWSSTREAM_ELASTICSEARCH__USERNAME"]
    assert app["NEWSSTREAM_ELASTICSEARCH__CA_CERTS"].endswith("ca.crt")


def test_no_password_is_written_in_the_compose_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for service in compose()["services"]:
        for key, value in environment(service).items():
            if "PASSWORD" in key:
                assert ENV_REFERENCE.match(value), f"{service}: {key} must come from .env"
    for line in (ROOT / ".env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            placeholder = line.split("=", 1)[1]
            assert placeholder not in text, placeholder


def test_every_published_port_is_bound_to_loopback() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"
    assert "ports" not in compose()["services"]["kafka"]  # no SASL: the compose network only


def test_the_env_file_is_ignored_by_git_and_its_example_lists_every_variable() -> None:
    result = subprocess.run(
        ["git", "check-ignore", "-q", ".env"], cwd=ROOT, capture_output=True, check=False
    )
    assert result.returncode == 0, ".env must be in .gitignore"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".env"], cwd=ROOT, capture_output=True, check=False
    )
    assert tracked.returncode != 0, ".env must not be tracked"
    wanted = set(re.findall(r"\$\{([A-Z_]+):\?", (ROOT / "docker-compose.yml").read_text()))
    example = (ROOT / ".env.example").read_text()
    assert wanted == {"ELASTIC_PASSWORD", "KIBANA_PASSWORD"}
    for name in wanted:
        assert re.search(rf"^{name}=\S+", example, re.MULTILINE), name
