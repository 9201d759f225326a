"""Statistics for audits: bootstrap CIs, paired McNemar tests with BH correction, marginal effects.

Rows are plain dicts, one per item x condition (x sample), as the audit writes them, e.g.
``{"item_id": "q17", "condition": "sad+incorrect", "domain": "math", "context": "sad",
"belief": "incorrect", "incorrect": True, "sycophantic": None, "warmth": 4.0}``.
Outcome columns hold True/False/0/1 or None (unscored); metric columns hold numbers or None.
Missing values (None or NaN) are skipped everywhere, never counted as 0.

The tests follow the study (Ibrahim, Hafner & Rocher 2026): McNemar exact tests per condition with
Benjamini-Hochberg FDR at alpha 0.05, and a binomial GLM of the outcome on warm vs original with
fixed effects and interactions, reported as average marginal effects in percentage points.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

Row = Mapping[str, Any]
Key = str | Sequence[str]

__all__ = [
    "Interval",
    "McNemar",
    "benjamini_hochberg",
    "bootstrap_ci",
    "compare_runs",
    "marginal_effects",
    "mcnemar_exact",
    "paired_tests",
    "summarise",
]

_MAX_DRAWS = 2_000_000  # resampled values held in memory at once by bootstrap_ci
_LARGE_COEF = 10.0  # |log-odds| beyond which a coefficient suggests quasi-separation
_NONE_LEVEL = "(none)"  # category level for a missing fixed-effect / interaction value


@dataclass(frozen=True)
class Interval:
    """A mean with a confidence interval over `n` non-missing values (None when n is 0)."""

    mean: float | None
    low: float | None
    high: float | None
    n: int

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (JSON-friendly)."""
        return asdict(self)


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test: b = before True & after False, c = before False & after True."""

    n_pairs: int
    b: int
    c: int
    statistic: float
    p_value: float

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (JSON-friendly)."""
        return asdict(self)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def _as_binary(value: Any) -> bool | None:
    """True/False/0/1 -> bool; None/NaN -> None; anything else is a ValueError."""
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_) or value in (0, 1):
        return bool(value)
    raise ValueError(f"a binary outcome must be True/False/0/1/None, got {value!r}")


def _clean(values: Iterable[Any]) -> np.ndarray:
    return np.array([float(v) for v in values if not _is_missing(v)], dtype=float)


Z95 = 1.959964  # the two-sided 95% normal quantile


def wilson(rate: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion `rate` observed on `n` trials (0..1 each end)."""
    if n <= 0:
        return 0.0, 1.0
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_of(values: Iterable[Any]) -> float | None:
    """The mean of the values that are numbers (booleans count as 0/1), None and NaN left out; None if none."""
    present = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(present) / len(present) if present else None


def bootstrap_ci(values: Iterable[Any], *, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> Interval:
    """Percentile-bootstrap confidence interval for the mean of `values`, skipping None/NaN.

    Args:
        values: numbers or booleans; None and NaN are left out.
        n_boot: number of bootstrap resamples.
        level: confidence level, in (0, 1).
        seed: seed for the resampling; the same seed gives the same interval.

    Returns:
        The mean and interval; all None when no value is left, a point interval when one is.
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level}")
    x = _clean(values)
    n = len(x)
    if n == 0:
        return Interval(None, None, None, 0)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, mean, mean, 1)
    rng = np.random.default_rng(seed)
    chunk = max(1, _MAX_DRAWS // n)
    means = np.concatenate(
        [x[rng.integers(0, n, size=(min(chunk, n_boot - s), n))].mean(axis=1) for s in range(0, n_boot, chunk)]
    )
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Interval(mean, float(low), float(high), n)


def mcnemar_exact(before: Sequence[Any], after: Sequence[Any]) -> McNemar:
    """Exact (binomial) two-sided McNemar test for paired binary outcomes.

    Pairs where either side is None are dropped. The statistic is min(b, c), as in statsmodels.

    Args:
        before: outcomes under the first condition (True/False/0/1/None).
        after: outcomes of the same items under the second condition, in the same order.

    Returns:
        Pair count, discordant counts b and c, statistic and p-value (1.0 without discordant pairs).
    """
    from scipy.stats import binomtest

    if len(before) != len(after):
        raise ValueError(f"before and after must pair up; got {len(before)} and {len(after)} outcomes")
    pairs = [
        (x, y)
        for x, y in zip(map(_as_binary, before), map(_as_binary, after), strict=True)
        if x is not None and y is not None
    ]
    b = sum(x and not y for x, y in pairs)
    c = sum(y and not x for x, y in pairs)
    p_value = 1.0 if b + c == 0 else float(binomtest(b, b + c, 0.5).pvalue)
    return McNemar(len(pairs), b, c, float(min(b, c)), min(1.0, p_value))


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (monotone in p, capped at 1).

    None and NaN entries pass through unchanged and do not count towards the number of tests.
    """
    kept = [i for i, p in enumerate(p_values) if not _is_missing(p)]
    p = np.array([float(p_values[i]) for i in kept], dtype=float)  # type: ignore[arg-type]
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"p-values must lie in [0, 1]; got {p[(p < 0) | (p > 1)].tolist()}")
    out: list[float | None] = list(p_values)
    if len(p) == 0:
        return out
    order = np.argsort(p, kind="stable")
    scaled = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    for rank, index in enumerate(order):
        out[kept[index]] = float(adjusted[rank])
    return out


def _key_of(row: Row, key: Key) -> Hashable:
    if isinstance(key, str):
        value = row.get(key)
    else:
        value = tuple(row.get(k) for k in key)
    if _is_missing(value):
        raise ValueError(f"every row needs a value for the pairing key {key!r}; got row {dict(row)!r}")
    return value


def _index(rows: Iterable[Row], key: Key, condition: str, outcome: str) -> dict[Any, dict[Hashable, bool | None]]:
    """Outcomes by condition, then by key, in order of first appearance; duplicates are errors."""
    index: dict[Any, dict[Hashable, bool | None]] = {}
    for row in rows:
        cond, item = row.get(condition), _key_of(row, key)
        seen = index.setdefault(cond, {})
        if item in seen:
            raise ValueError(
                f"two rows share {key!r} = {item!r} in {condition!r} = {cond!r}; "
                "add the column that tells them apart (e.g. a sample index) to `key`"
            )
        seen[item] = _as_binary(row.get(outcome))
    return index


def _rate(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _paired(first: Mapping[Hashable, bool | None], second: Mapping[Hashable, bool | None]) -> dict[str, Any]:
    """McNemar test and rates of `first` vs `second` over their shared keys."""
    shared = [k for k in first if k in second]
    test = mcnemar_exact([first[k] for k in shared], [second[k] for k in shared])
    pairs = [(first[k], second[k]) for k in shared if first[k] is not None and second[k] is not None]
    rate_1, rate_2 = _rate([x for x, _ in pairs]), _rate([y for _, y in pairs])  # type: ignore[misc]
    diff = None if rate_1 is None or rate_2 is None else 100.0 * (rate_2 - rate_1)
    p = test.p_value if test.n_pairs else None
    return {
        "n_pairs": test.n_pairs,
        "rate_1": rate_1,
        "rate_2": rate_2,
        "difference_pp": diff,
        "b": test.b,
        "c": test.c,
        "p": p,
    }


def _with_bh(results: list[dict[str, Any]], alpha: float) -> list[dict[str, Any]]:
    adjusted = benjamini_hochberg([r["p"] for r in results])
    for result, p_adj in zip(results, adjusted, strict=True):
        result["p_adjusted"] = p_adj
        result["significant"] = p_adj is not None and p_adj <= alpha
    return results


def paired_tests(
    rows: Iterable[Row], *, key: Key, condition: str, baseline: Any, outcome: str, alpha: float = 0.05
) -> list[dict[str, Any]]:
    """McNemar exact test of each condition against the baseline condition, BH-corrected across conditions.

    Rows are paired by `key` (an item-id column, or several columns) within the two conditions;
    pairs with a None outcome are dropped. Conditions keep their order of first appearance.

    Returns:
        One dict per non-baseline condition: condition, baseline, n_pairs, rate_baseline,
        rate_condition, difference_pp (condition minus baseline, percentage points), b (baseline
        True, condition False), c (the reverse), p, p_adjusted, significant (p_adjusted <= alpha).
        A condition without pairs has rates, p and p_adjusted None and is left out of the correction.
    """
    index = _index(rows, key, condition, outcome)
    if baseline not in index:
        raise ValueError(f"baseline {condition}={baseline!r} not found; conditions present: {list(index)}")
    results = []
    for cond, outcomes in index.items():
        if cond == baseline:
            continue
        paired = _paired(index[baseline], outcomes)
        rates = {"rate_baseline": paired.pop("rate_1"), "rate_condition": paired.pop("rate_2")}
        results.append({"condition": cond, "baseline": baseline, "n_pairs": paired.pop("n_pairs"), **rates, **paired})
    return _with_bh(results, alpha)


def compare_runs(
    rows_a: Iterable[Row], rows_b: Iterable[Row], *, key: Key, condition: str, outcome: str, alpha: float = 0.05
) -> list[dict[str, Any]]:
    """Paired McNemar test of run A vs run B (e.g. original vs warm fine-tune) per condition, BH-corrected.

    Rows of the two runs are paired on (condition, `key`). Conditions keep their order of first
    appearance in A, then B.

    Returns:
        One dict per condition: condition, n_pairs, rate_a, rate_b, difference_pp (B minus A,
        percentage points), b (A True, B False), c (the reverse), p, p_adjusted, significant.
    """
    index_a = _index(rows_a, key, condition, outcome)
    index_b = _index(rows_b, key, condition, outcome)
    results = []
    for cond in dict.fromkeys([*index_a, *index_b]):
        paired = _paired(index_a.get(cond, {}), index_b.get(cond, {}))
        rates = {"rate_a": paired.pop("rate_1"), "rate_b": paired.pop("rate_2")}
        results.append({"condition": cond, "n_pairs": paired.pop("n_pairs"), **rates, **paired})
    return _with_bh(results, alpha)


def summarise(
    rows: Iterable[Row],
    *,
    by: Sequence[str],
    metrics: Sequence[str],
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Bootstrap mean and CI of each metric column within each group of rows.

    Every (group, metric) uses the same `seed`, so a group's intervals do not depend on which
    other groups are present. A row without a metric column counts as missing for it.

    Returns:
        One dict per group, in order of first appearance: the `by` columns, n_rows, and for each
        metric a dict {"mean", "low", "high", "n"} (see `Interval`).
    """
    clash = set(by) & ({"n_rows"} | set(metrics))
    if clash:
        raise ValueError(f"column names used both as group and metric (or 'n_rows'): {sorted(clash)}")
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(col) for col in by), []).append(row)
    out = []
    for values, members in groups.items():
        summary: dict[str, Any] = {**dict(zip(by, values, strict=True)), "n_rows": len(members)}
        for metric in metrics:
            column = [row.get(metric) for row in members]
            summary[metric] = bootstrap_ci(column, n_boot=n_boot, level=level, seed=seed).as_dict()
        out.append(summary)
    return out


def _level(value: Any) -> str:
    return _NONE_LEVEL if _is_missing(value) else str(value)


def _stack(
    rows_a: Iterable[Row], rows_b: Iterable[Row], outcome: str, columns: Mapping[str, str], cluster: str | None
) -> pd.DataFrame:
    """One frame of both runs: y (0/1), warm (0 for A, 1 for B), categorical columns as strings."""
    import pandas as pd

    records = []
    for warm, rows in ((0, rows_a), (1, rows_b)):
        for row in rows:
            y = _as_binary(row.get(outcome))
            if y is None:
                continue
            record = {"y": int(y), "warm": warm, **{safe: _level(row.get(col)) for safe, col in columns.items()}}
            if cluster is not None:
                record["cluster"] = _level(row.get(cluster))
            records.append(record)
    return pd.DataFrame(records, columns=["y", "warm", *columns, *(["cluster"] if cluster else [])])


def _fit(frame: pd.DataFrame, formula: str, cluster: bool) -> tuple[Any, Any, str | None]:
    """Fit the binomial GLM; return (results, design info, None) or (None, None, 'could not fit: ...')."""
    import patsy
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    if frame.empty or frame["warm"].nunique() < 2:
        return None, None, "could not fit: both runs need rows with an outcome"
    if frame["y"].nunique() < 2:
        return None, None, f"could not fit: the outcome is constant (all {int(frame['y'].iloc[0])})"
    cov: dict[str, Any] = {}
    if cluster:
        import pandas as pd

        cov = {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(frame["cluster"])[0]}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            endog, exog = patsy.dmatrices(formula, frame, return_type="dataframe")
            fit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit(**cov)
        except (ValueError, np.linalg.LinAlgError, patsy.PatsyError) as exc:
            return None, None, f"could not fit: {exc}"
    categories = {w.category for w in caught}
    if PerfectSeparationWarning in categories:
        return None, None, "could not fit: perfect separation (the predictors determine every outcome)"
    if ConvergenceWarning in categories:
        return None, None, "could not fit: the GLM did not converge"
    if not (np.all(np.isfinite(fit.params)) and np.all(np.isfinite(fit.bse))):
        return None, None, "could not fit: non-finite estimates"
    return fit, exog.design_info, None


def _ame(beta: np.ndarray, cov: np.ndarray, x1: np.ndarray, x0: np.ndarray, z: float) -> dict[str, Any]:
    """Average of p(warm=1) - p(warm=0) over the rows of x1/x0, with a delta-method CI, in pp."""
    from scipy.special import expit
    from scipy.stats import norm

    p1, p0 = expit(x1 @ beta), expit(x0 @ beta)
    ame = float(np.mean(p1 - p0))
    grad = ((p1 * (1 - p1))[:, None] * x1 - (p0 * (1 - p0))[:, None] * x0).mean(axis=0)
    se = float(math.sqrt(max(grad @ cov @ grad, 0.0)))
    p = float(2 * norm.sf(abs(ame) / se)) if se > 0 else None
    return {
        "ame_pp": 100 * ame,
        "se_pp": 100 * se,
        "low": 100 * (ame - z * se),
        "high": 100 * (ame + z * se),
        "p": p,
        "n": len(x1),
    }


def _raw(frame: pd.DataFrame) -> dict[str, Any]:
    """Fallback effect: the unadjusted difference in rates, B minus A, in pp (no CI)."""
    a, b = frame.loc[frame["warm"] == 0, "y"], frame.loc[frame["warm"] == 1, "y"]
    diff = 100 * float(b.mean() - a.mean()) if len(a) and len(b) else None
    return {"ame_pp": diff, "se_pp": None, "low": None, "high": None, "p": None, "n": len(frame)}


def _effects(frame: pd.DataFrame, interactions: Mapping[str, str], fit: Any, info: Any, level: float) -> dict[str, Any]:
    """Overall and per-level effects: from the model when `fit` is given, else raw differences."""
    if fit is None:

        def effect(mask: np.ndarray) -> dict[str, Any]:
            return _raw(frame[mask])

    else:
        import patsy
        from scipy.stats import norm

        beta, cov = fit.params.to_numpy(), fit.cov_params().to_numpy()
        x1, x0 = (np.asarray(patsy.build_design_matrices([info], frame.assign(warm=w))[0]) for w in (1, 0))
        z = float(norm.ppf(0.5 + level / 2))

        def effect(mask: np.ndarray) -> dict[str, Any]:
            return _ame(beta, cov, x1[mask], x0[mask], z)

    overall = effect(np.ones(len(frame), dtype=bool))
    by = {
        name: [{"level": lv, **effect((frame[safe] == lv).to_numpy())} for lv in sorted(frame[safe].unique())]
        for safe, name in interactions.items()
    }
    return {"overall": overall, "by": by}


def _coefficients(fit: Any, names: Mapping[str, str]) -> list[dict[str, Any]]:
    def rename(term: str) -> str:
        return re.sub(r"C\((fe\d+|ix\d+)\)", lambda m: f"C({names[m.group(1)]})", term)

    return [
        {
            "term": rename(term),
            "coef": float(fit.params[term]),
            "se": float(fit.bse[term]),
            "p": float(fit.pvalues[term]),
        }
        for term in fit.params.index
    ]


def marginal_effects(
    rows_a: Iterable[Row],
    rows_b: Iterable[Row],
    *,
    outcome: str,
    fixed_effects: Sequence[str] = ("domain",),
    interactions: Sequence[str] = ("context", "belief"),
    cluster: str | None = None,
    level: float = 0.95,
) -> dict[str, Any]:
    """Average marginal effect of warm (run B) vs original (run A) on a binary outcome, in pp.

    Fits the study's binomial GLM (logit link) ``y ~ warm + C(fe)... + warm * C(ix)...`` on both
    runs stacked (warm = 0 for A rows, 1 for B rows; rows with a None outcome dropped; a missing
    category value is its own level "(none)"). Columns with a single level are dropped. The effect
    is the counterfactual average of p(warm=1) - p(warm=0) over the rows (overall, and within each
    level of each interaction column); its CI comes from the delta method with the model-based
    covariance, or the cluster-robust one when `cluster` names a column (e.g. "item_id").

    When the model cannot be fitted (no rows, a constant outcome, perfect separation, no
    convergence) no exception is raised: `note` says "could not fit: ..." and each effect is the
    raw difference in rates (B minus A) without a CI, and `coefficients` is empty.

    Returns:
        {"outcome", "n", "n_a", "n_b", "formula", "dropped", "ci_method", "overall": effect,
        "by": {column: [{"level", **effect}]}, "coefficients": [{"term", "coef", "se", "p"}],
        "note"}, where effect = {"ame_pp", "se_pp", "low", "high", "p", "n"}.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level}")
    # warm * C(x) already holds the main effect of an interaction column x
    fe = {f"fe{i}": col for i, col in enumerate(dict.fromkeys(fixed_effects)) if col not in interactions}
    ix = {f"ix{i}": col for i, col in enumerate(dict.fromkeys(interactions))}
    frame = _stack(rows_a, rows_b, outcome, {**fe, **ix}, cluster)
    dropped = [col for safe, col in {**fe, **ix}.items() if frame[safe].nunique() < 2]
    fe = {safe: col for safe, col in fe.items() if col not in dropped}
    ix = {safe: col for safe, col in ix.items() if col not in dropped}
    terms = ["warm", *(f"C({s})" for s in fe), *(f"warm * C({s})" for s in ix)]
    formula = "y ~ " + " + ".join(terms)
    fit, info, note = _fit(frame, formula, cluster is not None)
    coefficients = _coefficients(fit, {**fe, **ix}) if fit is not None else []
    large = [c["term"] for c in coefficients if abs(c["coef"]) > _LARGE_COEF]
    if large:
        note = f"possible quasi-separation (|coef| > {_LARGE_COEF:g}) in {large}; their SEs are unreliable"
    ci_method = f"delta method, cluster-robust by {cluster}" if cluster else "delta method, model-based covariance"
    return {
        "outcome": outcome,
        "n": len(frame),
        "n_a": int((frame["warm"] == 0).sum()),
        "n_b": int((frame["warm"] == 1).sum()),
        "formula": outcome + re.sub(r"\b(fe\d+|ix\d+)\b", lambda m: {**fe, **ix}[m.group(1)], formula[1:]),
        "dropped": dropped,
        "ci_method": ci_method if fit is not None else None,
        **_effects(frame, ix, fit, info, level),
        "coefficients": coefficients,
        "note": note,
    }
