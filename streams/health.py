"""What each agent of a running process is doing, for the health endpoint and ``status``.

An agent is *running* (taking records), *waiting* (its downstream service is away: it holds its
batch and retries), or *crashed* (its actor raised: Faust would restart it with no stream, so
the process exits non-zero instead and the service manager starts a fresh one). Each agent also
says which records it holds and since when they were written, so the age of the oldest record
not yet passed on ("oldest unindexed") is known without asking Kafka.

The process is healthy while no agent has crashed, none has waited longer than
``health.max_wait`` and no held record is older than ``health.max_record_age``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from streams.settings import HealthSettings

log = logging.getLogger(__name__)


class AgentState(StrEnum):
    RUNNING = "running"
    WAITING = "waiting"  # for a service that is away; retrying
    CRASHED = "crashed"


@dataclass(slots=True)
class AgentStatus:
    state: AgentState = AgentState.RUNNING
    since: float = 0.0  # when the state began (wall clock)
    detail: str | None = None
    # write time of the oldest record each of the agent's actors holds (concurrent actors
    # share an agent's name)
    held: dict[int, float] = field(default_factory=dict)
    active_at: float = 0.0  # when an actor last started, took records or passed them on

    @property
    def oldest_held(self) -> float | None:
        return min(self.held.values()) if self.held else None


AgentFun = Callable[[Any], Awaitable[None]]


def supervised(health: AgentHealth, name: str) -> Callable[[AgentFun], AgentFun]:
    """Wrap an agent's function so that its crash is reported on the board (and so stops the
    process, see :attr:`AgentHealth.on_crash`) instead of leaving an idle restarted actor."""

    def wrap(fun: AgentFun) -> AgentFun:
        @functools.wraps(fun)
        async def agent(stream: Any) -> None:
            health.running(name)
            try:
                await fun(stream)
            except Exception as exc:  # CancelledError (a stop, a rebalance) passes through
                health.crashed(name, exc)
                raise

        return agent

    return wrap


def oldest_timestamp(events: Iterable[Any]) -> float | None:
    """The earliest Kafka timestamp (seconds) of a batch of Faust events (None if unknown)."""
    stamps = [
        e.message.timestamp
        for e in events
        if e is not None and getattr(e, "message", None) is not None and e.message.timestamp
    ]
    return min(stamps) if stamps else None


class AgentHealth:
    """The board the agents write to; read by the metrics server's thread (hence the lock)."""

    def __init__(
        self,
        settings: HealthSettings | None = None,
        registry: CollectorRegistry | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or HealthSettings()
        self.clock = clock
        self.agents: dict[str, AgentStatus] = {}
        self.on_crash: Callable[[str, BaseException], None] | None = None
        # topic -> (committed offsets summed, when they last moved or the lag was 0, lag)
        self.lags: dict[str, tuple[int, float, int]] = {}
        self.consumers: dict[str, str] = {}  # topic -> the agent that consumes it
        self._lock = threading.Lock()
        self._up: Gauge | None = None
        self._waiting: Gauge | None = None
        if registry is not None:
            self._up = Gauge(
                "newsstream_agent_up",
                "1 while the agent runs or waits for its service, 0 once it crashed",
                ["agent"],
                registry=registry,
            )
            self._waiting = Gauge(
                "newsstream_agent_waiting",
                "1 while the agent waits for a service that is away",
                ["agent"],
                registry=registry,
            )
            oldest = Gauge(
                "newsstream_oldest_unindexed_seconds",
                "Age of the oldest record an agent holds and has not passed on",
                registry=registry,
            )
            oldest.set_function(lambda: self.oldest_unindexed_age() or 0.0)
            healthy = Gauge(
                "newsstream_healthy", "1 when the health endpoint answers 200", registry=registry
            )
            healthy.set_function(lambda: 1.0 if self.report()["healthy"] else 0.0)

    def _set(self, name: str, state: AgentState, detail: str | None = None) -> AgentStatus:
        with self._lock:
            status = self.agents.setdefault(name, AgentStatus(since=self.clock()))
            if status.state != state:
                status.state, status.since = state, self.clock()
            status.detail = detail
        if self._up is not None and self._waiting is not None:
            self._up.labels(name).set(0 if state == AgentState.CRASHED else 1)
            self._waiting.labels(name).set(1 if state == AgentState.WAITING else 0)
        return status

    def running(self, name: str) -> None:
        status = self.agents.get(name)
        if status is not None and status.state == AgentState.WAITING:
            log.info("agent %s resumed after %.0fs", name, self.clock() - status.since)
        if status is None or status.state != AgentState.CRASHED:
            self._set(name, AgentState.RUNNING).active_at = self.clock()

    def waiting(self, name: str, why: str) -> None:
        self._set(name, AgentState.WAITING, why)

    def crashed(self, name: str, exc: BaseException) -> None:
        self._set(name, AgentState.CRASHED, f"{type(exc).__name__}: {exc}")
        log.critical("agent %s crashed: %s: %s", name, type(exc).__name__, exc)
        if self.on_crash is not None:
            self.on_crash(name, exc)

    def holding(self, name: str, oldest: float | None, actor: int = 0) -> None:
        """An actor of ``name`` took records, the oldest written at ``oldest``."""
        with self._lock:
            status = self.agents.setdefault(name, AgentStatus(since=self.clock()))
            status.active_at = self.clock()
            held = status.held
            if oldest is None:
                held.pop(actor, None)
            else:
                held[actor] = oldest

    def released(self, name: str, actor: int = 0) -> None:
        """The actor passed its records on (or dead-lettered them)."""
        self.holding(name, None, actor)

    def observe_lag(self, topic: str, committed: int, lag: int, agent: str | None = None) -> None:
        """A sample of the consumer group on ``topic``: its committed offsets (summed over the
        partitions) and its lag. Records waiting while nothing is committed for
        ``max_record_age`` mean the agents stopped consuming, whatever they say of themselves."""
        now = self.clock()
        with self._lock:
            previous = self.lags.get(topic)
            if previous is None or committed != previous[0] or lag == 0:
                progress_at = now
            else:
                progress_at = previous[1]
            self.lags[topic] = (committed, progress_at, lag)
            if agent is not None:
                self.consumers[topic] = agent

    def settling(self) -> None:
        """The consumer group is rebalancing or the tables recovering: no agent gets records
        meanwhile, and that idleness is not a stall."""
        now = self.clock()
        with self._lock:
            for status in self.agents.values():
                status.active_at = now

    def stalled_agents(self) -> dict[str, str]:
        """Agents that took no records for ``max_idle`` although records wait on their topic
        and nothing was committed there for as long: running, holding nothing, not waiting for
        a service. (Seen after a SIGKILLed worker's restart on a replay backlog: the replay
        agent sat idle with its lane's records unread.) Agent -> why."""
        now = self.clock()
        limit = self.settings.max_idle
        out: dict[str, str] = {}
        with self._lock:
            for topic, (_, progress_at, lag) in self.lags.items():
                agent = self.consumers.get(topic)
                status = self.agents.get(agent) if agent is not None else None
                if (
                    agent is not None
                    and status is not None
                    and status.state == AgentState.RUNNING
                    and not status.held
                    and lag > 0
                    and now - progress_at > limit
                    and now - status.active_at > limit
                ):
                    out[agent] = f"{lag} records wait on {topic} and it takes none"
        return out

    @property
    def any_crashed(self) -> bool:
        return any(s.state == AgentState.CRASHED for s in self.agents.values())

    def oldest_unindexed_age(self) -> float | None:
        with self._lock:
            held = [s.oldest_held for s in self.agents.values() if s.oldest_held is not None]
        return max(0.0, self.clock() - min(held)) if held else None

    def report(self) -> dict[str, Any]:
        """The health endpoint's answer: ``healthy``, the problems, and each agent's state."""
        now = self.clock()
        problems: list[str] = []
        agents: dict[str, dict[str, Any]] = {}
        with self._lock:
            items = sorted(self.agents.items())
        for name, s in items:
            for_s = now - s.since
            agents[name] = {
                "state": s.state.value,
                "for_seconds": round(for_s, 1),
                "detail": s.detail,
                "oldest_held_seconds": None
                if s.oldest_held is None
                else round(now - s.oldest_held, 1),
            }
            if s.state == AgentState.CRASHED:
                problems.append(f"agent {name} crashed: {s.detail}")
            elif s.state == AgentState.WAITING and for_s >= self.settings.max_wait:
                problems.append(f"agent {name} waiting for {for_s:.0f}s: {s.detail}")
        with self._lock:
            lags = sorted(self.lags.items())
        for topic, (_, progress_at, lag) in lags:
            stalled = now - progress_at
            if lag > 0 and stalled > self.settings.max_record_age:
                problems.append(
                    f"{lag} records wait on {topic}; nothing committed for {stalled:.0f}s"
                )
        age = self.oldest_unindexed_age()
        if age is not None and age > self.settings.max_record_age:
            problems.append(f"oldest record not yet indexed is {age:.0f}s old")
        return {
            "healthy": not problems,
            "problems": problems,
            "oldest_unindexed_seconds": None if age is None else round(age, 1),
            "agents": agents,
            "lag": {topic: lag for topic, (_, _, lag) in lags},
        }
