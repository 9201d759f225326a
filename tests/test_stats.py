"""Tests for sincere.stats, checked against scipy / statsmodels reference computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from sincere import stats
from sincere.stats import (
    Interval,
    benjamini_hochberg,
    bootstrap_ci,
    compare_runs,
    marginal_effects,
    mcnemar_exact,
    paired_tests,
    summarise,
)

TABLES = [[[10, 5], [2, 20]], [[5, 12], [3, 8]], [[0, 1], [9, 0]], [[50, 30], [31, 40]], [[3, 0], [0, 4]]]


def pairs_from_table(table: list[list[int]]) -> tuple[list[bool], list[bool]]:
    """Before/after outcomes whose 2x2 table (rows: before True/False, cols: after True/False) is `table`."""
    before: list[bool] = []
    after: list[bool] = []
    for i, x in enumerate((True, False)):
        for j, y in enumerate((True, False)):
            before += [x] * table[i][j]
            after += [y] * table[i][j]
    return before, after


def simulate_runs(seed: int = 0, n_items: int = 150, contexts: tuple[str, ...] = ("neutral", "sad")) -> tuple:
    """Rows of an original run A and a warm run B: items x context x belief, with an `incorrect` outcome."""
    rng = np.random.default_rng(seed)
    runs = []
    for warm in (0, 1):
        rows = []
        for item in range(n_items):
            for context in contexts:
                for belief in (None, "incorrect"):
                    p = 0.25 + 0.1 * warm + 0.12 * warm * (context == "sad") + 0.15 * (belief == "incorrect")
                    condition = context if belief is None else f"{context}+{belief}"
                    rows.append(
                        {"item_id": f"q{item}", "condition": condition, "domain": "abc"[item % 3],
                         "context": context, "belief": belief, "incorrect": bool(rng.random() < p)}
                    )  # fmt: skip
        runs.append(rows)
    return runs[0], runs[1]


def stacked_frame(rows_a: list[dict], rows_b: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([{**r, "warm": w} for w, rows in ((0, rows_a), (1, rows_b)) for r in rows])
    frame["belief"] = frame["belief"].fillna("(none)")
    frame["incorrect"] = frame["incorrect"].astype(int)
    return frame


# --- bootstrap_ci -----------------------------------------------------------------------------


def test_bootstrap_reproducible_by_seed_and_brackets_mean() -> None:
    values = np.random.default_rng(1).normal(size=40).tolist()
    first = bootstrap_ci(values, n_boot=500, seed=7)
    assert first == bootstrap_ci(values, n_boot=500, seed=7)
    assert first != bootstrap_ci(values, n_boot=500, seed=8)
    assert first.low < first.mean < first.high
    assert first.mean == pytest.approx(np.mean(values)) and first.n == 40


def test_bootstrap_covers_true_mean_in_simulation() -> None:
    rng = np.random.default_rng(123)
    trials = 200
    hits = 0
    for t in range(trials):
        interval = bootstrap_ci((rng.random(60) < 0.3).tolist(), n_boot=400, seed=t)
        hits += interval.low <= 0.3 <= interval.high
    assert 0.88 <= hits / trials <= 0.99


def test_bootstrap_skips_none_and_nan() -> None:
    interval = bootstrap_ci([1, None, float("nan"), 0, True, np.nan], n_boot=200)
    assert interval.n == 3 and interval.mean == pytest.approx(2 / 3)


def test_bootstrap_degenerate_inputs() -> None:
    assert bootstrap_ci([]) == Interval(None, None, None, 0)
    assert bootstrap_ci([None, float("nan")]).as_dict() == {"mean": None, "low": None, "high": None, "n": 0}
    assert bootstrap_ci([0.4]) == Interval(0.4, 0.4, 0.4, 1)
    assert bootstrap_ci([1, 1, 1]) == Interval(1.0, 1.0, 1.0, 3)


def test_bootstrap_chunking_does_not_change_result(monkeypatch: pytest.MonkeyPatch) -> None:
    values = [1, 0, 1, 1, 0, 0, 1, 0.5, 2]
    whole = bootstrap_ci(values, n_boot=101, seed=3)
    monkeypatch.setattr(stats, "_MAX_DRAWS", 7)
    assert bootstrap_ci(values, n_boot=101, seed=3) == whole


@pytest.mark.parametrize("kwargs", [{"level": 1.0}, {"level": 0.0}, {"n_boot": 0}])
def test_bootstrap_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        bootstrap_ci([1, 0], **kwargs)


# --- mcnemar_exact ----------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_mcnemar_matches_statsmodels_and_binomtest(table: list[list[int]]) -> None:
    before, after = pairs_from_table(table)
    result = mcnemar_exact(before, after)
    reference = mcnemar(np.array(table), exact=True)
    b, c = table[0][1], table[1][0]
    assert (result.n_pairs, result.b, result.c) == (sum(map(sum, table)), b, c)
    assert result.statistic == reference.statistic
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-12)
    if b + c:
        assert result.p_value == pytest.approx(binomtest(b, b + c, 0.5).pvalue, rel=1e-12)


def test_mcnemar_drops_pairs_with_none() -> None:
    before, after = pairs_from_table(TABLES[0])
    padded = mcnemar_exact([*before, None, True, float("nan")], [*after, False, None, True])
    assert padded == mcnemar_exact(before, after)


def test_mcnemar_no_discordant_pairs_and_empty() -> None:
    assert mcnemar_exact([True, False], [True, False]).p_value == 1.0
    assert mcnemar_exact([], []).as_dict() == {"n_pairs": 0, "b": 0, "c": 0, "statistic": 0.0, "p_value": 1.0}


def test_mcnemar_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="pair up"):
        mcnemar_exact([True], [True, False])
    with pytest.raises(ValueError, match="binary"):
        mcnemar_exact([0.5], [True])


# --- benjamini_hochberg -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bh_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.random(12) ** 3, [0.02, 0.02, 1.0]])  # small p-values, ties and a 1
    rng.shuffle(p)
    expected = multipletests(p, method="fdr_bh")[1]
    adjusted = benjamini_hochberg(p.tolist())
    np.testing.assert_allclose(adjusted, expected, rtol=1e-12)
    order = np.argsort(p)
    assert np.all(np.diff(np.asarray(adjusted)[order]) >= 0) and max(adjusted) <= 1.0


def test_bh_passes_none_through() -> None:
    p = [0.01, None, 0.04, 0.03, float("nan"), 0.5]
    adjusted = benjamini_hochberg(p)
    assert adjusted[1] is None and math.isnan(adjusted[4])
    kept = [0.01, 0.04, 0.03, 0.5]
    np.testing.assert_allclose([adjusted[i] for i in (0, 2, 3, 5)], multipletests(kept, method="fdr_bh")[1])
    assert benjamini_hochberg([]) == [] and benjamini_hochberg([None]) == [None]
    with pytest.raises(ValueError):
        benjamini_hochberg([0.5, 1.5])


# --- paired_tests / compare_runs --------------------------------------------------------------


def test_paired_tests_matches_per_condition_mcnemar_and_bh() -> None:
    rows_a, _ = simulate_runs(seed=3, n_items=60)
    rows_a[0]["incorrect"] = None  # item q0 under "neutral": dropped from every pair
    rows_a = [r for r in rows_a if not (r["item_id"] == "q1" and r["condition"] == "sad")]  # unpaired
    results = paired_tests(rows_a, key="item_id", condition="condition", baseline="neutral", outcome="incorrect")
    assert [r["condition"] for r in results] == ["neutral+incorrect", "sad", "sad+incorrect"]
    base = {r["item_id"]: r["incorrect"] for r in rows_a if r["condition"] == "neutral"}
    p_values = []
    for result in results:
        cond = {r["item_id"]: r["incorrect"] for r in rows_a if r["condition"] == result["condition"]}
        items = [k for k in base if k in cond and base[k] is not None and cond[k] is not None]
        reference = mcnemar_exact([base[k] for k in items], [cond[k] for k in items])
        assert (result["n_pairs"], result["b"], result["c"], result["p"]) == (
            len(items), reference.b, reference.c, reference.p_value,
        )  # fmt: skip
        assert result["rate_baseline"] == pytest.approx(np.mean([base[k] for k in items]))
        assert result["difference_pp"] == pytest.approx(100 * (result["rate_condition"] - result["rate_baseline"]))
        p_values.append(reference.p_value)
    reject, adjusted, _, _ = multipletests(p_values, alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose([r["p_adjusted"] for r in results], adjusted)
    assert [r["significant"] for r in results] == reject.tolist()
    assert results[0]["n_pairs"] == 59 and results[1]["n_pairs"] == 58


def test_paired_tests_errors_and_empty_condition() -> None:
    rows = [
        {"id": 1, "cond": "base", "y": True},
        {"id": 1, "cond": "x", "y": False},
        {"id": 2, "cond": "lonely", "y": True},
    ]
    results = paired_tests(rows, key="id", condition="cond", baseline="base", outcome="y")
    assert results[1]["n_pairs"] == 0 and results[1]["p"] is None and results[1]["p_adjusted"] is None
    assert results[0]["p_adjusted"] == 1.0 and results[0]["significant"] is False
    with pytest.raises(ValueError, match="baseline"):
        paired_tests(rows, key="id", condition="cond", baseline="nope", outcome="y")
    with pytest.raises(ValueError, match="share"):
        paired_tests([*rows, rows[0]], key="id", condition="cond", baseline="base", outcome="y")
    with_sample = [*rows, {**rows[0], "s": 1}]
    two_keys = paired_tests(with_sample, key=("id", "s"), condition="cond", baseline="base", outcome="y")
    assert two_keys[0]["n_pairs"] == 1


def test_compare_runs_matches_mcnemar_and_bh() -> None:
    rows_a, rows_b = simulate_runs(seed=4, n_items=80)
    rows_b = [*rows_b, {"item_id": "extra", "condition": "only-b", "incorrect": True}]
    results = compare_runs(rows_a, rows_b, key="item_id", condition="condition", outcome="incorrect")
    assert [r["condition"] for r in results] == ["neutral", "neutral+incorrect", "sad", "sad+incorrect", "only-b"]
    for result in results[:4]:
        a = [r["incorrect"] for r in rows_a if r["condition"] == result["condition"]]
        b = [r["incorrect"] for r in rows_b if r["condition"] == result["condition"]]
        reference = mcnemar(pd.crosstab(np.array(a), np.array(b)).to_numpy()[::-1, ::-1], exact=True)
        assert result["p"] == pytest.approx(reference.pvalue) and result["n_pairs"] == 80
        assert result["difference_pp"] == pytest.approx(100 * (np.mean(b) - np.mean(a)))
    assert results[4]["n_pairs"] == 0 and results[4]["p_adjusted"] is None
    adjusted = multipletests([r["p"] for r in results[:4]], method="fdr_bh")[1]
    np.testing.assert_allclose([r["p_adjusted"] for r in results[:4]], adjusted)


# --- summarise --------------------------------------------------------------------------------


def test_summarise_groups_and_metrics() -> None:
    rows = [
        {"condition": "neutral", "domain": "math", "incorrect": True, "warmth": 3.0},
        {"condition": "neutral", "domain": "math", "incorrect": False, "warmth": None},
        {"condition": "sad", "domain": "math", "incorrect": None, "warmth": 5.0},
        {"condition": "neutral", "domain": "bio", "incorrect": 1},
    ]
    out = summarise(rows, by=["condition"], metrics=["incorrect", "warmth"], n_boot=300, seed=5)
    assert [(r["condition"], r["n_rows"]) for r in out] == [("neutral", 3), ("sad", 1)]
    assert out[0]["incorrect"] == bootstrap_ci([True, False, 1], n_boot=300, seed=5).as_dict()
    assert out[0]["warmth"] == {"mean": 3.0, "low": 3.0, "high": 3.0, "n": 1}
    assert out[1]["incorrect"]["n"] == 0 and out[1]["incorrect"]["mean"] is None
    two = summarise(rows, by=["condition", "domain"], metrics=["incorrect"], n_boot=300, seed=5)
    assert [(r["condition"], r["domain"], r["incorrect"]["n"]) for r in two] == [
        ("neutral", "math", 2), ("sad", "math", 0), ("neutral", "bio", 1),
    ]  # fmt: skip
    with pytest.raises(ValueError):
        summarise(rows, by=["incorrect"], metrics=["incorrect"])


# --- marginal_effects -------------------------------------------------------------------------


def test_marginal_effects_without_interactions_match_logit_margeff() -> None:
    rows_a, rows_b = simulate_runs(seed=0)
    result = marginal_effects(rows_a, rows_b, outcome="incorrect", interactions=())
    assert result["formula"] == "incorrect ~ warm + C(domain)" and result["note"] is None
    frame = stacked_frame(rows_a, rows_b)
    glm = smf.glm("incorrect ~ warm + C(domain)", frame, family=sm.families.Binomial()).fit()
    coefs = {c["term"]: c for c in result["coefficients"]}
    assert set(coefs) == set(glm.params.index)
    for term in glm.params.index:
        assert coefs[term]["coef"] == pytest.approx(glm.params[term], rel=1e-8)
        assert coefs[term]["se"] == pytest.approx(glm.bse[term], rel=1e-6)
        assert coefs[term]["p"] == pytest.approx(glm.pvalues[term], rel=1e-5, abs=1e-12)
    logit = smf.logit("incorrect ~ warm + C(domain)", frame).fit(disp=0)
    margeff = logit.get_margeff(at="overall", dummy=True)
    i = list(logit.params.index[1:]).index("warm")
    assert result["overall"]["ame_pp"] == pytest.approx(100 * margeff.margeff[i], rel=1e-6)
    assert result["overall"]["se_pp"] == pytest.approx(100 * margeff.margeff_se[i], rel=1e-5)
    assert result["overall"]["low"] == pytest.approx(100 * margeff.conf_int()[i, 0], rel=1e-5)
    assert (result["n"], result["n_a"], result["n_b"], result["by"]) == (1200, 600, 600, {})


def test_marginal_effects_with_interactions_match_counterfactual_average() -> None:
    rows_a, rows_b = simulate_runs(seed=1)
    result = marginal_effects(rows_a, rows_b, outcome="incorrect")
    formula = "incorrect ~ warm + C(domain) + warm * C(context) + warm * C(belief)"
    assert result["formula"] == formula and result["dropped"] == []
    frame = stacked_frame(rows_a, rows_b)
    glm = smf.glm(formula, frame, family=sm.families.Binomial()).fit()
    assert {c["term"]: c["coef"] for c in result["coefficients"]} == pytest.approx(glm.params.to_dict(), rel=1e-8)
    gap = glm.predict(frame.assign(warm=1)) - glm.predict(frame.assign(warm=0))
    assert result["overall"]["ame_pp"] == pytest.approx(100 * gap.mean(), rel=1e-8)
    for column in ("context", "belief"):
        by_level = {e["level"]: e for e in result["by"][column]}
        expected = (100 * gap.groupby(frame[column]).mean()).to_dict()
        assert {k: v["ame_pp"] for k, v in by_level.items()} == pytest.approx(expected, rel=1e-8)
        assert sum(e["n"] for e in by_level.values()) == len(frame)
    sad = next(e for e in result["by"]["context"] if e["level"] == "sad")
    assert sad["low"] < sad["ame_pp"] < sad["high"] and 0 < sad["p"] < 1


def test_marginal_effects_cluster_robust_se_matches_logit_margeff() -> None:
    rows_a, rows_b = simulate_runs(seed=2, n_items=100)
    result = marginal_effects(rows_a, rows_b, outcome="incorrect", interactions=(), cluster="item_id")
    frame = stacked_frame(rows_a, rows_b)
    groups = pd.factorize(frame["item_id"])[0]
    logit = smf.logit("incorrect ~ warm + C(domain)", frame).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": groups}
    )
    margeff = logit.get_margeff(at="overall", dummy=True)
    i = list(logit.params.index[1:]).index("warm")
    assert result["overall"]["se_pp"] == pytest.approx(100 * margeff.margeff_se[i], rel=1e-4)
    assert "cluster-robust by item_id" in result["ci_method"]


def test_marginal_effects_drops_single_level_columns_and_none_outcomes() -> None:
    rows_a, rows_b = simulate_runs(seed=5, n_items=60, contexts=("neutral",))
    rows_a[0]["incorrect"] = None
    fixed = ("domain", "absent", "belief")  # an interaction column listed as fixed effect enters once
    result = marginal_effects(rows_a, rows_b, outcome="incorrect", fixed_effects=fixed)
    assert result["dropped"] == ["absent", "context"]
    assert result["formula"] == "incorrect ~ warm + C(domain) + warm * C(belief)"
    assert (result["n"], result["n_a"]) == (239, 119) and list(result["by"]) == ["belief"]


@pytest.mark.parametrize(
    ("case", "note", "ame"),
    [
        ("constant", "could not fit: the outcome is constant", 0.0),
        ("separated", "could not fit: perfect separation", 100.0),
        ("empty", "could not fit: both runs", None),
        ("one_run", "could not fit: both runs", None),
    ],
)
def test_marginal_effects_degenerate_inputs_do_not_raise(case: str, note: str, ame: float | None) -> None:
    rows_a, rows_b = simulate_runs(seed=6, n_items=30)
    if case == "constant":
        rows_a = [{**r, "incorrect": False} for r in rows_a]
        rows_b = [{**r, "incorrect": False} for r in rows_b]
    elif case == "separated":
        rows_a = [{**r, "incorrect": False} for r in rows_a]
        rows_b = [{**r, "incorrect": True} for r in rows_b]
    elif case == "empty":
        rows_a, rows_b = [], []
    else:
        rows_b = [{**r, "incorrect": None} for r in rows_b]
    result = marginal_effects(rows_a, rows_b, outcome="incorrect")
    assert result["note"].startswith(note)
    assert result["overall"]["ame_pp"] == ame and result["overall"]["low"] is None
    assert result["coefficients"] == [] and result["ci_method"] is None
    if case in ("constant", "separated"):
        assert [e["ame_pp"] for e in result["by"]["context"]] == [ame, ame]


def test_marginal_effects_flags_quasi_separation_but_reports_effect() -> None:
    rows_a, rows_b = simulate_runs(seed=7, n_items=90)
    for row in [*rows_a, *rows_b]:
        if row["domain"] == "c":
            row["incorrect"] = False  # domain c never wrong: its coefficient runs off to -infinity
    result = marginal_effects(rows_a, rows_b, outcome="incorrect", interactions=())
    assert "quasi-separation" in result["note"] and "C(domain)[T.c]" in result["note"]
    assert math.isfinite(result["overall"]["se_pp"]) and 0 < result["overall"]["ame_pp"] < 40
