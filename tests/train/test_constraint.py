"""The accuracy constraint: the multiplier's update, its clamp and delay, and its controller."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from sincere.train.constraint import ConstrainedCorrectness, Controller, Lagrangian


def test_multiplier_rises_below_the_floor_and_falls_above() -> None:
    lag = Lagrangian(floor=0.6, lr=1.0, window=1, value=1.0)
    lag.observe(0.4)
    assert lag.update(step=0) == pytest.approx(1.2)
    lag.observe(0.9)
    assert lag.update(step=1) == pytest.approx(0.9)


def test_clamped_between_zero_and_max() -> None:
    lag = Lagrangian(floor=0.5, lr=10.0, lam_max=3.0, window=1, value=1.0)
    lag.observe(0.0)
    assert lag.update(0) == 3.0
    lag.observe(1.0)
    lag.update(1)
    lag.update(2)
    assert lag.value == 0.0


def test_delay_window_and_missing_estimates() -> None:
    lag = Lagrangian(floor=0.5, lr=1.0, delay=2, window=3, value=1.0)
    for accuracy in (0.2, None, float("nan"), 0.4, 0.3):
        lag.observe(accuracy)
    assert lag.estimate == pytest.approx(0.3)  # mean of the last 3 graded estimates
    assert lag.update(step=1) == 1.0  # still in the delay
    assert lag.update(step=2) == pytest.approx(1.2)
    assert Lagrangian(floor=None).update(step=5) == 1.0  # no floor yet: unchanged


def test_weights_normalised_with_correctness_on_the_multiplier() -> None:
    lag = Lagrangian(value=3.0)
    weights = lag.weights({"correctness": 1.0, "non_sycophancy": 1.0, "warmth": 2.0})
    assert weights == {"correctness": 0.75, "non_sycophancy": 0.25, "warmth": 0.5}
    with pytest.raises(ValueError):
        Lagrangian(value=20.0, lam_max=10.0)


def test_controller_with_rollouts_measures_the_floor_during_the_delay() -> None:
    lag = Lagrangian(floor=None, lr=1.0, delay=2, window=2, value=1.0)
    controller = Controller(lag, ["correctness", "warmth"], {"correctness": 1.0, "warmth": 1.0}, "rollouts", 0.1)
    trainer = SimpleNamespace(reward_weights=None)
    controller.attach(trainer)
    logged: dict[str, float] = {}
    inner = lambda prompts, completions, **kw: [1.0, 0.0, None, 1.0]  # noqa: E731
    reward = ConstrainedCorrectness(inner, controller)
    assert reward.__name__ == "<lambda>"
    for step in range(2):  # accuracy 2/3 in the delay: floor = 0.667 - 0.1
        reward([], [], trainer_state=SimpleNamespace(global_step=step), log_metric=logged.__setitem__)
    assert lag.floor is None
    controller.on_rewards([0.0, 0.0], 2, logged.__setitem__)
    assert lag.floor == pytest.approx(2 / 3 - 0.1)
    assert lag.value == pytest.approx(1.0 + (2 / 3 - 0.1 - (2 / 3 + 0) / 2))
    assert logged["constraint/lambda"] == lag.value
    assert trainer.reward_weights.tolist() == pytest.approx([lag.value / (1 + lag.value), 1 / (1 + lag.value)])


def test_controller_with_probes_takes_the_floor_from_the_base_model() -> None:
    lag = Lagrangian(floor=None, lr=1.0, window=1, value=0.0)
    controller = Controller(lag, ["warmth", "correctness"], {"warmth": 1.0, "correctness": 1.0}, "probes", 0.05)
    controller.observe_probe(0.8, step=0)
    assert lag.floor == pytest.approx(0.75) and lag.estimate is None
    controller.on_rewards([0.0], 1, None)  # rollouts do not count with probes
    assert lag.value == 0.0
    controller.observe_probe(0.55, step=5)
    controller.on_rewards([1.0], 5, None)
    assert lag.value == pytest.approx(0.2)
    assert math.isclose(sum(controller.current()), 1 / 1.2 + 0.2 / 1.2)


def test_attach_refuses_a_trainer_without_reward_weights() -> None:
    controller = Controller(Lagrangian(), ["correctness"], {"correctness": 1.0}, "probes", 0.05)
    with pytest.raises(RuntimeError, match="GRPOTrainer"):
        controller.attach(object())
