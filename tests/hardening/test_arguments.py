"""Out-of-range arguments are refused before any work, in one line naming the limit (issue 17, class 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sincere.engines.base import MAX_NEW_TOKENS, MAX_SEED, GenParams
from sincere.errors import SincereError
from sincere.train.recipe import RecipeError, SFTRecipe
from tests.hardening import fuzzing as fz

BAD = [("--seed", "-1", "0"), ("--seed", "99999999999999999999999", f"{MAX_SEED}"),
       ("--temperature", "1e-40", "0.01"), ("--temperature", "inf", "100"), ("--temperature", "nan", "0.01"),
       ("--temperature", "-1", "0.01"), ("--max-new-tokens", "1000000000", f"{MAX_NEW_TOKENS}"),
       ("--max-new-tokens", "0", "1")]
COMMANDS = {
    "audit": ["audit", "--suite", "trivia", "--limit", "2", "--out", "{OUT}"],
    "generate": ["generate", "-p", "hi", "-o", "{OUT}"],
    "vectors extract": ["vectors", "extract", "--out", "{OUT}"],
    "data rewrite": ["data", "rewrite", "builtin", "--style", "warm", "-o", "{OUT}"],
}
ACCEPTS = {"audit": {"--seed", "--temperature", "--max-new-tokens"}, "generate": {"--seed", "--temperature",
           "--max-new-tokens"}, "vectors extract": {"--temperature", "--max-new-tokens"},
           "data rewrite": {"--seed", "--max-new-tokens"}}


CASES = [(command, *bad) for command in COMMANDS for bad in BAD if bad[0] in ACCEPTS[command]]


def argument_case(tmp: Path, command: str, option: str, value: str, limit: str) -> None:
    """The command with one out-of-range value (also run by benchmarks/bench_hardening.py)."""
    out = tmp / "out"
    args = [a.replace("{OUT}", str(out)) for a in COMMANDS[command]] + [option, value]
    code, stdout, stderr = fz.run_cli(args, timeout=20)
    assert code == 2, stderr
    assert stderr.strip().count("\n") == 0 and "Traceback" not in stderr
    assert option in stderr and (limit in stderr.replace(",", "") or "greater than" in stderr)
    assert not out.exists()


@pytest.mark.parametrize(("command", "option", "value", "limit"), CASES, ids=lambda x: str(x))
def test_out_of_range_values_are_refused_before_work(tmp_path: Path, command: str, option: str, value: str,
                                                     limit: str) -> None:
    argument_case(tmp_path, command, option, value, limit)


@pytest.mark.parametrize("settings", [{"seed": -1}, {"seed": 2**64}, {"temperature": 1e-40},
                                      {"temperature": float("inf")}, {"temperature": float("nan")},
                                      {"max_new_tokens": 10**9}])
def test_generation_settings_from_python_are_checked_too(settings: dict) -> None:
    with pytest.raises(SincereError, match="must be"):
        GenParams(**settings)


@pytest.mark.parametrize("settings", [{"seed": -1}, {"seed": 2**64}, {"probe_max_new_tokens": 10**9}])
def test_recipe_settings_out_of_range_are_refused(settings: dict) -> None:
    with pytest.raises(RecipeError, match="must be"):
        SFTRecipe(**settings)


OUT_OF_RANGE = {
    "--seed": st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SEED + 1)),
    "--temperature": st.one_of(st.floats(min_value=1e-300, max_value=0.0099), st.floats(min_value=100.001),
                               st.just(float("nan")), st.floats(max_value=-1e-9)),
    "--max-new-tokens": st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_NEW_TOKENS + 1)),
}


@st.composite
def bad_argument(draw: st.DrawFn) -> tuple[str, str, str]:
    command = draw(st.sampled_from(list(COMMANDS)))
    option = draw(st.sampled_from(sorted(ACCEPTS[command])))
    return command, option, repr(draw(OUT_OF_RANGE[option]))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(bad_argument())
def test_any_out_of_range_value_is_refused_before_work(tmp_path_factory: pytest.TempPathFactory,
                                                       case: tuple[str, str, str]) -> None:
    any_argument_case(tmp_path_factory.mktemp("arg"), case)


def any_argument_case(tmp: Path, case: tuple[str, str, str]) -> None:
    """One command with one drawn out-of-range value (also run by benchmarks/bench_hardening.py)."""
    command, option, value = case
    out = tmp / "out"
    code, _, stderr = fz.run_cli([a.replace("{OUT}", str(out)) for a in COMMANDS[command]] + [option, value],
                                 timeout=20)
    assert code == 2 and stderr.strip().count("\n") == 0 and "Traceback" not in stderr and option in stderr
    assert not out.exists()
