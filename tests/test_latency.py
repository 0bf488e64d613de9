"""Issue 14: every stage flushes on size or on one short deadline, the pool keeps its processes
fed, and the live index refreshes on the interval the settings choose.

No assertion here is about time: the benchmark (bench/pipeline.py) prints the figures.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from agents.pool import PREFETCH, BudgetPool, JobFailed, JobOverBudget
from streams.app import PRODUCER_LINGER_MAX, create_app, producer_linger
from streams.connections import elasticsearch_client
from streams.provision import ProvisionReport, install_index, refresh_interval
from streams.settings import AnswerKind, Settings, WorkerSettings, load_settings


def start_state(arg: str) -> str:
    return arg


def echo(state: str, job: str) -> str:
    """A pool target: 'stuck' never returns, 'boom' raises, anything else comes back tagged."""
    if job == "stuck":
        while True:
            time.sleep(60)
    if job == "boom":
        raise ValueError("boom")
    return f"{state}:{job}"


def small_pool(timeout: float = 30.0) -> BudgetPool[str, str, str]:
    return BudgetPool(init=start_state, init_arg="s", target=echo, timeout=timeout, name="test")


def test_one_deadline_replaces_the_batch_windows() -> None:
    worker = load_settings().worker
    assert worker.batch_deadline == WorkerSettings().batch_deadline
    assert not hasattr(worker, "enrich_within") and not hasattr(worker, "index_within")
    # the producer never holds a record longer than a stage's deadline
    assert producer_linger(worker.batch_deadline) <= worker.batch_deadline
    assert producer_linger(0.001) == 0.001
    assert producer_linger(10.0) == PRODUCER_LINGER_MAX


def test_the_app_producer_lingers_as_the_deadline_allows() -> None:
    settings = load_settings(worker={"batch_deadline": 0.002})
    app, _ = create_app(settings)
    assert app.conf.producer_linger == pytest.approx(0.002)


def test_refresh_interval_is_spelled_in_milliseconds() -> None:
    assert refresh_interval(0.25) == "250ms"
    assert refresh_interval(1) == "1000ms"
    assert refresh_interval(0.0001) == "1ms"


async def test_a_lone_job_is_answered_without_a_batch_around_it() -> None:
    """One job, nothing else queued: it is answered (no batch to fill, no timer to wait for)."""
    pool = small_pool()
    try:
        assert await pool.run("only") == "s:only"
    finally:
        pool.stop()


async def test_jobs_queued_ahead_are_answered_in_order() -> None:
    """More jobs than the process holds at once (PREFETCH): every one answered, each its own."""
    pool = small_pool()
    try:
        jobs = [f"j{i}" for i in range(4 * PREFETCH + 1)]
        answers = await asyncio.gather(*(pool.run(j) for j in jobs))
    finally:
        pool.stop()
    assert answers == [f"s:{j}" for j in jobs]


async def test_large_jobs_and_answers_pass_each_other_in_the_pipe() -> None:
    """The parent sends the next job while the process sends the answer before it; with both
    larger than a pipe's buffer (64 KiB on Linux) neither may wait for the other to read."""
    pool = small_pool(timeout=20.0)
    try:
        jobs = [f"{i}" + "x" * 1_000_000 for i in range(3 * PREFETCH)]
        # a deadlock shows as no answer at all: the bound is generous, not a speed target
        answers = await asyncio.wait_for(asyncio.gather(*(pool.run(j) for j in jobs)), 120)
    finally:
        pool.stop()
    assert answers == [f"s:{j}" for j in jobs]
    assert pool.replaced == 0


async def test_a_failing_job_fails_alone() -> None:
    pool = small_pool()
    try:
        results = await asyncio.gather(
            pool.run("a"), pool.run("boom"), pool.run("b"), return_exceptions=True
        )
    finally:
        pool.stop()
    assert results[0] == "s:a" and results[2] == "s:b"
    assert isinstance(results[1], JobFailed) and "boom" in str(results[1])
    assert pool.replaced == 0


@pytest.mark.slow
async def test_the_job_queued_behind_an_overrun_goes_to_the_fresh_process() -> None:
    """'after' sat in the pipe of the process that 'stuck' held: the fresh process answers it."""
    pool = small_pool(timeout=2.0)
    try:
        pool.start()
        (before,) = pool.pids()
        results = await asyncio.gather(pool.run("stuck"), pool.run("after"), return_exceptions=True)
        (after,) = pool.pids()
    finally:
        pool.stop()
    assert isinstance(results[0], JobOverBudget)
    assert results[1] == "s:after"
    assert pool.replaced == 1 and after != before


async def test_init_sets_the_refresh_interval_of_the_live_index(provisioned: Settings) -> None:
    """The templates carry it for new indices, and a second init changes existing ones: the
    articles' index and the claims' and figures' indices alike."""
    es_settings = provisioned.elasticsearch
    changed = provisioned.model_copy(
        update={"elasticsearch": es_settings.model_copy(update={"refresh_interval": 0.5})}
    )
    aliases = [es_settings.alias, *(es_settings.answers_alias(k) for k in AnswerKind)]
    es = elasticsearch_client(es_settings)

    async def intervals() -> set[str]:
        found = await es.indices.get_settings(
            index=",".join(aliases), name="index.refresh_interval"
        )
        return {s["settings"]["index"]["refresh_interval"] for s in found.values()}

    try:
        await install_index(changed, ProvisionReport())
        assert await intervals() == {"500ms"}
        await install_index(provisioned, ProvisionReport())
        assert await intervals() == {"250ms"}
    finally:
        await es.close()
