"""An audit's summary in TensorBoard, MLflow and W&B (issue 20, item 5), read back from their local
stores: TensorBoard event files, MLflow's file store, and W&B's offline run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sincere import trackers
from sincere.errors import SincereError


@pytest.fixture(scope="module")
def run(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tracked")
    env = {**os.environ, "SINCERE_CACHE": str(folder / "cache.sqlite"), "WANDB_MODE": "offline",
           "WANDB_SILENT": "true"}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run([sys.executable, "-m", "sincere", "audit", "--model", str(tiny_model), "--suite", "trivia",
                             "--limit", "4", "--conditions", "unmodified,sad+incorrect", "--max-new-tokens", "6",
                             "--warmth", "none", "--out", str(folder / "run"), "--report-to",
                             "tensorboard,mlflow,wandb"], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "sent the summary to tensorboard" in result.stderr and "sent the summary to wandb" in result.stderr
    return folder / "run"


def expected(run: Path) -> dict[str, float]:
    return trackers.metrics(json.loads((run / "summary.json").read_text()))


def test_tensorboard_holds_every_rate(run: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    want = expected(run)
    assert "coverage/sad+incorrect" in want and "coverage_low/unmodified" in want
    got = {tag: events.Scalars(tag)[0].value for tag in events.Tags()["scalars"]}
    assert got == pytest.approx(want)


def test_mlflow_s_file_store_holds_the_run(run: Path) -> None:
    from mlflow.tracking import MlflowClient

    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    client = MlflowClient(tracking_uri=(run / "mlruns").resolve().as_uri())
    (found,) = client.search_runs([client.get_experiment_by_name("sincere").experiment_id])
    assert found.data.metrics["coverage/sad_plus_incorrect"] == pytest.approx(expected(run)["coverage/sad+incorrect"])
    assert found.data.params["suite"] == "trivia" and found.info.run_name == "run"


def test_wandb_writes_an_offline_run(run: Path) -> None:
    (offline,) = (run / "wandb").glob("offline-run-*")
    assert list(offline.glob("run-*.wandb"))


def test_an_unknown_tracker_is_refused_before_any_work() -> None:
    with pytest.raises(SincereError, match="choose tensorboard, mlflow, wandb"):
        trackers.parse("comet")
    assert trackers.parse("none") == [] and trackers.parse("tensorboard, mlflow") == ["tensorboard", "mlflow"]
