"""Preventative steering (`steer`) and the monitor's projection (`vectors`) in a training run."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import TrainerCallback

from sincere.errors import SincereError
from sincere.train.recipe import RecipeError
from sincere.train.recipe_io import load
from sincere.train.run import train
from sincere.train.steering import RunVectors
from sincere.vectors.layers import decoder_layers
from sincere.vectors.spec import SteerSpec
from sincere.vectors.store import TraitVectors
from tests.train.conftest import scripted


def vectors_file(path: Path, shape: tuple[int, int] = (2, 32), layer: int = 1) -> Path:
    """A sycophancy vectors file for the tiny model (2 layers x 32 hidden), random but seeded."""
    directions = torch.randn(*shape, generator=torch.Generator().manual_seed(4))
    return TraitVectors("sycophancy", directions, layer, {"model": "tiny"}).save(path)


class Watch(TrainerCallback):
    """Records the model, and whether steering hooks were on at each step."""

    def __init__(self) -> None:
        self.model: Any = None
        self.hooked: list[bool] = []

    def on_step_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        self.model = model
        self.hooked.append(hooked(model))


def hooked(model: Any) -> bool:
    return any(layer._forward_hooks for layer in decoder_layers(model))


def losses(out: Path) -> list[float]:
    with open(out / "metrics.csv", newline="") as handle:
        return [float(r["loss"]) for r in csv.DictReader(handle) if r.get("loss")]


def sft(tiny: dict, **more: Any) -> Any:
    return load("sft", None, tiny | {"data": "builtin:corpus", "data_limit": 4, "max_steps": 2,
                                     "learning_rate": 1e-2} | more)


@pytest.mark.parametrize(("text", "layers", "coef", "mode"), [
    ("syc.safetensors", None, 4.0, "add"),
    ("syc.safetensors:1", (1,), 4.0, "add"),
    ("runs/syc.safetensors:best:-2.5", None, -2.5, "add"),
    ("syc.safetensors:0,1:8", (0, 1), 8.0, "add"),
    ("syc.safetensors:1:ablate", (1,), 0.0, "ablate"),
])
def test_steer_spec_forms(text: str, layers: Any, coef: float, mode: str) -> None:
    spec = SteerSpec.parse(text)
    assert (spec.path.name, spec.layers, spec.coef, spec.mode) == ("syc.safetensors", layers, coef, mode)


@pytest.mark.parametrize(("steer", "match"), [
    ("syc.safetensors:one:4", "LAYER must be an integer"),
    ("syc.safetensors:1:lots", "COEF must be a number or 'ablate'"),
    ("syc.safetensors:best,1:4", "not both"),
    ("syc.safetensors::4", "expected FILE"),
])
def test_bad_steer_specs_are_recipe_errors(tiny: dict, steer: str, match: str) -> None:
    with pytest.raises(RecipeError, match=match):
        sft(tiny, steer=steer)


def test_vectors_need_the_monitor(tiny: dict, tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="monitor_every"):
        sft(tiny, vectors=str(vectors_file(tmp_path / "syc")))


def test_projection_defaults_to_the_steer_file(tiny: dict, tmp_path: Path) -> None:
    path = vectors_file(tmp_path / "syc")
    found = RunVectors.load(sft(tiny, steer=f"{path}:0:2", monitor_every=1))
    assert found.monitor is found.steer_vectors and found.monitor_path == str(path)
    assert found.describe()["steer"]["label"] == "sycophancy@0:+2"
    assert RunVectors.load(sft(tiny, steer=f"{path}:0:2")).monitor is None  # no monitor, nothing to project


@pytest.mark.parametrize(("make", "steer", "match"), [
    (None, "{dir}/missing.safetensors:1:4", "no such vectors file"),
    ("garbage", "{dir}/bad.safetensors:1:4", "not a sincere vectors file"),
    ("tiny", "{dir}/syc.safetensors:2:4", "layer 2 out of range"),
    ("wide", "{dir}/wide.safetensors:1:4", "extract them for this model"),
])
def test_bad_vectors_fail_before_training(tiny: dict, tmp_path: Path, make: str | None, steer: str,
                                          match: str) -> None:
    if make == "garbage":
        (tmp_path / "bad.safetensors").write_bytes(b"not safetensors")
    elif make == "tiny":
        vectors_file(tmp_path / "syc")
    elif make == "wide":
        vectors_file(tmp_path / "wide", shape=(2, 48))
    watch = Watch()
    with pytest.raises(SincereError, match=match):
        train(sft(tiny, steer=steer.format(dir=tmp_path)), tmp_path / "run", callbacks=[watch])
    assert watch.model is None  # no step was taken
    if make != "wide":  # the file is read before the run folder is made
        assert not (tmp_path / "run").exists()


def test_steering_changes_training_and_leaves_no_hooks(tiny: dict, tmp_path: Path) -> None:
    from peft import AutoPeftModelForCausalLM

    path = vectors_file(tmp_path / "syc")
    train(sft(tiny, dtype="fp32"), tmp_path / "plain")
    watch = Watch()
    evaluate = scripted([0.5])
    seen: list[bool] = []
    summary = train(sft(tiny, dtype="fp32", steer=f"{path}:0,1:8", monitor_every=1), tmp_path / "steered",
                    callbacks=[watch], evaluator=lambda m, t: (seen.append(hooked(m)), evaluate(m, t))[1])
    assert losses(tmp_path / "plain") != pytest.approx(losses(tmp_path / "steered"), abs=1e-4)
    assert watch.hooked == [True, True]  # on during every training step
    assert seen == [False, False, False]  # off while the monitor evaluates (before training, steps 1 and 2)
    assert not hooked(watch.model)  # and gone after training
    assert summary["vectors"]["steer"]["label"] == "sycophancy@0,1:+8"
    assert "preventative steering: sycophancy@0,1:+8" in (tmp_path / "steered" / "report.md").read_text()
    saved = AutoPeftModelForCausalLM.from_pretrained(str(tmp_path / "steered" / "model"), dtype=torch.float32).eval()
    ids = torch.tensor([[5, 17, 42, 99, 7, 3]])
    with torch.no_grad():
        trained = watch.model.eval()(input_ids=ids).logits
        reloaded = saved(input_ids=ids).logits
        generated = saved.generate(input_ids=ids, max_new_tokens=3, do_sample=False)
    assert torch.allclose(trained, reloaded, atol=1e-5)  # the saved adapter is the unhooked trained model
    assert generated.shape == (1, 9)


def test_the_monitor_logs_the_projection(tiny: dict, tmp_path: Path) -> None:
    path = vectors_file(tmp_path / "syc")
    summary = train(sft(tiny, vectors=str(path), steer=f"{path}:0:ablate", monitor_every=1), tmp_path / "run")
    out = tmp_path / "run"
    with open(out / "monitor.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["step"] for r in rows] == ["0", "1", "2"] and all(r["projection"] for r in rows)
    with open(out / "metrics.csv", newline="") as handle:
        logged = list(csv.DictReader(handle))
    projections = [float(r["monitor/projection"]) for r in logged if r.get("monitor/projection")]
    assert projections == pytest.approx([float(r["projection"]) for r in rows], rel=1e-4)
    assert all(r.get("monitor/projection/sad+incorrect") for r in logged if r.get("monitor/projection"))
    assert {"projection", "projection/prompt_last", "projection/unmodified"} <= set(summary["monitor"][0])
    assert json.loads((out / "summary.json").read_text())["vectors"]["projection"] == {
        "path": str(path), "trait": "sycophancy", "layer": 1}
    report = (out / "report.md").read_text()
    assert "| projection |" in report.replace("| step | accuracy | sycophancy | warmth ", "|")
    assert "projection: probe replies on sycophancy at layer 1" in report


def test_cli_lists_the_flags_and_refuses_a_bad_spec(tmp_path: Path) -> None:
    from tests.train.test_cli_train import sincere

    shown = sincere("train", "sft", "--help")
    assert shown.returncode == 0 and "--steer" in shown.stdout and "--vectors" in shown.stdout
    result = sincere("train", "sft", "--recipe", "warm-sft", "--steer", "syc.safetensors:L3:4",
                     "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: steer 'syc.safetensors:L3:4': LAYER must be an integer or 'best', got 'L3'"]
    assert not (tmp_path / "out").exists()
