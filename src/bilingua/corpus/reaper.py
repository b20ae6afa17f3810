"""Ends the local Ray instance a batch job started, when the job's process dies without ending it.

Ray ends its own processes when the driver exits or is stopped; a driver killed with ``kill -9`` takes
Ray's raylet and GCS with it, but its dashboard and runtime-env agents then wait forever for a GCS that
is gone. So, after starting a local instance, the driver starts this small watcher in a session of its
own: it checks every half second that the driver is alive, and when it is not, kills the processes the
instance was made of (each known by its pid and start time, so a reused pid is never killed). Linux
only (``/proc``); elsewhere nothing is watched.

    python -m bilingua.corpus.reaper DRIVER_PID PID:START [PID:START ...]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["watch_instance", "descendants"]

_PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time in clock ticks) of a live process; ``None`` when it is gone."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[19])  # ppid, starttime (fields 4 and 22 of proc(5))


def descendants(pid: int) -> list[tuple[int, int]]:
    """Every live process below ``pid``, as (pid, start time); none where there is no ``/proc``."""
    if not _PROC.is_dir():
        return []
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            children.setdefault(found[0], []).append((int(entry.name), found[1]))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child[0])
    return out


def watch_instance(before: list[tuple[int, int]]) -> None:
    """Start the watcher for the processes below this one that were not there ``before`` (what
    :func:`descendants` gave before the instance started): the local Ray instance's."""
    if not _PROC.is_dir():
        return
    pids = [f"{pid}:{start}" for pid, start in descendants(os.getpid()) if (pid, start) not in set(before)]
    if pids:
        subprocess.Popen([sys.executable, "-m", "bilingua.corpus.reaper", str(os.getpid()), *pids],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)


def _reap(driver: int, processes: list[tuple[int, int]], every: float = 0.5) -> None:
    while _stat(driver) is not None:
        if all(_stat(pid) is None for pid, _ in processes):
            return  # the instance ended with its driver alive (ray.shutdown): nothing left to watch
        time.sleep(every)
    for pid, start in processes:
        found = _stat(pid)
        if found is not None and found[1] == start:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


if __name__ == "__main__":
    _reap(int(sys.argv[1]), [(int(p), int(s)) for p, s in (a.split(":") for a in sys.argv[2:])])
