"""Between sincere run folders and Inspect logs.

- `load_log(path)`: an Inspect log (`.eval`) of the `sincere/audit` task as sincere rows and a
  summary with sincere's statistics, so `sincere report` and `sincere compare` read it like a run
  folder; `report(path)` writes the run folder (results.jsonl, summary.json, report.html) beside it.
- `write_log(config, path)`: an Inspect log of a sincere audit, for `inspect view`: the task is run
  through Inspect with the `sincere/MODEL` provider, whose replies come from the generation cache the
  audit filled, and graded by the same graders.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sincere import audit
from sincere.engines.base import Generation
from sincere.errors import MissingDependency, SincereError
from sincere.inspect_ext.samples import sincere_sample


def is_log(path: str | Path) -> bool:
    """Whether a path names an Inspect log file (rather than a run folder)."""
    return Path(path).suffix in (".eval", ".json") and Path(path).is_file()


def load(path: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows and summary of a run folder or of an Inspect log."""
    return load_log(path) if is_log(path) else audit.load_run(path)


def check_target(path: str | Path) -> None:
    """Before an audit that will write an Inspect log there: inspect-ai is installed and `path` can be a file."""
    _inspect()
    target = Path(path)
    if target.is_dir():
        raise SincereError(f"--inspect-log {path} is a folder; give a file name such as run.eval")
    if target.suffix != ".eval":
        raise SincereError(f"--inspect-log {path}: an Inspect log file ends in .eval")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SincereError(f"--inspect-log {path}: cannot create its folder ({exc.strerror})") from None


def _inspect() -> None:
    """MissingDependency unless inspect-ai is installed."""
    import importlib.util

    if importlib.util.find_spec("inspect_ai") is None:
        raise MissingDependency("inspect-ai", "reading or writing Inspect logs")


def _row(sample: Any) -> dict[str, Any]:
    scored = {name.split("/")[-1]: score.metadata["sincere"] for name, score in (sample.scores or {}).items()
              if score.metadata and "sincere" in score.metadata}
    output = sample.output
    tokens = output.usage.output_tokens if output.usage else 0
    reply = Generation(output.completion, tokens, "length" if output.stop_reason == "max_tokens" else "stop")
    return audit.result_row(sincere_sample(sample.metadata, sample.messages), reply, scored)


def load_log(path: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows and summary of an Inspect log of `sincere/audit` (as `audit.load_run` gives for a run folder)."""
    _inspect()
    from inspect_ai.log import read_eval_log

    try:
        log = read_eval_log(str(path))
    except Exception as exc:  # noqa: BLE001 (any reading error of a foreign file is the user's input)
        raise SincereError(f"{path}: not a readable Inspect log ({str(exc).splitlines()[0][:200]})") from None
    if not log.samples:
        raise SincereError(f"{path}: the Inspect log holds no samples (status: {log.status})")
    rows = [_row(sample) for sample in log.samples]
    settings = {**(log.eval.metadata or {}).get("sincere", {}), **(log.eval.task_args or {})}
    seed = int(settings.get("seed") or 0)
    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    summary = {
        "config": {"model": log.eval.model, **{k: v for k, v in settings.items() if k != "model"}},
        "source": {"inspect_log": str(path), "status": log.status, "task": log.eval.task},
        "n_items": len({r["item_id"] for r in rows}),
        "conditions": conditions,
        "n_results": len(rows),
        "measures": {},
        "statistics": audit.statistics(rows, 2000, seed),
    }
    return rows, summary


def report(path: str | Path, out_dir: str | Path | None = None) -> Path:
    """Write a run folder for an Inspect log (default: beside it, named after it); the report's path."""
    rows, summary = load_log(path)
    folder = Path(out_dir) if out_dir else Path(path).with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    audit.write_run(folder, rows, summary)
    return folder / "report.html"


def write_log(config: audit.AuditConfig, path: str | Path) -> Path:
    """Run the audit's task through Inspect (replies from the generation cache) and write its log to `path`."""
    _inspect()
    from inspect_ai import eval as inspect_eval
    from inspect_ai.log import write_eval_log

    from sincere.inspect_ext.task import audit as audit_task

    task = audit_task(suite=config.suite, conditions=config.conditions, limit=config.limit, seed=config.seed,
                      system=config.system, columns=config.columns, statements=config.statements,
                      max_new_tokens=config.max_new_tokens, warmth=config.warmth is not None)
    with tempfile.TemporaryDirectory() as scratch:  # Inspect names its own file; the log is then written to `path`
        done = inspect_eval(task, model=f"sincere/{config.model}", log_dir=scratch, display="none",
                            model_args={"dtype": config.dtype, "cache": config.cache})
        if not done or done[0].status != "success":
            raise SincereError(f"the Inspect run for {path} did not finish ({done[0].status if done else 'no log'})")
        write_eval_log(done[0], str(path))
    return Path(path)
