"""A small pool of worker processes that gives each job a time budget and kills what overruns it.

``concurrent.futures.ProcessPoolExecutor`` cannot cancel a running task, so one article that
never finishes holds a pool process (and the stream behind it) for good. Here each process has a
pipe of its own and a thread in the parent that feeds it: the thread keeps the process's next job
queued in the pipe (``PREFETCH``), waits at most ``timeout`` seconds for each answer, and on
overrun kills the process and starts a fresh one, so the jobs behind it go on.

Processes are started with the "spawn" method: they inherit no file descriptors (a listening
metrics port stays the parent's alone), and each watches its parent and exits when the parent
is gone, even in the middle of a job, so a SIGKILLed worker leaves no orphans behind.

    pool = BudgetPool(init=build_state, init_arg=settings, target=run_job, timeout=30)
    pool.start()
    try:
        result = await pool.run(job)  # raises JobOverBudget or JobFailed
    finally:
        pool.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

S = TypeVar("S")  # a process's state, built once by ``init`` (e.g. the loaded pipelines)
J = TypeVar("J")  # a job, sent to a process (picklable)
R = TypeVar("R")  # a job's result, sent back (picklable)

PARENT_CHECK_SECONDS = 1.0
"""How often a pool process checks that its parent still lives."""

_READY = "ready"


class PoolBroken(RuntimeError):
    """A pool process could not start (its ``init`` failed or took too long): no job can run."""


class JobFailed(Exception):
    """The job raised, or its process died under it (a crash, the OOM killer)."""


class JobOverBudget(Exception):
    """The job ran longer than the pool's timeout; its process was killed and replaced."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"over its budget of {timeout:g} s")
        self.timeout = timeout


def _exit_with_parent(parent_pid: int) -> None:
    """In a pool process: leave as soon as the parent is gone (the job in hand is abandoned)."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(1)


def _serve(
    conn: Connection,
    parent_pid: int,
    init: Callable[[Any], Any],
    init_arg: Any,
    target: Callable[[Any, Any], Any],
) -> None:
    """A pool process's main loop: build the state, say ready, then answer jobs until told to stop
    (``None``) or the pipe closes."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    try:
        state = init(init_arg)
    except BaseException as exc:
        conn.send(("broken", f"{type(exc).__name__}: {exc}"))
        return
    conn.send((_READY, None))
    # A thread of its own drains the pipe into ``jobs``: the parent sends the next job while this
    # process sends the answer before it, and with both ends writing a large record and neither
    # reading, the two would block each other for good once the pipe's buffer is full.
    jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_receive, args=(conn, jobs), daemon=True).start()
    while True:
        job = jobs.get()
        if job is None:
            return
        try:
            answer: tuple[str, Any] = ("ok", target(state, job))
        except Exception as exc:
            answer = ("failed", f"{type(exc).__name__}: {exc}")
        conn.send(answer)


def _receive(conn: Connection, jobs: queue.SimpleQueue[Any]) -> None:
    """In a pool process: move jobs from the pipe to ``jobs`` as they come; None at the end."""
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            job = None
        jobs.put(job)
        if job is None:
            return


class _Process:
    """One pool process and the parent's end of its pipe."""

    def __init__(
        self,
        ctx: Any,
        init: Callable[[Any], Any],
        init_arg: Any,
        target: Callable[[Any, Any], Any],
        name: str,
    ) -> None:
        self.conn, child = ctx.Pipe()
        self.proc: BaseProcess = ctx.Process(
            target=_serve,
            args=(child, os.getpid(), init, init_arg, target),
            name=name,
            daemon=True,
        )
        self.proc.start()
        child.close()
        self.ready = False
        self._starting = threading.Lock()  # the feeding thread and wait_ready() may both wait

    def wait_ready(self, timeout: float) -> None:
        with self._starting:
            self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            raise PoolBroken(f"pool process not ready after {timeout:g} s")
        try:
            status, detail = self.conn.recv()
        except EOFError:
            raise PoolBroken(f"pool process exited on start ({self.proc.exitcode})") from None
        if status != _READY:
            raise PoolBroken(f"pool process failed to start: {detail}")
        self.ready = True

    def stop(self, grace: float = 2.0) -> None:
        with contextlib.suppress(OSError):  # the process is gone already
            self.conn.send(None)
        self.proc.join(grace)
        self.kill()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


PREFETCH = 2
"""Jobs a process holds at once: the one it runs and the next, queued in its pipe.

With one job at a time a process idles from its answer until the parent's thread has read it
and sent the next job; that thread needs the parent's GIL, which the worker's event loop may
hold for up to ``sys.getswitchinterval()`` (5 ms) at a time while it decodes records, builds
bulk requests and talks to Kafka: up to 5 ms lost per article, on articles that take a few ms
each on a quiet machine. With the next job already in the pipe the process goes on at once; the
budget of that job starts when the answer before it arrives."""


class _Job(Generic[J, R]):
    """A job and the future its result goes to."""

    __slots__ = ("future", "job")

    def __init__(self, job: J) -> None:
        self.job = job
        self.future: Future[R] = Future()


_STOP = object()
"""Put once per lane in the job queue by :meth:`BudgetPool.stop`."""


class _Lane:
    """One pool process and the thread that feeds it: up to ``PREFETCH`` jobs sent ahead,
    answered in order, each within ``timeout`` seconds of its start."""

    def __init__(self, pool: BudgetPool[Any, Any, Any], jobs: queue.Queue[Any], index: int) -> None:
        self.pool = pool
        self.jobs = jobs
        self.proc = pool._spawn()
        self.inflight: deque[_Job[Any, Any]] = deque()
        self.started = 0.0  # when the job at the head of ``inflight`` began to run
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, name=f"{pool.name}-{index}", daemon=True)

    def _take(self, block: bool) -> _Job[Any, Any] | None:
        """The next job from the pool's queue (waiting for one when ``block``); None when there
        is none or the pool is stopping."""
        try:
            item = self.jobs.get(block=block)
        except queue.Empty:
            return None
        if item is _STOP:
            self.jobs.put(_STOP)  # for the lanes still running
            self.stopping = True
            return None
        assert isinstance(item, _Job)
        return item

    def _serve(self) -> None:
        inflight = self.inflight
        while True:
            # keep the process fed: wait for a job only when it holds none
            while len(inflight) < PREFETCH and not self.stopping:
                job = self._take(block=not inflight)
                if job is None:
                    break
                if job.future.set_running_or_notify_cancel():
                    self._send(job)
            if self.stopping:
                self._abandon()
                return
            if not inflight:
                continue
            head = inflight[0]
            answer = self._answer(self.pool.timeout - (time.monotonic() - self.started))
            inflight.popleft()
            self.started = time.monotonic()  # the next job was in the pipe: it runs from now
            if self.stopping or self.pool._stopping.is_set():
                head.future.set_exception(PoolBroken("the pool was stopped"))
                self._abandon()
                return
            if answer is None:
                log.warning("pool process %s over budget, replacing it", self.proc.proc.pid)
                head.future.set_exception(JobOverBudget(self.pool.timeout))
                self._replace()
                continue
            status, value = answer
            if status == "ok":
                head.future.set_result(value)
            else:
                head.future.set_exception(JobFailed(value))
            if status == "died":
                self._replace()

    def _send(self, job: _Job[Any, Any]) -> None:
        """Send ``job`` to the process, once it is ready. A process that cannot start fails the
        job (PoolBroken) and is replaced for the jobs after it."""
        try:
            self.proc.wait_ready(self.pool.start_timeout)
            self.proc.conn.send(job.job)
        except (PoolBroken, OSError) as exc:
            job.future.set_exception(
                exc if isinstance(exc, PoolBroken) else PoolBroken(f"pool process gone: {exc}")
            )
            self._replace()
            return
        self.inflight.append(job)
        if len(self.inflight) == 1:
            self.started = time.monotonic()

    def _answer(self, timeout: float) -> tuple[str, Any] | None:
        """The process's next answer, or None when it gave none within ``timeout``."""
        conn = self.proc.conn
        try:
            if not conn.poll(max(0.0, timeout)):
                return None
            answer: tuple[str, Any] = conn.recv()
        except (EOFError, OSError):
            self.proc.proc.join(1)
            return ("died", f"extraction process died (exit code {self.proc.proc.exitcode})")
        return answer

    def _replace(self) -> None:
        """Kill the process and start a fresh one; the jobs it held but had not begun go to the
        fresh one, in order."""
        self.pool._discard(self.proc)
        if self.pool._stopping.is_set():
            self._abandon()
            return
        self.proc = self.pool._spawn()
        waiting = list(self.inflight)
        self.inflight.clear()
        for job in waiting:
            self._send(job)

    def _abandon(self) -> None:
        """The pool stops: the jobs held fail instead of waiting for good."""
        while self.inflight:
            self.inflight.popleft().future.set_exception(PoolBroken("the pool was stopped"))


class BudgetPool(Generic[S, J, R]):
    """``processes`` spawned processes, each holding ``init(init_arg)`` and running
    ``target(state, job)`` for one job at a time, within ``timeout`` seconds.

    ``init`` and ``target`` must be module-level functions (they are pickled to each process).
    """

    def __init__(
        self,
        *,
        init: Callable[[Any], S],
        init_arg: Any,
        target: Callable[[S, J], R],
        processes: int = 1,
        timeout: float = 30.0,
        start_timeout: float = 300.0,
        name: str = "pool",
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.init = init
        self.init_arg = init_arg
        self.target = target
        self.processes = max(1, processes)
        self.timeout = timeout
        self.start_timeout = start_timeout
        self.name = name
        self._ctx = mp.get_context("spawn")
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._stopping = threading.Event()
        self._all: list[_Process] = []
        self._lanes: list[_Lane] | None = None
        self._lock = threading.Lock()
        self._replaced = 0

    @property
    def replaced(self) -> int:
        """How many processes were killed and replaced (over budget or dead)."""
        return self._replaced

    def pids(self) -> list[int]:
        with self._lock:
            return [p.proc.pid for p in self._all if p.proc.pid is not None]

    def _spawn(self) -> _Process:
        proc = _Process(self._ctx, self.init, self.init_arg, self.target, self.name)
        with self._lock:
            self._all.append(proc)
        return proc

    def _discard(self, proc: _Process) -> None:
        proc.kill()
        with self._lock:
            if proc in self._all:  # not cleared by stop() meanwhile
                self._all.remove(proc)
            self._replaced += 1

    def start(self) -> None:
        """Start the processes now (each builds its state while the caller gets on with its own
        start-up); idempotent."""
        with self._lock:
            if self._lanes is not None:
                return
            self._lanes = []
            self._jobs = queue.Queue()
            self._stopping.clear()
        for i in range(self.processes):
            lane = _Lane(self, self._jobs, i)
            self._lanes.append(lane)
            lane.thread.start()

    def wait_ready(self) -> None:
        """Block until every process has built its state (benchmarks, tests)."""
        self.start()
        assert self._lanes is not None
        for lane in self._lanes:
            lane.proc.wait_ready(self.start_timeout)

    def stop(self) -> None:
        """Stop every process (a job in hand is abandoned) and the threads that feed them."""
        with self._lock:
            lanes, self._lanes = self._lanes, None
            procs = list(self._all)
        if lanes is None:
            return
        self._stopping.set()
        self._jobs.put(_STOP)
        for proc in procs:
            proc.stop()
        for lane in lanes:
            lane.thread.join(10)
        with self._lock:
            self._all.clear()
        # jobs never taken fail instead of waiting for good
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Job) and item.future.set_running_or_notify_cancel():
                item.future.set_exception(PoolBroken("the pool was stopped"))

    def submit(self, job: J) -> Future[R]:
        """Queue ``job`` for the next free process; its future holds the result, or raises
        JobOverBudget, JobFailed or PoolBroken."""
        self.start()
        item: _Job[J, R] = _Job(job)
        self._jobs.put(item)
        return item.future

    async def run(self, job: J) -> R:
        """``target(state, job)`` in a pool process; raises JobOverBudget, JobFailed or
        PoolBroken. Jobs beyond the number of processes wait their turn."""
        return await asyncio.wrap_future(self.submit(job))
