"""Running newsstream processes against the test run's topics and index."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import faust
import yaml
from aiokafka import AIOKafkaConsumer

from streams.settings import Settings

R = TypeVar("R", bound=faust.Record)


ROOT = Path(__file__).resolve().parents[1]


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`newsstream <args>` in a subprocess, with no NEWSSTREAM_ setting of the caller's but
    ``env``; its output captured."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSTREAM_")}
    full_env.update({"PYTHONPATH": str(ROOT), "NEWSSTREAM_LOG_FORMAT": "json", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    """A TCP port nothing listens on now (for a metrics endpoint or a proxy)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(settings: Settings, path: Path) -> Path:
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False))
    return path


class NewsstreamProcess:
    """`newsstream <args>` in a subprocess, with its output in a log file."""

    def __init__(self, config: Path, *args: str, log: Path) -> None:
        self.args = args
        self.log_path = log
        env = {**os.environ, "NEWSSTREAM_CONFIG": str(config), "NEWSSTREAM_LOG_FORMAT": "text"}
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", *args],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: no draining, no commit."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self.log.close()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, and wait for a clean exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)
        self.log.close()
        return self.proc.returncode

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, every: float = 1.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def local_feeds_settings(base: Settings, feeds_file: Path) -> Settings:
    """``base`` polling the feeds of ``feeds_file`` on a local feed server: no politeness delay
    between its pages, no metrics port (tests run side by side)."""
    return base.model_copy(
        update={
            "poller": base.poller.model_copy(update={"feeds_file": feeds_file}),
            "fetch": base.fetch.model_copy(update={"politeness_delay": 0.0}),
            "metrics": base.metrics.model_copy(update={"enabled": False}),
        }
    )


async def wait_indexed(
    proc: NewsstreamProcess,
    indexed: Callable[[], Awaitable[int]],
    expected: int,
    timeout: float,
    every: float = 2.0,
) -> None:
    """Wait until ``indexed()`` reaches ``expected``; fail with the process's log when it exits
    first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while await indexed() < expected:
        assert proc.proc.poll() is None, proc.output()[-3000:]
        assert time.monotonic() < deadline, proc.output()[-3000:]
        await asyncio.sleep(every)


async def read_topic(settings: Settings, topic: str, model: type[R]) -> list[R]:
    """Every record on ``topic`` now (read from the start, no consumer group)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=3000)
        return [model.loads(m.value) for msgs in batch.values() for m in msgs]
    finally:
        await consumer.stop()
