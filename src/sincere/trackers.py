"""An audit's summary in the experiment trackers people already watch: `sincere audit --report-to
tensorboard,mlflow,wandb`. Each gets the per-condition rates and their intervals as metrics
(`error/sad+incorrect`, `error_low/sad+incorrect`, ...), the settings as parameters and the
summary table as text. Training reports through TRL's own `report_to`.

Where: TensorBoard event files in `RUN/tensorboard`; MLflow to `$MLFLOW_TRACKING_URI`, else a local
file store in `RUN/mlruns`; W&B to the project `$WANDB_PROJECT` (default `sincere`), offline in
`RUN/wandb` unless `$WANDB_MODE` says otherwise. `sincere watch --report-to` keeps one store per
history (`HISTORY/tensorboard`, ...), each run at its run number. Keys come from the trackers' own environment
variables; nothing here reads or writes one.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Target:
    """Where a summary goes: the folder of the local stores, the run's name and step, the experiment.
    An audit is one run at step 0 in its own folder; `sincere watch` puts every run of a history in
    the history folder, at its run number, so each tracker shows the outcomes over time."""

    store: Path
    name: str
    step: int = 0
    experiment: str = "sincere"


def _tensorboard(summary: dict[str, Any], target: Target) -> str:
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=str(target.store / "tensorboard"))
    for name, value in metrics(summary).items():
        writer.add_scalar(name, value, target.step)
    writer.add_text("summary", table(summary), target.step)
    writer.add_text("config", "\n".join(f"- {k}: {v}" for k, v in params(summary).items()), target.step)
    writer.close()
    return str(target.store / "tensorboard")


def _mlflow(summary: dict[str, Any], target: Target) -> str:
    import mlflow

    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:  # the local file store, which MLflow 3 keeps behind a switch
        uri = (target.store / "mlruns").resolve().as_uri()
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(target.experiment)
    with mlflow.start_run(run_name=target.name):
        mlflow.log_params(params(summary))
        mlflow.log_metrics({name.replace("+", "_plus_"): value for name, value in metrics(summary).items()})
        mlflow.log_text(table(summary), "summary.md")
        mlflow.log_text(json.dumps(summary, indent=1, default=str), "summary.json")
    return uri


def _wandb(summary: dict[str, Any], target: Target) -> str:
    import wandb

    mode = os.environ.get("WANDB_MODE") or "offline"
    run = wandb.init(project=os.environ.get("WANDB_PROJECT") or target.experiment, name=target.name,
                     dir=str(target.store), config=params(summary), mode=mode,
                     reinit="finish_previous")  # type: ignore[arg-type]
    run.log(metrics(summary))
    columns = ["condition", *_measures()]
    rows = [[g["condition"], *((g.get(m) or {}).get("mean") for m in _measures())]
            for g in summary["statistics"]["by_condition"]]
    run.log({"summary": wandb.Table(columns=columns, data=rows)})
    run.finish()
    return f"{target.store / 'wandb'} ({mode})"


WRITERS: dict[str, Callable[[dict[str, Any], Target], str]] = {
    "tensorboard": _tensorboard, "mlflow": _mlflow, "wandb": _wandb}


def report(summary: dict[str, Any], names: list[str], target: Target | str | Path) -> dict[str, str]:
    """Send the summary to each tracker (`target`: a run folder, or a Target); where each wrote, by tracker."""
    if not isinstance(target, Target):
        target = Target(Path(target), Path(target).name)
    return {name: WRITERS[name](summary, target) for name in names}
