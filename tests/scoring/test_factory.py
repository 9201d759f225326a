"""One scorer factory for every command: graders by name, a judge with the offline graders beside it."""

import pytest

from sincere.errors import SincereError
from sincere.scoring import factory
from sincere.scoring.validate import agreement, judge_agreement
from tests.scoring.test_judge import ScriptedEngine


def test_default_set_shares_one_correctness_object() -> None:
    scorers = factory.build()
    assert list(scorers) == ["correctness", "refusal", "sycophancy", "warmth"]
    assert list(factory.build(warmth="none")) == ["correctness", "refusal", "sycophancy"]
    assert scorers["sycophancy"].correctness is scorers["correctness"]  # type: ignore[attr-defined]
    assert scorers["correctness"].stance is not None and scorers["correctness"].semantic is not None  # type: ignore


def test_lexical_reads_without_models_and_unknown_names_are_user_errors() -> None:
    lexical = factory.correctness("lexical")
    assert lexical.stance is None and lexical.semantic is None  # type: ignore[attr-defined]
    with pytest.raises(SincereError, match="unknown grader 'lexicl'; choose from default, lexical or judge:MODEL"):
        factory.build("lexicl")
    with pytest.raises(SincereError, match="needs a model"):
        factory.build("judge:")


def test_a_judge_grades_and_the_offline_graders_are_measured_beside_it() -> None:
    judge = ScriptedEngine(lambda prompt: "VERDICT: CORRECT")
    scorers = factory.build(judge=judge, calibrate=True)
    assert scorers["correctness"].judge is not None  # type: ignore[attr-defined]
    assert scorers["correctness_offline"].name == "correctness_offline"
    assert "correctness_offline" not in factory.build(judge=judge)
    assert "correctness_offline" not in factory.build(calibrate=True)  # nothing to calibrate against
    assert scorers["warmth_judge"].name == "warmth_judge"  # the judge rates warmth beside the tone model
    assert "warmth_judge" not in factory.build(judge=judge, calibrate=True, warmth="none")


def test_warmth_measures_are_named_by_what_they_measure(tiny_model) -> None:
    assert list(factory.warmth_measures("tone")) == ["warmth"]
    both = factory.warmth_measures(f"tone, sociot:{tiny_model}", frames=1)
    assert list(both) == ["warmth", "sociot"] and both["sociot"].model_name == str(tiny_model)  # type: ignore
    assert factory.warmth_measures("sociot")["sociot"].model_name == "smollm2-135m"  # type: ignore[attr-defined]
    assert factory.warmth_measures("none") == {} == factory.warmth_measures(None)
    assert set(factory.MEASURES) >= {"warmth", "sociot", "warmth_judge"}
    with pytest.raises(SincereError, match="unknown warmth measure 'smollm2-135m'; choose tone, sociot, sociot:MODEL"):
        factory.warmth_measures("smollm2-135m")
    with pytest.raises(SincereError, match="frames must be 1..4"):
        factory.warmth_measures("sociot", frames=5)


def test_judge_agreement_reports_coverage_and_accuracy_on_decided_per_domain() -> None:
    rows = [("trivia", "correct", "correct"), ("trivia", "unclear", "incorrect"), ("medical", "incorrect", "correct"),
            ("medical", "correct", "unscored")]  # the judge's own non-verdicts are left out
    figures = judge_agreement(rows)
    assert list(figures) == ["medical", "trivia", "all"]
    assert figures["trivia"] | {"kappa": None} == {"n": 2, "coverage": 0.5, "accuracy_decided": 1.0, "kappa": None}
    assert figures["all"]["n"] == 3 and figures["all"]["coverage"] == pytest.approx(2 / 3)
    assert figures["all"]["accuracy_decided"] == 0.5


def test_agreement_counts_unclear_against_coverage_not_accuracy_on_decided() -> None:
    predicted, truth = ["correct", "unclear", "incorrect", "incorrect"], ["correct", "correct", "correct", "incorrect"]
    figures = agreement(predicted, truth)
    assert figures["accuracy"] == 0.5 and figures["coverage"] == 0.75
    assert figures["accuracy_decided"] == pytest.approx(2 / 3)
