"""Compare two audit runs of the same items (e.g. a warm fine-tune against its original)."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sincere import jsonl, stats
from sincere.errors import SincereError
from sincere.inspect_ext import logs
from sincere.settings import check_fields, setting


def warmth_difference(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]], measure: str,
                      level: float = 0.95) -> dict[str, Any]:
    """Mean paired difference B - A of a warmth measure, per condition and overall, with bootstrap CIs
    (at `level`), and the standard deviation of A's values (`sd_a`, the unit of a gate's `sd` limit).

    Pairs are the same (item, condition); the overall interval resamples items (each item's mean
    difference over its conditions), so an item's conditions move together.
    """
    a = {(r["item_id"], r["condition"]): r.get(measure) for r in rows_a}
    diffs: dict[tuple[str, str], float] = {}
    for row in rows_b:
        key = (row["item_id"], row["condition"])
        if row.get(measure) is not None and a.get(key) is not None:
            diffs[key] = row[measure] - a[key]
    conditions = list(dict.fromkeys(c for _, c in diffs))
    by_item: dict[str, list[float]] = {}
    for (item, _), d in diffs.items():
        by_item.setdefault(item, []).append(d)
    values_a = [v for v in a.values() if v is not None]
    return {
        "by_condition": {c: stats.bootstrap_ci([d for (_, k), d in diffs.items() if k == c], level=level).as_dict()
                         for c in conditions},
        "overall": stats.bootstrap_ci([sum(v) / len(v) for v in by_item.values()], level=level).as_dict(),
        "level": level,
        "sd_a": statistics.pstdev(values_a) if len(values_a) > 1 else None,
    }


def align(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]
          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str | None]:
    """The rows, paired across system prompts when the runs differ only by them, and a note saying so.

    The study's own comparison is a system prompt against none: when the runs share no condition
    name but do once the `@SYSTEM` suffix is dropped (`unmodified@warm` and `unmodified`), the
    suffix is dropped from both and the note names what was paired with what.
    """
    names_a, names_b = {r["condition"] for r in rows_a}, {r["condition"] for r in rows_b}
    if names_a & names_b:
        return rows_a, rows_b, None
    base = lambda name: name.split("@", 1)[0]  # noqa: E731
    if not {base(n) for n in names_a} & {base(n) for n in names_b}:
        return rows_a, rows_b, None
    systems = lambda names: sorted({n.split("@", 1)[1] for n in names if "@" in n}) or ["none"]  # noqa: E731
    note = (f"paired across system prompts: A ran with {', '.join(systems(names_a))}, B with "
            f"{', '.join(systems(names_b))}; conditions are named without the @ suffix")
    strip = lambda rows: [{**r, "condition": base(r["condition"])} for r in rows]  # noqa: E731
    return strip(rows_a), strip(rows_b), note


def unfitted_reason(paired: list[dict[str, Any]], note: str) -> str:
    """Why the regression has no estimate, in words a reader can act on."""
    if sum((row.get("b") or 0) + (row.get("c") or 0) for row in paired) == 0:
        return "A and B give the same outcome on every shared pair, so there is no difference to model"
    if "constant" in note:
        return "every reply of both runs has the same outcome"
    if "separation" in note:
        return "some condition or domain has only right (or only wrong) replies in one run, which a logistic model " \
               "cannot fit; see the paired tests"
    return f"the logistic model could not be fitted ({note.removeprefix('could not fit: ')}); see the paired tests"


def compare(run_a: str | Path, run_b: str | Path, level: float = 0.95) -> dict[str, Any]:
    """Paired tests per condition on shared (item, condition) pairs, the study's regression, and warmth
    differences with intervals at `level` (a gate at alpha uses 1 - alpha)."""
    rows_a, summary_a = logs.load(run_a)
    rows_b, summary_b = logs.load(run_b)
    rows_a, rows_b, pairing = align(rows_a, rows_b)
    keys_b = {(r["item_id"], r["condition"]) for r in rows_b}
    shared = keys_b & {(r["item_id"], r["condition"]) for r in rows_a}
    if not shared:
        raise SincereError(f"{run_a} and {run_b} share no (item, condition) pairs to compare (audit both with "
                           "the same suite, limit and seed)")
    rows_a = [r for r in rows_a if (r["item_id"], r["condition"]) in shared]
    rows_b = [r for r in rows_b if (r["item_id"], r["condition"]) in shared]
    paired = {
        outcome: stats.compare_runs(rows_a, rows_b, key="item_id", condition="condition", outcome=outcome)
        for outcome in ("error", "sycophancy", "refusal")
    }
    regressions = {
        outcome: stats.marginal_effects(rows_a, rows_b, outcome=outcome, cluster="item_id")
        for outcome in ("error", "sycophancy")
    }
    for outcome, effect in regressions.items():
        if str(effect.get("note") or "").startswith("could not fit"):
            effect["why"] = unfitted_reason(paired[outcome], effect["note"])
    return {
        "run_a": {"path": str(run_a), "model": summary_a["config"]["model"]},
        "pairing": pairing,
        "warmth": {measure: warmth_difference(rows_a, rows_b, measure, level) for measure in ("warmth", "sociot")
                   if any(r.get(measure) is not None for r in rows_a + rows_b)},
        "run_b": {"path": str(run_b), "model": summary_b["config"]["model"]},
        "n_shared_pairs": len(shared),
        "n_shared_items": len({item for item, _ in shared}),
        "paired": paired,
        "marginal_effects": regressions,
    }


@dataclass
class CompareConfig:
    """The arguments and flags of `sincere compare` and the keys of its `--config` YAML."""

    run_a: str | None = setting(None, "The reference run (e.g. the original model).", flags=("RUN_A",))
    run_b: str | None = setting(None, "The run to compare (e.g. the warm fine-tune).", flags=("RUN_B",))
    out: str | None = setting(None, "Also write the comparison as JSON here.", flags=("--out", "-o"))
    fail_if: str | None = setting(None, "A regression gate: limits such as 'error>+3pp,sycophancy>+5pp,"
                                  "refusal>+10pp,warmth<-0.5sd' (or a YAML policy file); exit 1 when a limit is "
                                  "crossed and the paired test says the change is real.")
    alpha: float | None = setting(None, "The gate's significance level ('none': 0.05, or the policy file's).")

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.run_a or not self.run_b:
            raise SincereError("give two audit run folders: RUN_A (the reference) and RUN_B")


def run(config: CompareConfig) -> dict[str, Any]:
    """The comparison (with the gate's verdict under "gate" when `fail_if` is set), written to `out` when set."""
    from sincere.gate import Policy, evaluate

    policy = Policy.parse(config.fail_if, config.alpha) if config.fail_if is not None else None
    result = compare(str(config.run_a), str(config.run_b), level=1 - policy.alpha if policy else 0.95)
    if policy:
        result["gate"] = evaluate(result, policy)
    if config.out:
        with jsonl.atomic_writer(config.out) as handle:
            json.dump(result, handle, indent=1)
    return result
