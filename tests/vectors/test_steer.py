from __future__ import annotations

import pytest
import torch

from sincere.errors import SincereError
from sincere.vectors.activations import collect
from sincere.vectors.layers import decoder_layers
from sincere.vectors.spec import SteerSpec
from sincere.vectors.steer import Steering, steer_engine
from sincere.vectors.store import TraitVectors
from tests.vectors.conftest import chat

IDS = torch.tensor([[5, 17, 42, 99, 7, 3]])
DIRECTION = torch.randn(32, generator=torch.Generator().manual_seed(3))


def logits(model) -> torch.Tensor:
    with torch.no_grad():
        return model(input_ids=IDS).logits


def test_hooks_added_and_removed_cleanly(tiny) -> None:
    model, _ = tiny
    before = logits(model)
    with Steering(model, DIRECTION, [0, 1], coef=4.0) as steering:
        assert steering.active
        assert not torch.allclose(logits(model), before)
        with steering.paused():
            assert torch.equal(logits(model), before)
        assert not torch.allclose(logits(model), before)
    assert not steering.active
    assert torch.equal(logits(model), before)
    assert all(not layer._forward_hooks for layer in decoder_layers(model))


def test_ablation_removes_the_component(tiny) -> None:
    model, tokenizer = tiny
    unit = DIRECTION / DIRECTION.norm()
    with Steering(model, DIRECTION, [0], mode="ablate"):
        states = collect(model, tokenizer, [chat("Are you sure?")], ["Yes, Paris."], layers=[0])
    assert abs(float(states.at(0)[0] @ unit)) < 1e-4


def test_steering_through_a_lora_wrapper(tiny) -> None:
    peft = pytest.importorskip("peft")
    model, _ = tiny
    base_layers = list(decoder_layers(model))
    wrapped = peft.get_peft_model(model, peft.LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    try:
        assert list(decoder_layers(wrapped)) == base_layers
        wrapped.train()
        before = wrapped(input_ids=IDS).logits.detach()
        with Steering(wrapped, DIRECTION, [1], coef=4.0):
            steered = wrapped(input_ids=IDS).logits
            steered.sum().backward()
        grads = [p.grad for n, p in wrapped.named_parameters() if "lora_" in n]
        assert grads and all(g is not None for g in grads)
        assert not torch.allclose(steered.detach(), before)
        assert torch.equal(wrapped(input_ids=IDS).logits.detach(), before)
    finally:
        wrapped.unload()
        model.eval()
    assert all(not layer._forward_hooks for layer in decoder_layers(model))


def test_steering_checks_its_arguments(tiny) -> None:
    model, _ = tiny
    with pytest.raises(SincereError, match="layers"):
        Steering(model, DIRECTION, [2])
    with pytest.raises(SincereError, match="mode"):
        Steering(model, DIRECTION, [0], mode="flip")  # type: ignore[arg-type]
    with pytest.raises(SincereError, match="zero"):
        Steering(model, torch.zeros(32), [0])


@pytest.mark.parametrize(
    ("text", "layer", "coef", "mode"),
    [
        ("syc.safetensors:3:2.5", (3,), 2.5, "add"),
        ("syc.safetensors:best:-4", None, -4.0, "add"),
        ("runs/v.safetensors:0:ablate", (0,), 0.0, "ablate"),
        ("C:/v/syc.safetensors:12:1e1", (12,), 10.0, "add"),
        ("syc.safetensors", None, 4.0, "add"),
        ("syc.safetensors:3", (3,), 4.0, "add"),
    ],
)
def test_steer_spec_parses(text: str, layer: tuple[int, ...] | None, coef: float, mode: str) -> None:
    spec = SteerSpec.parse(text)
    assert (spec.layers, spec.coef, spec.mode) == (layer, coef, mode)
    assert spec.path.name.endswith(".safetensors")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (":3:1", "FILE\\[:LAYER\\[:COEF\\]\\]"),
        ("syc:x:1", "LAYER must be an integer"),
        ("syc:-1:1", "LAYER must be >= 0"),
        ("syc:1:strong", "COEF must be a number"),
        ("syc:1:nan", "COEF must be finite"),
    ],
)
def test_steer_spec_errors(text: str, message: str) -> None:
    with pytest.raises(SincereError, match=message):
        SteerSpec.parse(text)


def test_steer_engine_changes_generation_and_fingerprint(tiny_model, tmp_path) -> None:
    from sincere.engines import GenParams, load_engine

    engine = load_engine(str(tiny_model))
    vectors = TraitVectors("sycophancy", torch.randn(2, 32, generator=torch.Generator().manual_seed(4)), 1)
    path = vectors.save(tmp_path / "v.safetensors")
    params = GenParams(max_new_tokens=8)
    plain, fingerprint = engine.generate([chat("Are you sure?")], params)[0], engine.fingerprint
    with steer_engine(engine, f"{path}:1:40"):
        steered = engine.generate([chat("Are you sure?")], params)[0]
    assert engine.fingerprint.startswith(fingerprint + "+steer:sycophancy@1:+40:")
    assert steered.text != plain.text
    with pytest.raises(SincereError, match="out of range"):
        steer_engine(engine, f"{path}:7:1")
