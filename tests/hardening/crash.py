"""SIGKILL a `sincere` command at random moments, resume it, and compare with an uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sincere(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sincere", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def environment(cache: Path) -> dict[str, str]:
    env = {**os.environ, "SINCERE_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT / "src")}
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def finish(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    proc = sincere(args, env)
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode("utf-8", "replace")


@dataclass
class KillLog:
    """What happened to each killed attempt: (seconds after start, finished before the kill)."""

    attempts: list[tuple[float, bool]] = field(default_factory=list)
    probes: list[object] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def kills(self) -> int:
        return sum(1 for _, done in self.attempts if not done)


def kill_repeatedly(args: list[str], env: dict[str, str], kills: int, window: tuple[float, float],
                    seed: int = 0, probe=None) -> KillLog:  # type: ignore[no-untyped-def]
    """Start the command `kills` times, each killed after a random delay in `window` (seconds)."""
    rng, log = random.Random(seed), KillLog()
    for _ in range(kills):
        delay = rng.uniform(*window)
        proc = sincere(args, env)
        try:
            proc.wait(timeout=delay)
            done = True
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            if proc.returncode != 0:
                log.errors.append(f"exit {proc.returncode} before the kill: {err[-300:]}")
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            done = False
        if proc.stderr:
            proc.stderr.close()
        log.attempts.append((round(delay, 2), done))
        if probe is not None:
            log.probes.append(probe())
    return log


def cache_rows(path: Path) -> tuple[int, int, str]:
    """(rows, distinct keys, integrity) of a generation cache."""
    if not path.exists():
        return 0, 0, "absent"
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM generations").fetchone()
        return rows[0], rows[1], db.execute("PRAGMA integrity_check").fetchone()[0]


def elapsed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def rows_now(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM generations").fetchone()[0])
    except sqlite3.Error:
        return 0


def kill_at_rows(args: list[str], env: dict[str, str], cache: Path, targets: list[int], extra: float = 0.3,
                 seed: int = 0, timeout: float = 60) -> KillLog:
    """For each target, start the command and SIGKILL it once the cache holds that many rows (plus a random
    delay up to `extra` seconds), so every kill lands mid-run; `attempts` holds (rows at kill, finished)."""
    rng, log = random.Random(seed), KillLog()
    for target in targets:
        proc = sincere(args, env)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and rows_now(cache) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, extra))
        done = proc.poll() is not None
        if not done:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if done and proc.returncode != 0:
            log.errors.append(f"exit {proc.returncode} before the kill: {err[-300:]}")
        if proc.stderr:
            proc.stderr.close()
        log.attempts.append((rows_now(cache), done))
    return log
