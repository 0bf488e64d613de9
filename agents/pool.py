"""A small pool of worker processes that gives each job a time budget and kills what overruns it.

``concurrent.futures.ProcessPoolExecutor`` cannot cancel a running task, so one article that
never finishes holds a pool process (and the stream behind it) for good. Here each process has a
pipe of its own: the parent sends one job, waits at most ``timeout`` seconds for the answer, and
on overrun kills the process and starts a fresh one, so the jobs behind it go on.

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            answer: tuple[str, Any] = ("ok", target(state, job))
        except Exception as exc:
            answer = ("failed", f"{type(exc).__name__}: {exc}")
        conn.send(answer)


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

    def wait_ready(self, timeout: float) -> None:
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

    def call(self, job: Any, timeout: float) -> tuple[str, Any] | None:
        """The process's answer to ``job``, or None when it gave none within ``timeout``."""
        self.conn.send(job)
        if not self.conn.poll(timeout):
            return None
        try:
            answer: tuple[str, Any] = self.conn.recv()
        except EOFError:
            self.proc.join(1)
            return ("died", f"extraction process died (exit code {self.proc.exitcode})")
        return answer

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
        self._idle: queue.Queue[_Process] = queue.Queue()
        self._all: list[_Process] = []
        self._threads: ThreadPoolExecutor | None = None
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
            self._all.remove(proc)
            self._replaced += 1

    def start(self) -> None:
        """Start the processes now (each builds its state while the caller gets on with its own
        start-up); idempotent."""
        with self._lock:
            if self._threads is not None:
                return
            # one thread per process: a thread waits on its process's pipe, off the event loop
            self._threads = ThreadPoolExecutor(self.processes, thread_name_prefix=self.name)
        for _ in range(self.processes):
            self._idle.put(self._spawn())

    def wait_ready(self) -> None:
        """Block until every process has built its state (benchmarks, tests)."""
        procs = [self._idle.get() for _ in range(self.processes)]
        try:
            for proc in procs:
                proc.wait_ready(self.start_timeout)
        finally:
            for proc in procs:
                self._idle.put(proc)

    def stop(self) -> None:
        """Stop every process (a job in hand is abandoned) and the threads that wait on them."""
        with self._lock:
            threads, self._threads = self._threads, None
            procs = list(self._all)
        if threads is None:
            return
        for proc in procs:
            proc.stop()
        threads.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._all.clear()
        self._idle = queue.Queue()

    def _run_sync(self, job: J) -> R:
        proc = self._idle.get()  # never waits long: there are as many threads as processes
        replace = False
        try:
            try:
                proc.wait_ready(self.start_timeout)
                answer = proc.call(job, self.timeout)
            except (PoolBroken, OSError):
                replace = True
                raise
            if answer is None:
                log.warning("pool process %s over budget, replacing it", proc.proc.pid)
                replace = True
                raise JobOverBudget(self.timeout)
            status, value = answer
            if status == "died":
                replace = True
            if status != "ok":
                raise JobFailed(value)
            result: R = value
            return result
        finally:
            self._release(proc, replace)

    def _release(self, proc: _Process, replace: bool) -> None:
        """Put ``proc`` back in the idle queue, or kill it and put a fresh process there."""
        with self._lock:
            stopping = self._threads is None
        if replace:
            self._discard(proc)
            if stopping:
                return
            proc = self._spawn()
        if not stopping:
            self._idle.put(proc)

    async def run(self, job: J) -> R:
        """``target(state, job)`` in a pool process; raises JobOverBudget, JobFailed or
        PoolBroken. Jobs beyond the number of processes wait their turn."""
        self.start()
        assert self._threads is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._run_sync, job)
