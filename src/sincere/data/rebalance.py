"""`data rebalance`: a new dataset with a target mix over query types and warmth levels.

Reads a dataset and its `data audit` folder (checked to belong to the same file), then:

1. applies the flag policy: an example with a `drop` flag is dropped, one with a `downweight`
   flag is kept with `weight` multiplied by `downweight` (`DEFAULT_FLAGS`; flags it does not name
   are kept; `projection`, from `data audit --vectors`, is dropped unless set to keep);
2. splits the rest into cells (query type x warmth level) and gives each cell a quota: the
   target share of its query type times the target share of its warmth level within that type
   (`even`: equal over what is present; `keep`: as observed; or explicit shares), times the
   size (default: the largest size at which every quota can be filled exactly, without
   repeating an example; with an explicit size, a cell that runs short passes its remainder to
   the others, and the manifest shows target and achieved shares);
3. fills each quota with unflagged examples first, in a seeded random order.

Every dropped example is listed in the manifest with its reason. Same inputs and seed, same
output.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from sincere import jsonl, progress
from sincere.data import sources
from sincere.data.queries import QUERY_TYPES
from sincere.data.summary import LEVELS
from sincere.engines.base import check_seed
from sincere.errors import SincereError
from sincere.models import scrub
from sincere.settings import ConfigError, at_least, between, check_fields, setting

K = TypeVar("K")
Policy = Literal["drop", "downweight", "keep"]
Mix = Literal["even", "keep"] | dict[str, float]
DEFAULT_FLAGS: dict[str, Policy] = {
    "empty_reply": "drop", "incorrect": "drop", "endorses_false_claim": "drop", "near_duplicate": "drop",
    "meaning_drift": "drop", "refuses_answerable": "downweight", "long": "downweight",
    "projection": "drop",  # `data audit --vectors`: among the top share pushing toward the trait
}


@dataclass
class RebalanceConfig:
    """The flags of `sincere data rebalance` and the keys of its `--config` YAML: the target mix and the
    flag policy (a policy given names only the flags it changes; the others keep `DEFAULT_FLAGS`)."""

    file: str | None = setting(None, sources.SOURCE_HELP, flags=("FILE",))
    audit: str | None = setting(None, "The folder `sincere data audit FILE` wrote.")
    out: str | None = setting(None, "The rebalanced JSONL.", flags=("--out", "-o"))
    query_types: Mix = setting("even", "even, keep, or shares such as factual=2,advice=1.")
    warmth: Mix = setting("keep", "keep, even, or shares such as low=1,medium=1,high=1.")
    size: int | None = setting(None, "Examples to keep ('none': the most the mix allows).", check=at_least(1))
    flags: dict[str, Policy] = setting({}, "Flag policy overrides, e.g. long=drop,near_duplicate=keep (drop | "
                                       "downweight | keep); projection (from data audit --vectors) is dropped unless "
                                       "set to keep. The defaults: " + ",".join(f"{k}={v}" for k, v in
                                                                                DEFAULT_FLAGS.items()) + ".")
    downweight: float = setting(0.5, "Weight factor for down-weighted examples.", check=between(1e-9, 1))
    seed: int = setting(0, "Seed for which examples fill each quota.", check=check_seed)
    manifest: str | None = setting(None, "Manifest path ('none': OUT_STEM.manifest.json).")

    def __post_init__(self) -> None:
        check_fields(self)
        for name, known in (("query_types", QUERY_TYPES), ("warmth", LEVELS)):
            mix = getattr(self, name)
            if isinstance(mix, str):
                continue
            unknown = set(mix) - set(known)
            if unknown:
                raise ConfigError(f"unknown {name} {sorted(unknown)}; use {', '.join(known)}")
            if any(v < 0 for v in mix.values()) or not sum(mix.values()):
                raise ConfigError(f"{name}: shares must be >= 0 and not all 0")
        self.flags = {**DEFAULT_FLAGS, **self.flags}

    def manifest_path(self) -> Path:
        out = Path(str(self.out))
        return Path(self.manifest) if self.manifest else out.with_name(f"{out.stem}.manifest.json")


def _normalise(mix: Mix, present: Counter[str]) -> dict[str, float]:
    """Target shares over the present keys ('even', 'keep' or explicit shares, renormalised)."""
    if mix == "even":
        raw = {k: 1.0 for k in present}
    elif mix == "keep":
        raw = {k: float(v) for k, v in present.items()}
    else:
        raw = {k: float(v) for k, v in mix.items() if k in present and v > 0}  # type: ignore[union-attr]
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()} if total else {}


def quotas(cells: dict[tuple[str, str], int], config: RebalanceConfig) -> dict[tuple[str, str], int]:
    """How many examples each (query type, warmth level) cell keeps: types first, then levels within each."""
    by_type = Counter[str]()
    for (kind, _), n in cells.items():
        by_type[kind] += n
    types = _normalise(config.query_types, by_type)
    levels = {kind: _normalise(config.warmth, Counter({lvl: n for (t, lvl), n in cells.items() if t == kind}))
              for kind in types}
    share = {(kind, lvl): types[kind] * s for kind in types for lvl, s in levels[kind].items()}
    if not share:
        return {}
    size = config.size or int(min(cells[c] / s for c, s in share.items() if s > 0) + 1e-9)
    out: dict[tuple[str, str], int] = {}
    for kind, quota in fill(types, by_type, size).items():
        for lvl, n in fill(levels[kind], Counter({lvl: cells[(kind, lvl)] for lvl in levels[kind]}), quota).items():
            out[(kind, lvl)] = n
    return out


def fill(share: Mapping[K, float], available: Mapping[K, int], size: int) -> dict[K, int]:
    """Quotas adding up to `size` (or all that is available) in proportion to `share`.

    A cell that runs out passes its unfilled part to the others in proportion to their shares
    (water-filling), so an explicit size is met as closely to the mix as the data allows.
    """
    counts = dict.fromkeys(share, 0)
    remaining = min(size, sum(available[c] for c in share))
    active = {c for c in share if available[c] > 0 and share[c] > 0}
    while remaining > 0 and active:
        pool = remaining + sum(counts[c] for c in active)
        total = sum(share[c] for c in active)
        want = {c: max(0.0, pool * share[c] / total - counts[c]) for c in active}
        step = {c: min(int(want[c]), available[c] - counts[c]) for c in active}
        if not any(step.values()):  # only fractions left: largest remainders first, one each
            for cell in sorted(active, key=lambda c: (int(want[c]) - want[c], str(c)))[:remaining]:
                step[cell] = 1
        for cell, n in step.items():
            counts[cell] += n
            remaining -= n
        active = {c for c in active if counts[c] < available[c]}
    return counts


def read_audit(audit_dir: Path, spec: str) -> list[dict[str, Any]]:
    """The audit's rows (the fields rebalancing needs), after checking it audited this very file."""
    summary_file, rows_file = audit_dir / "summary.json", audit_dir / "examples.jsonl"
    if not summary_file.is_file() or not rows_file.is_file():
        raise SincereError(f"{audit_dir}: not a data audit folder (needs summary.json and examples.jsonl)")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    if summary.get("fingerprint") != sources.fingerprint(spec):
        raise SincereError(f"{audit_dir} audited {summary.get('input')!r}, not this content of {spec!r}; "
                           f"run `sincere data audit {spec}` first")
    keep = ("index", "id", "source", "query_type", "warmth_level", "flags")
    return [{k: row[k] for k in keep} for _, row in jsonl.strict_records(rows_file)]


def _flag_policy(row: dict[str, Any], config: RebalanceConfig) -> tuple[str | None, float]:
    """(drop reason or None, weight) for one row under the flag policy."""
    drops = [f for f in row["flags"] if config.flags.get(f["flag"], "keep") == "drop"]
    if drops:
        return "; ".join(f"flagged {f['flag']}: {f['reason']}" for f in drops), 0.0
    lighter = any(config.flags.get(f["flag"], "keep") == "downweight" for f in row["flags"])
    return None, config.downweight if lighter else 1.0


def select(rows: list[dict[str, Any]], config: RebalanceConfig) -> tuple[dict[int, float], list[dict[str, Any]],
                                                                         dict[str, Any]]:
    """(kept index -> weight, dropped rows with reasons, per-cell counts) for the audit rows."""
    dropped: list[dict[str, Any]] = []
    by_cell: dict[tuple[str, str], list[tuple[dict[str, Any], float]]] = defaultdict(list)
    for row in rows:
        reason, weight = _flag_policy(row, config)
        if reason:
            dropped.append({"id": row["id"], "source": row["source"], "reason": reason})
        else:
            by_cell[(row["query_type"], row["warmth_level"])].append((row, weight))
    quota = quotas({cell: len(members) for cell, members in by_cell.items()}, config)
    kept: dict[int, float] = {}
    cells = {}
    for cell, members in sorted(by_cell.items()):
        rng = random.Random(f"{config.seed}:{cell[0]}/{cell[1]}")
        order = sorted(members, key=lambda pair: (pair[1] < 1.0, rng.random()))
        take = quota.get(cell, 0)
        kept |= {row["index"]: weight for row, weight in order[:take]}
        why = (f"over the quota of {cell[0]}/{cell[1]} (kept {take} of {len(members)})" if cell in quota
               else f"{cell[0]}/{cell[1]} is not in the target mix")
        dropped += [{"id": row["id"], "source": row["source"], "reason": why} for row, _ in order[take:]]
        cells[f"{cell[0]}/{cell[1]}"] = {"available": len(members), "kept": min(take, len(members))}
    return kept, dropped, cells


def mix_report(cells: dict[str, dict[str, int]], config: RebalanceConfig) -> dict[str, Any]:
    """Target and achieved shares per query type and per warmth level."""
    report: dict[str, Any] = {}
    for axis, mix, part in (("query_types", config.query_types, 0), ("warmth", config.warmth, 1)):
        available, kept = Counter[str](), Counter[str]()
        for cell, counts in cells.items():
            key = cell.split("/")[part]
            available[key] += counts["available"]
            kept[key] += counts["kept"]
        target = _normalise(mix, available)
        total = sum(kept.values()) or 1
        report[axis] = {k: {"target": round(target.get(k, 0.0), 4), "achieved": round(kept[k] / total, 4)}
                        for k in sorted(available)}
    return report


def run(config: RebalanceConfig) -> dict[str, Any]:
    """Write the rebalanced dataset and its manifest; returns the manifest."""
    if not (config.file and config.audit and config.out):
        raise SincereError("give the FILE, --audit (the folder `sincere data audit FILE` wrote) and --out")
    spec, audit_dir, out, manifest_path = config.file, config.audit, Path(config.out), config.manifest_path()
    protect = (*sources.input_paths(spec), Path(audit_dir) / "examples.jsonl", Path(audit_dir) / "summary.json")
    rows = read_audit(Path(audit_dir), spec)
    kept, dropped, cells = select(rows, config)
    problems = sources.Problems()
    written = 0
    with jsonl.atomic_writer(out, protect=protect) as handle, progress.task("rebalancing", len(rows)) as advance:
        for index, example in enumerate(sources.examples(spec, problems)):
            if index >= len(rows) or rows[index]["id"] != example.id:
                raise SincereError(f"{spec} does not match the audit at example {index + 1}; rerun data audit")
            advance(1)
            if index in kept:
                record = example.to_record()
                if kept[index] != 1.0:
                    record["weight"] = round(float(record.get("weight", 1.0)) * kept[index], 6)
                handle.write(jsonl.dumps(record) + "\n")
                written += 1
    result = {
        "input": spec, "audit": str(audit_dir), "output": str(out), "config": scrub(asdict(config)),
        "n_input": len(rows), "n_output": written, "n_downweighted": sum(w != 1.0 for w in kept.values()),
        "n_dropped": len(dropped), "mix": mix_report(cells, config), "cells": cells, "complete": problems.complete,
        "malformed": problems.as_dict(), "dropped": dropped,
    }
    with jsonl.atomic_writer(manifest_path, protect=protect) as handle:
        json.dump(result, handle, indent=1, ensure_ascii=False)
    return result
