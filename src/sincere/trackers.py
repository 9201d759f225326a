"""An audit's summary in the experiment trackers people already watch: `sincere audit --report-to
tensorboard,mlflow,wandb`. Each gets the per-condition rates and their intervals as metrics
(`error/sad+incorrect`, `error_low/sad+incorrect`, ...), the settings as parameters and the
summary table as text. Training reports through TRL's own `report_to`.

Where: TensorBoard event files in `RUN/tensorboard`; MLflow to `$MLFLOW_TRACKING_URI`, else a local
file store in `RUN/mlruns`; W&B to the project `$WANDB_PROJECT` (default `sincere`), offline in
`RUN/wandb` unless `$WANDB_MODE` says otherwise. Keys come from the trackers' own environment
variables; nothing here reads or writes one.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sincere.errors import MissingDependency, SincereError
from sincere.models import scrub
from sincere.scoring.factory import result_fields

PACKAGES = {"tensorboard": "tensorboard", "mlflow": "mlflow", "wandb": "wandb"}


def _measures() -> list[str]:
    """The audit rows' fields, as the scorers declare them."""
    return [f.name for f in result_fields()]


def parse(text: str | None) -> list[str]:
    """The trackers named in `text` (comma-separated; none or empty: no tracker)."""
    names = [n.strip() for n in (text or "").split(",") if n.strip() and n.strip() != "none"]
    unknown = [n for n in names if n not in PACKAGES]
    if unknown:
        raise SincereError(f"--report-to {unknown[0]!r}: choose tensorboard, mlflow, wandb (comma-separated) or none")
    for name in names:
        if importlib.util.find_spec(PACKAGES[name]) is None:
            raise MissingDependency(PACKAGES[name], f"--report-to {name}")
    return names


def metrics(summary: dict[str, Any]) -> dict[str, float]:
    """Every per-condition mean and interval of an audit summary, by `measure/condition` and
    `measure_low/condition`, `measure_high/condition`."""
    found: dict[str, float] = {}
    for group in summary["statistics"]["by_condition"]:
        for measure in _measures():
            cell = group.get(measure) or {}
            if cell.get("mean") is None:
                continue
            found[f"{measure}/{group['condition']}"] = float(cell["mean"])
            for end in ("low", "high"):
                if cell.get(end) is not None:
                    found[f"{measure}_{end}/{group['condition']}"] = float(cell[end])
    return found


def table(summary: dict[str, Any]) -> str:
    """The summary table as markdown: a row per condition, a column per measure."""
    measures = _measures()
    rows = ["| condition | " + " | ".join(measures) + " |", "|---" * (len(measures) + 1) + "|"]
    for group in summary["statistics"]["by_condition"]:
        cells = [(group.get(m) or {}).get("mean") for m in measures]
        rows.append(f"| {group['condition']} | " + " | ".join("-" if v is None else f"{v:.3f}" for v in cells) + " |")
    return "\n".join(rows)


def params(summary: dict[str, Any]) -> dict[str, str]:
    """The run's settings, credentials scrubbed, as text."""
    return {k: str(v) for k, v in scrub(summary.get("config") or {}).items()}


def _tensorboard(summary: dict[str, Any], run_dir: Path) -> str:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"))
    for name, value in metrics(summary).items():
        writer.add_scalar(name, value, 0)
    writer.add_text("summary", table(summary), 0)
    writer.add_text("config", "\n".join(f"- {k}: {v}" for k, v in params(summary).items()), 0)
    writer.close()
    return str(run_dir / "tensorboard")


def _mlflow(summary: dict[str, Any], run_dir: Path) -> str:
    import mlflow

    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:  # the local file store, which MLflow 3 keeps behind a switch
        uri = (run_dir / "mlruns").resolve().as_uri()
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("sincere")
    with mlflow.start_run(run_name=run_dir.name):
        mlflow.log_params(params(summary))
        mlflow.log_metrics({name.replace("+", "_plus_"): value for name, value in metrics(summary).items()})
        mlflow.log_text(table(summary), "summary.md")
        mlflow.log_text(json.dumps(summary, indent=1, default=str), "summary.json")
    return uri


def _wandb(summary: dict[str, Any], run_dir: Path) -> str:
    import wandb

    mode = os.environ.get("WANDB_MODE") or "offline"
    run = wandb.init(project=os.environ.get("WANDB_PROJECT") or "sincere", name=run_dir.name, dir=str(run_dir),
                     config=params(summary), mode=mode, reinit="finish_previous")  # type: ignore[arg-type]
    run.log(metrics(summary))
    columns = ["condition", *_measures()]
    rows = [[g["condition"], *((g.get(m) or {}).get("mean") for m in _measures())]
            for g in summary["statistics"]["by_condition"]]
    run.log({"summary": wandb.Table(columns=columns, data=rows)})
    run.finish()
    return f"{run_dir / 'wandb'} ({mode})"


WRITERS: dict[str, Callable[[dict[str, Any], Path], str]] = {
    "tensorboard": _tensorboard, "mlflow": _mlflow, "wandb": _wandb}


def report(summary: dict[str, Any], names: list[str], run_dir: str | Path) -> dict[str, str]:
    """Send the summary to each tracker; where each one wrote, by tracker."""
    return {name: WRITERS[name](summary, Path(run_dir)) for name in names}
