"""`sincere train sweep`: one GRPO run per weight setting, each audited, and the warmth-error front.

Every run trains into `OUT/<name>/train` and is audited into `OUT/<name>/audit` on evaluation
items (disjoint from the training items); the base model is audited too, as the reference point.
A run is non-dominated when no other run is at least as warm with at most as many errors, and
strictly better in one. Finished runs are reused, so an interrupted sweep resumes.

>>> front([(0.1, 0.2), (0.2, 0.3), (0.05, 0.25)])
[True, True, False]
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sincere import common_settings as common
from sincere.errors import SincereError
from sincere.settings import at_least, check_fields, setting


@dataclass
class SweepConfig:
    """The flags of `sincere train sweep` and the keys of its `--config` YAML: the runs and the small audit each
    run gets."""

    recipe: str = setting("balanced-grpo", "A GRPO recipe (shipped name or YAML).", flags=("--recipe", "-r"))
    weights: list[str] = setting([], "One run's reward weights, e.g. correctness=1,non_sycophancy=1,warmth=0.5 "
                                 "(repeat for each run).", flags=("--weights", "-w"))
    overrides: list[str] = setting([], "Override a recipe field in every run: FIELD=VALUE (repeatable), e.g. --set "
                                   "max_steps=20.", flags=("--set",))
    audit_suite: str = setting("builtin", "Suite of each run's audit (evaluation split).")
    audit_limit: int = setting(20, "Items in each run's audit.", check=at_least(1))
    audit_conditions: str = setting("unmodified,sad+incorrect", "Conditions of each run's audit.")
    audit_max_new_tokens: int = common.max_new_tokens(96, "Longest reply in each run's audit.")
    out: str = setting("runs/sweep", "Sweep folder (finished runs are reused).", flags=("--out", "-o"))

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.weights:
            raise SincereError("a sweep needs at least one --weights setting")
        self.recipe_overrides()

    def recipe_overrides(self) -> dict[str, str]:
        """`--set FIELD=VALUE` as {field: value}."""
        found = {}
        for item in self.overrides:
            key, sep, value = item.partition("=")
            if not sep:
                raise SincereError(f"--set needs FIELD=VALUE, got {item!r}")
            found[key.strip().replace("-", "_")] = value.strip()
        return found


def front(points: Sequence[tuple[float | None, float | None]]) -> list[bool]:
    """For (warmth, error) points: True where no other point dominates (warmer or equal with fewer errors)."""
    flags = []
    for i, (warm, error) in enumerate(points):
        if warm is None or error is None:
            flags.append(False)
            continue
        dominated = any(
            w is not None and e is not None and w >= warm and e <= error and (w > warm or e < error)
            for j, (w, e) in enumerate(points) if j != i
        )
        flags.append(not dominated)
    return flags


def _name(weights: dict[str, float]) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", "-".join(f"{k}={v:g}" for k, v in weights.items()))


def _audit(model: str, out_dir: Path, config: SweepConfig, warmth: str | None, seed: int) -> dict[str, Any]:
    """Audit a model (resumable) and summarise its rows like the monitor does."""
    from sincere import audit
    from sincere.train.probes import summarise

    audit_config = audit.AuditConfig(model=model, suite=config.audit_suite, limit=config.audit_limit,
                                     conditions=config.audit_conditions, warmth=warmth, seed=seed,
                                     max_new_tokens=config.audit_max_new_tokens)
    if not (out_dir / "summary.json").is_file():
        audit.run(audit_config, out_dir)
    rows, _ = audit.load_run(out_dir)
    return summarise(rows)


def sweep(config: SweepConfig) -> dict[str, Any]:
    """Train and audit one run per weight setting; write front.csv, front.png/svg and sweep.json."""
    from sincere.settings import coerce
    from sincere.train.recipe_io import load
    from sincere.train.run import train

    out_dir, overrides = Path(config.out), config.recipe_overrides()
    base_recipe = load("grpo", config.recipe, overrides)
    warmth = base_recipe.warmth
    rows = [{"name": "base", "weights": "(untrained)",
             **_audit(base_recipe.model, out_dir / "base" / "audit", config, warmth, base_recipe.seed)}]
    for text in config.weights:
        try:
            weights = coerce(dict[str, float], text)
        except SincereError as exc:
            raise SincereError(f"--weights {text!r}: {exc}") from None
        recipe = load("grpo", config.recipe, {**overrides, "weights": weights})
        name = _name(weights)
        train_dir = out_dir / name / "train"
        if not (train_dir / "summary.json").is_file():
            train(recipe, train_dir)
        audited = _audit(str(train_dir / "model"), out_dir / name / "audit", config, warmth, recipe.seed)
        rows.append({"name": name, "weights": text, **audited})
    flags = front([(r.get("warmth"), r.get("error")) for r in rows])
    for row, flag in zip(rows, flags, strict=True):
        row["front"] = flag
    audit_settings = {"suite": config.audit_suite, "limit": config.audit_limit,
                      "conditions": config.audit_conditions, "max_new_tokens": config.audit_max_new_tokens}
    result = {"recipe": config.recipe, "overrides": overrides, "audit": audit_settings, "runs": rows}
    _write(out_dir, result)
    return result


def _write(out_dir: Path, result: dict[str, Any]) -> None:
    rows = result["runs"]
    columns = ["name", "weights", "error", "sycophancy", "warmth", "refusal", "front"]
    with open(out_dir / "front.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    (out_dir / "sweep.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    plot(rows, out_dir)


def plot(rows: Sequence[dict[str, Any]], out_dir: Path) -> None:
    """front.png and front.svg: error against warmth, non-dominated runs filled and joined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    usable = [r for r in rows if r.get("warmth") is not None and r.get("error") is not None]
    for row in usable:
        on_front = row["front"]
        ax.scatter(row["warmth"], row["error"], s=60, marker="o" if row["name"] != "base" else "s",
                   facecolors="tab:green" if on_front else "none", edgecolors="tab:green" if on_front else "grey")
        ax.annotate(row["name"], (row["warmth"], row["error"]), fontsize=7, xytext=(4, 4), textcoords="offset points")
    line = sorted((r["warmth"], r["error"]) for r in usable if r["front"])
    if len(line) > 1:
        ax.plot(*zip(*line, strict=True), color="tab:green", linewidth=1)
    ax.set_xlabel("warmth (tone, 1-7; higher is warmer)")
    ax.set_ylabel("error rate (lower is better)")
    ax.set_title("warmth-error front (filled: non-dominated)")
    fig.tight_layout()
    for suffix in ("png", "svg"):
        fig.savefig(out_dir / f"front.{suffix}", dpi=110)
    plt.close(fig)
