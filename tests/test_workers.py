"""Worker processes (``digest/parallel/workers.py``): forked from the fork server, gone with
their parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from digest.parallel.workers import WORKER_NICENESS, process_pool

ROOT = Path(__file__).resolve().parent.parent


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie has ended: it only waits to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:  # gone, even between two looks
        return False
    return not state.split(") ")[-1].startswith("Z")


def test_workers_run_work_and_report_errors() -> None:
    with process_pool(2) as pool:
        assert sorted(pool.map(abs, [-2, -1, 3])) == [1, 2, 3]
        failing = pool.submit(int, "not a number")
        try:
            failing.result()
        except ValueError as exc:
            assert "not a number" in str(exc)
        else:
            raise AssertionError("the worker's error was not raised here")


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A command killed with SIGKILL runs no clean-up: its workers must notice and end, or
    they (and the fork server) would live on, holding any pipe its output went to."""
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, time
            from digest.parallel.workers import process_pool, start_fork_server

            if __name__ == "__main__":
                start_fork_server()
                with process_pool(2) as pool:
                    busy = [pool.submit(time.sleep, 60) for _ in range(2)]
                    time.sleep(1)  # both workers have started and taken a task
                    # The pool's own record of its workers (private, but this is a test).
                    pids = [process.pid for process in pool._processes.values()]
                    print(" ".join(map(str, pids)), flush=True)
                    time.sleep(60)
            """
        )
    )
    with subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as parent:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived their killed parent"


def test_workers_run_at_a_lower_priority_than_their_command(tmp_path: Path) -> None:
    """The command fetches, stores and sends; its workers' batch work must not take the
    cores from it (nor the fork server's warm-up, which they inherit their priority from)."""
    script = tmp_path / "niceness.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            from digest.parallel.workers import process_pool, start_fork_server

            if __name__ == "__main__":
                start_fork_server()
                with process_pool(1) as pool:
                    print(os.nice(0), pool.submit(os.nice, 0).result())
            """
        )
    )
    answer = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    command, worker = map(int, answer.stdout.split())
    assert worker == min(19, command + WORKER_NICENESS)
