"""Fixtures shared by the test suite.

Integration tests use the real Kafka and Elasticsearch that ``newsstream services up`` runs:
the ``services`` fixture starts them once per session (reusing servers that are already up) and
stops, at the end, only what it started. Each test run gets topic names, an index alias and a
Faust app id of its own, so reruns never see an earlier run's records.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from streams.services import LocalStack
from streams.settings import Settings, load_settings, namespaced

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
EVAL_DEV_DIR = SHARED_DIR / "eval" / "dev"


def isolated_settings(run_id: str) -> Settings:
    """Settings whose topics, index and consumer groups belong to one test run only."""
    return namespaced(load_settings(), f"test-{run_id}", partitions=4)


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def services() -> Iterator[LocalStack]:
    """The real Kafka and Elasticsearch, up for the whole session."""
    stack = LocalStack(load_settings().services)
    started = stack.up()
    yield stack
    for svc in stack.services:
        if svc.name in started:
            svc.stop()


@pytest.fixture(scope="session")
def settings(services: LocalStack, run_id: str) -> Settings:
    return isolated_settings(run_id)


@pytest.fixture
async def unprovisioned_settings(services: LocalStack) -> AsyncIterator[Settings]:
    """Settings of one test alone whose topics and index nothing has created yet."""
    from streams.provision import drop_index, drop_topics

    settings = isolated_settings(uuid.uuid4().hex[:8])
    yield settings
    await drop_index(settings)
    await drop_topics(settings)


async def _provisioned(settings: Settings) -> AsyncIterator[Settings]:
    from streams.provision import drop_index, drop_topics, provision

    await provision(settings)
    yield settings
    await drop_index(settings)
    await drop_topics(settings)


@pytest.fixture(scope="session")
async def provisioned(settings: Settings) -> AsyncIterator[Settings]:
    """Topics and index template of this run, created by the same code as `newsstream init`."""
    async for value in _provisioned(settings):
        yield value


@pytest.fixture
async def pipeline_settings(services: LocalStack) -> AsyncIterator[Settings]:
    """Topics, index and consumer group of one test alone (for tests that count documents)."""
    async for value in _provisioned(isolated_settings(uuid.uuid4().hex[:8])):
        yield value
