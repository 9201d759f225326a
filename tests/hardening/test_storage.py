"""A full disk (here a file-size limit: writes fail with EFBIG, as with ENOSPC): one line, exit 2, nothing lost."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

from tests.hardening import crash
from tests.hardening.helpers import without_progress


def _limited(limit: int):  # noqa: ANN202
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_data_audit_on_a_full_disk_fails_in_one_line_and_resumes(tmp_path: Path) -> None:
    source = tmp_path / "chats.jsonl"
    chat = {"messages": [{"role": "user", "content": "Is Sydney the capital?"},
                         {"role": "assistant", "content": "No, Canberra is."}]}
    source.write_text("".join(json.dumps(chat) + "\n" for _ in range(3000)))
    before = source.read_bytes()
    args = ["data", "audit", str(source), "--warmth-model", "none", "--embedding-model", "none",
            "--out", str(tmp_path / "audit")]
    env = crash.environment(tmp_path / "cache.sqlite")
    result = subprocess.run([sys.executable, "-m", "sincere", *args], cwd=crash.ROOT, env=env, capture_output=True,
                            text=True, timeout=120, preexec_fn=_limited(200_000))
    assert result.returncode == 2, result.stderr[-500:]
    error = without_progress(result.stderr)  # the phases' progress lines aside, one line
    assert "Traceback" not in result.stderr and error.strip().count("\n") == 0
    assert "File too large" in result.stderr and "rerun" in result.stderr
    assert source.read_bytes() == before
    assert not (tmp_path / "audit" / "summary.json").exists()  # nothing passed off as complete
    assert [p.name for p in (tmp_path / "audit").iterdir() if p.suffix == ".tmp" or "partial" in p.name] == []
    code, err = crash.finish(args, env)  # space again: the same command completes in the same folder
    assert code == 0, err
    assert json.loads((tmp_path / "audit" / "summary.json").read_text())["n_examples"] == 3000
