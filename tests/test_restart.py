"""A worker killed hard can be started again at once: nothing it left behind holds its ports."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pipeline_helpers import NewsstreamProcess, free_port, wait_until, write_config

from streams.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # 503 is an answer too
    except OSError:
        return False


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent has not read its status yet


def test_a_sigkilled_worker_restarts_at_once(pipeline_settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    settings = pipeline_settings.model_copy(
        update={
            "metrics": pipeline_settings.metrics.model_copy(update={"enabled": True, "port": port})
        }
    )
    config = write_config(settings, tmp_path / "settings.yaml")
    health = f"http://127.0.0.1:{port}/healthz"
    first = NewsstreamProcess(config, "worker", log=tmp_path / "first.log")
    try:
        wait_until(lambda: answers(health), 180, "the first worker's health endpoint")
        pool = children_of(first.proc.pid)
        assert pool, "the extraction pool's processes run beside the worker"
        # a hard kill of the main process only, as `docker kill` or the OOM killer does
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        killed_at = time.monotonic()
        second = NewsstreamProcess(config, "worker", log=tmp_path / "second.log")
        try:
            wait_until(lambda: answers(health), 180, "the restarted worker's health endpoint")
            restarted_in = time.monotonic() - killed_at
            # the orphaned pool processes notice and leave by themselves
            wait_until(lambda: not any(alive(p) for p in pool), 15, "the old pool to exit")
            assert second.proc.poll() is None, second.output()[-3000:]
        finally:
            code = second.stop()
    finally:
        first.stop()
    log = second.output()
    assert "Address already in use" not in log and "Traceback" not in log, log[-3000:]
    # a clean stop: nothing left unclosed, nothing logged as an error
    assert "Unclosed" not in log and " ERROR " not in log, log[-3000:]
    assert code == 0
    print(f"SIGKILLed worker: the restart answered on its metrics port {restarted_in:.1f}s later")
