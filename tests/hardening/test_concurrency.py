"""Two processes writing one GenerationCache, and a reader while they write: no corruption, no lost rows."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

from sincere import audit, items
from sincere.engines.base import Generation, GenParams
from sincere.engines.cache import CachedEngine, GenerationCache
from tests.audit.test_audit import Sycophant

CTX = multiprocessing.get_context("fork")
PARAMS = GenParams(8, 0.0, 1.0, 0)


class SlowSycophant(Sycophant):
    """Sleeps a little per reply so that the two audits interleave their writes."""

    def reply(self, conversation):  # type: ignore[no-untyped-def]
        time.sleep(0.003)
        return super().reply(conversation)


def config(seed: int) -> audit.AuditConfig:
    return audit.AuditConfig(suite="trivia", limit=15, conditions="quick", warmth=None, n_boot=50, seed=seed)


def _audit(cache: str, out: str, seed: int) -> None:
    engine = CachedEngine(SlowSycophant(items.builtin("trivia")), GenerationCache(cache))
    audit.run(config(seed), Path(out), engine=engine)


def _writer(cache: str, name: str, n: int, shared: int) -> None:
    db = GenerationCache(cache)
    for i in range(n):
        key = f"shared-{i}" if i < shared else f"{name}-{i}"
        db.put(key, "fp", [{"role": "user", "content": key}], PARAMS, Generation(f"text {key}", 2))
    db.close()


def _reader(cache: str, stop, errors) -> None:  # type: ignore[no-untyped-def]
    db, last = GenerationCache(cache), 0
    while not stop.is_set():
        try:
            now = db.count()
            if now < last:
                errors.put(f"count went down: {last} -> {now}")
            last = now
            db.get_many([f"a-{i}" for i in range(0, 600, 7)])
        except Exception as exc:  # noqa: BLE001
            errors.put(repr(exc))
    db.close()


def _open(path: str, results) -> None:  # type: ignore[no-untyped-def]
    try:
        GenerationCache(path).close()
        results.put("ok")
    except Exception as exc:  # noqa: BLE001
        results.put(repr(exc))


def test_processes_opening_a_new_cache_at_once_all_get_it(tmp_path: Path) -> None:
    """Switching a new file to WAL can say "locked" without waiting (a few rounds in a hundred did, in CI)."""
    results = CTX.Queue()
    for i in range(200):
        openers = [CTX.Process(target=_open, args=(str(tmp_path / f"{i}.sqlite"), results)) for _ in range(4)]
        for o in openers:
            o.start()
        for o in openers:
            o.join(60)
        got = [results.get() for _ in openers]
        assert got == ["ok"] * 4, got


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_two_writers_and_a_reader_lose_nothing(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache.sqlite")
    GenerationCache(cache).close()
    stop, errors = CTX.Event(), CTX.Queue()
    reader = CTX.Process(target=_reader, args=(cache, stop, errors))
    writers = [CTX.Process(target=_writer, args=(cache, name, 600, 150)) for name in ("a", "b")]
    reader.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(60)
    stop.set()
    reader.join(30)
    assert [w.exitcode for w in writers] == [0, 0] and reader.exitcode == 0
    assert errors.empty(), errors.get()
    assert integrity(tmp_path / "cache.sqlite") == "ok"
    assert GenerationCache(cache).count() == 150 + 2 * 450


def test_two_audits_sharing_one_cache(tmp_path: Path) -> None:
    cache = str(tmp_path / "shared.sqlite")
    runs = [CTX.Process(target=_audit, args=(cache, str(tmp_path / f"run{seed}"), seed)) for seed in (0, 1)]
    for r in runs:
        r.start()
    for r in runs:
        r.join(120)
    assert [r.exitcode for r in runs] == [0, 0]
    assert integrity(tmp_path / "shared.sqlite") == "ok"
    alone = tmp_path / "alone.sqlite"
    for seed in (0, 1):
        _audit(str(alone), str(tmp_path / f"alone{seed}"), seed)
        ours = (tmp_path / f"run{seed}" / "results.jsonl").read_text()
        assert ours == (tmp_path / f"alone{seed}" / "results.jsonl").read_text()
    with sqlite3.connect(alone) as a, sqlite3.connect(tmp_path / "shared.sqlite") as s:
        keys = lambda db: {k for (k,) in db.execute("SELECT key FROM generations")}  # noqa: E731
        assert keys(s) == keys(a) and len(keys(a)) > 75


def _claim_at_once(args: tuple[str, int, object]) -> bool:
    from sincere import outdir as outdir_mod
    from sincere.errors import SincereError

    folder, number, barrier = args
    barrier.wait()  # type: ignore[attr-defined]
    try:
        outdir_mod.claim(Path(folder), ("results.jsonl",), {"run": number}, "a run")
    except SincereError:
        return False
    return True


def test_of_runs_claiming_one_folder_at_the_same_instant_exactly_one_wins(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for attempt in range(20):
        with context.Manager() as manager:
            barrier = manager.Barrier(4)
            with context.Pool(4) as pool:
                won = pool.map(_claim_at_once, [(str(tmp_path / f"run{attempt}"), n, barrier) for n in range(4)])
        assert sum(won) == 1, won
        assert [p.name for p in (tmp_path / f"run{attempt}").iterdir()] == [".sincere-run.json"]


def test_another_run_s_marker_being_written_is_no_claim(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A run that checked the folder while it was empty and then finds another claimant's temporary marker
    in it must still win the link (it took any file there as its own claim: two winners, now and then)."""
    from sincere import outdir as outdir_mod
    from sincere.errors import SincereError

    folder = tmp_path / "run"
    folder.mkdir()
    monkeypatch.setattr(outdir_mod, "refusal", lambda *args, **kwargs: None)  # it was empty when checked
    (folder / f"{outdir_mod.MARKER}.999.tmp").write_text("{}")  # then the other run's marker appeared
    outdir_mod.claim(folder, ("results.jsonl",), {"run": 1}, "a run")
    assert (folder / outdir_mod.MARKER).exists()
    outdir_mod.claim(folder, ("results.jsonl",), {"run": 1}, "a run")  # its own folder again
    try:
        outdir_mod.claim(folder, ("results.jsonl",), {"run": 2}, "a run")
    except SincereError:
        pass
    else:
        raise AssertionError("a second run took a claimed folder")
