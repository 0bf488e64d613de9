"""`newsstream services up | status | down` on a stack of its own (own home, own ports).

Downloads are shared with the main stack through the Maven repository, so this costs two server
starts, not two downloads.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from streams.services import LocalStack
from streams.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def newsstream(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )


def test_up_twice_status_down_leaves_nothing_running(tmp_path: Path, services: LocalStack) -> None:
    main = load_settings().services
    env = {
        **os.environ,
        "NEWSSTREAM_SERVICES__HOME": str(tmp_path / "home"),
        "NEWSSTREAM_SERVICES__MAVEN_REPO": str(main.resolved_maven_repo()),
        "NEWSSTREAM_SERVICES__KAFKA_PORT": str(free_port()),
        "NEWSSTREAM_SERVICES__KAFKA_CONTROLLER_PORT": str(free_port()),
        "NEWSSTREAM_SERVICES__ELASTICSEARCH_PORT": str(free_port()),
        "NEWSSTREAM_SERVICES__ELASTICSEARCH_TRANSPORT_PORT": str(free_port()),
        "NEWSSTREAM_SERVICES__KAFKA_HEAP": "256m",
        "NEWSSTREAM_SERVICES__ELASTICSEARCH_HEAP": "512m",
    }
    first = newsstream(env, "services", "up")
    try:
        assert first.returncode == 0, first.stderr
        assert first.stdout.count("started") >= 2
        assert "data " in first.stdout and "log " in first.stdout

        second = newsstream(env, "services", "up")
        assert second.returncode == 0, second.stderr
        assert second.stdout.count("already running") == 2

        status = newsstream(env, "services", "status")
        assert status.returncode == 0
        assert status.stdout.count("healthy") == 2
        pid_files = list((tmp_path / "home").glob("*/*.pid"))
        pids = [int(p.read_text()) for p in pid_files]
        assert len(pids) == 2
    finally:
        down = newsstream(env, "services", "down")
    assert down.returncode == 0
    assert "kafka" in down.stdout and "elasticsearch" in down.stdout
    for pid in pids:
        assert (
            not Path(f"/proc/{pid}").exists()
            or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
        )
    assert not list((tmp_path / "home").glob("*/*.pid"))
    after = newsstream(env, "services", "status")
    assert after.returncode == 3
    assert after.stdout.count("stopped") == 2
    # the main stack was not touched
    assert all(st.healthy for st in services.status())


def test_a_start_failure_prints_the_cause_from_the_service_log(
    tmp_path: Path, services: LocalStack
) -> None:
    main = load_settings().services
    busy_port = main.kafka_port  # the main stack's broker holds it
    env = {
        **os.environ,
        "NEWSSTREAM_SERVICES__HOME": str(tmp_path / "home"),
        "NEWSSTREAM_SERVICES__MAVEN_REPO": str(main.resolved_maven_repo()),
        "NEWSSTREAM_SERVICES__KAFKA_PORT": str(free_port()),
        "NEWSSTREAM_SERVICES__KAFKA_CONTROLLER_PORT": str(busy_port),
        "NEWSSTREAM_SERVICES__KAFKA_HEAP": "256m",
        "NEWSSTREAM_SERVICES__ELASTICSEARCH_PORT": str(free_port()),
        "NEWSSTREAM_SERVICES__START_TIMEOUT": "60",
    }
    result = newsstream(env, "services", "up")
    try:
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert "error: kafka" in result.stderr
        assert "from its log:" in result.stderr
        assert "Address already in use" in result.stderr or "BindException" in result.stderr
    finally:
        newsstream(env, "services", "down")
