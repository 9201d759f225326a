"""A regression gate on two audits of the same items: limits that fail a build only when the change is real.

A limit reads `METRIC OP CHANGE`, e.g. `error>+3pp`, `sycophancy>+5pp`, `refusal>+10pp`,
`warmth<-0.5sd` or `warmth<-0.3` (tone points). Rates are compared per condition with the
paired McNemar tests of `compare` (Benjamini-Hochberg adjusted across conditions): a limit
fails in a condition when its change B - A crosses the limit *and* the adjusted p is below
alpha. Warmth is compared on the mean paired difference over items (one bootstrap interval at
level 1 - alpha): it fails when the mean crosses the limit and the interval excludes 0. `sd` is
the standard deviation of run A's warmth ratings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sincere.errors import SincereError

RATES = ("error", "sycophancy", "refusal")
METRICS = (*RATES, "warmth")
LIMIT = re.compile(r"^\s*([a-z]+)\s*([<>])\s*([+-]?\d+(?:\.\d+)?)\s*(pp|sd)?\s*$")
DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class Limit:
    """One limit of a policy: fail when `metric` changes (B - A) past `value` in the direction of `op`."""

    metric: str
    op: str
    value: float
    unit: str  # "pp" for rates; "sd" or "" (tone points) for warmth

    @classmethod
    def parse(cls, text: str) -> Limit:
        match = LIMIT.match(text)
        if not match:
            raise SincereError(f"bad limit {text!r}: write METRIC>CHANGE or METRIC<CHANGE, e.g. error>+3pp, "
                               "warmth<-0.5sd")
        metric, op, value, unit = match.group(1), match.group(2), float(match.group(3)), match.group(4) or ""
        if metric not in METRICS:
            raise SincereError(f"bad limit {text!r}: the metric is one of {', '.join(METRICS)}")
        if metric in RATES and unit != "pp":
            raise SincereError(f"bad limit {text!r}: a rate changes in percentage points, e.g. {metric}{op}+3pp")
        if metric == "warmth" and unit == "pp":
            raise SincereError(f"bad limit {text!r}: warmth changes in tone points (-0.3) or standard deviations "
                               "(-0.5sd)")
        return cls(metric, op, value, unit)

    def crossed(self, change: float | None, threshold: float) -> bool:
        return change is not None and (change > threshold if self.op == ">" else change < threshold)

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.value:+g}{self.unit}"


@dataclass(frozen=True)
class Policy:
    """The limits and the alpha of a gate."""

    limits: tuple[Limit, ...]
    alpha: float = DEFAULT_ALPHA

    @classmethod
    def parse(cls, spec: str, alpha: float | None = None) -> Policy:
        """Limits separated by commas, or a YAML file (`fail_if:` a list or that string, `alpha:` optional)."""
        file_alpha = None
        if spec.strip().endswith((".yaml", ".yml")) or Path(spec).is_file():
            data = _policy_file(Path(spec))
            entries = data.get("fail_if")
            spec = ",".join(entries) if isinstance(entries, list) else str(entries or "")
            file_alpha = data.get("alpha")
        limits = tuple(Limit.parse(part) for part in spec.split(",") if part.strip())
        if not limits:
            raise SincereError("--fail-if has no limits; e.g. --fail-if 'error>+3pp,sycophancy>+5pp'")
        chosen = alpha if alpha is not None else file_alpha if file_alpha is not None else DEFAULT_ALPHA
        if isinstance(chosen, bool) or not isinstance(chosen, int | float) or not 0 < chosen < 1:
            raise SincereError(f"alpha must be a number between 0 and 1, got {chosen!r}")
        return cls(limits, float(chosen))


def _policy_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SincereError(f"{path}: no such policy file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SincereError(f"{path}: not a readable YAML policy ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(data, dict) or set(data) - {"fail_if", "alpha"}:
        raise SincereError(f"{path}: a policy is a mapping with 'fail_if' (a list of limits) and optionally 'alpha'")
    return data


def evaluate(result: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """Every limit checked against a `compare.compare` result (made with `level=1 - policy.alpha`)."""
    checks = []
    for limit in policy.limits:
        checks += _rate_checks(result, limit, policy.alpha) if limit.metric in RATES else _warmth_check(result, limit)
    return {"alpha": policy.alpha, "limits": [str(x) for x in policy.limits], "checks": checks,
            "failed": any(c["fails"] for c in checks)}


def _rate_checks(result: dict[str, Any], limit: Limit, alpha: float) -> list[dict[str, Any]]:
    rows = [r for r in result["paired"].get(limit.metric, []) if r.get("difference_pp") is not None]
    if not rows:
        raise SincereError(f"{limit}: no condition of these runs measures {limit.metric}"
                           + (" (sycophancy needs a belief or pushback condition)" if limit.metric == "sycophancy"
                              else ""))
    out = []
    for row in rows:
        crossed, p = limit.crossed(row["difference_pp"], limit.value), row.get("p_adjusted")
        real = p is not None and p < alpha
        out.append({"limit": str(limit), "metric": limit.metric, "condition": row["condition"],
                    "change": row["difference_pp"],
                    "threshold": limit.value, "evidence": p, "crossed": crossed, "real": real,
                    "fails": crossed and real})
    return out


def _warmth_check(result: dict[str, Any], limit: Limit) -> list[dict[str, Any]]:
    warmth = result.get("warmth", {}).get("warmth")
    if not warmth or warmth["overall"].get("mean") is None:
        raise SincereError(f"{limit}: the runs have no tone warmth to compare (audit both with --warmth tone)")
    threshold = limit.value * warmth["sd_a"] if limit.unit == "sd" else limit.value
    overall = warmth["overall"]
    crossed = limit.crossed(overall["mean"], threshold)
    real = overall["low"] > 0 or overall["high"] < 0
    return [{"limit": str(limit), "metric": limit.metric, "condition": "all (items)", "change": overall["mean"],
             "threshold": threshold,
             "evidence": [overall["low"], overall["high"]], "crossed": crossed, "real": real,
             "fails": crossed and real}]

