"""The same command in two processes (torchrun on CPU, gloo): one run folder, written once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ENTRY = "from sincere.cli.main import main; main()"


@pytest.mark.skipif(shutil.which("torchrun", path=str(Path(sys.executable).parent)) is None, reason="no torchrun")
def test_two_cpu_processes(tiny_model: Path, tmp_path: Path) -> None:
    script = tmp_path / "cli.py"
    script.write_text(ENTRY)
    torchrun = str(Path(sys.executable).parent / "torchrun")
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}  # two CPU processes, also on GPU hosts
    result = subprocess.run(
        [torchrun, "--nproc_per_node", "2", "--master_port", "29561", str(script), "train", "sft",
         "--model", str(tiny_model), "--data", "builtin:corpus", "--data-limit", "8", "--max-steps", "2",
         "--batch-size", "2", "--max-length", "64", "--monitor-every", "1", "--probe-items", "2",
         "--probe-max-new-tokens", "4", "--warmth", "none", "--grader", "lexical", "--out", str(out)],
        capture_output=True, text=True, timeout=240, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 2 and [r["step"] for r in summary["monitor"]] == [0, 1, 2]
    assert len((out / "monitor.csv").read_text().splitlines()) == 4  # header + 3 rows, written by rank 0 only
    assert result.stdout.count("sft: 2 steps") == 1  # one summary, printed by rank 0
