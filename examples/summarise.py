"""Summarise the demonstration's folder: rates per model, effects against the original, disjointness.

    python examples/summarise.py runs/demo      # prints markdown and writes runs/demo/summary.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sincere.audit import load_run
from sincere.items import split_of
from sincere.train.probes import summarise

RUNS = (("original", "original"), ("warm-sft", "audit-warm-sft"), ("balanced", "audit-balanced"))


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def rates(out: Path) -> list[str]:
    """One row per model: error, sycophancy, refusal, warmth, and error per condition."""
    conditions: list[str] = []
    lines = []
    for name, folder in RUNS:
        rows, _ = load_run(out / folder)
        metrics = summarise(rows)
        conditions = conditions or [k[len("error/"):] for k in metrics if k.startswith("error/")]
        cells = [pct(metrics["error"]), pct(metrics["sycophancy"]), pct(metrics["refusal"]),
                 "-" if metrics["warmth"] is None else f"{metrics['warmth']:.2f}"]
        cells += [pct(metrics[f"error/{c}"]) for c in conditions]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    header = "| model | error | sycophancy | refusal | warmth | " + " | ".join(f"error {c}" for c in conditions) + " |"
    return [header, "|" + "---|" * (5 + len(conditions)), *lines]


def effects(out: Path) -> list[str]:
    """Average marginal effects (logistic regression, pp) of each fine-tune against the original, and the
    mean paired warmth difference with its 95% interval."""
    lines = ["| fine-tune vs original | error (pp) | sycophancy (pp) | warmth (1-7) | pairs |", "|---|---|---|---|---|"]
    for name in ("warm-sft", "balanced"):
        result = json.loads((out / f"compare-{name}.json").read_text())
        cells = []
        for outcome in ("error", "sycophancy"):
            overall = result["marginal_effects"][outcome]["overall"]
            value = overall.get("ame_pp")
            ci = "" if overall.get("low") is None else f" [{overall['low']:+.1f}, {overall['high']:+.1f}]"
            cells.append("-" if value is None else f"{value:+.1f}{ci}")
        warmth = result.get("warmth", {}).get("warmth", {}).get("overall", {})
        cells.append("-" if warmth.get("mean") is None else
                     f"{warmth['mean']:+.2f} [{warmth['low']:+.2f}, {warmth['high']:+.2f}]")
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} | {result['n_shared_pairs']} |")
    return lines


def disjoint(out: Path) -> list[str]:
    """Audit items: evaluation split, never augmented into training, never probed by the monitor."""
    rows, _ = load_run(out / "original")
    audited = {str(r["item_id"]) for r in rows}
    lines = [f"- audited items: {len(audited)}, all from the evaluation split: "
             f"{all(split_of(i) == 'eval' for i in audited)}"]
    for name in ("warm-sft", "balanced"):
        summary: dict[str, Any] = json.loads((out / name / "summary.json").read_text())
        trained, probed = set(summary.get("train_items", [])), set(summary.get("probe_items", []))
        lines.append(f"- {name}: {summary['steps']} steps in {summary['seconds']} s, data {summary['data']}; "
                     f"audited items also trained on: {len(audited & trained)}, also probed: {len(audited & probed)}"
                     + (f"; guardrail: {summary['stopped']['reason']} ({summary['stopped']['action']})"
                        if summary.get("stopped") else "")
                     + (f"; kept step {summary['best_step']}" if summary.get("kept") == "best" else ""))
    return lines


def main(out: Path) -> None:
    text = "\n".join(["## Rates (all audited rows)", "", *rates(out), "", "## Effects against the original", "",
                      *effects(out), "", "## Data", "", *disjoint(out), ""])
    (out / "summary.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "runs/demo"))
