"""The tuned MiniLM shared by the stance and tone models: merging low-rank factors, loading, refusing."""

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from sincere.errors import SincereError
from sincere.scoring.tuned import TunedMiniLM, mean_pool, merge_low_rank


def test_low_rank_factors_are_added_to_the_named_layers() -> None:
    encoder = torch.nn.Sequential(torch.nn.Linear(3, 2, bias=False))
    torch.nn.init.zeros_(encoder[0].weight)
    a, b = torch.ones(1, 3), torch.full((2, 1), 2.0)
    merge_low_rank(encoder, {"0.A": a, "0.B": b}, scale=0.5)
    assert torch.equal(encoder[0].weight, torch.ones(2, 3))
    with pytest.raises(SincereError, match="no layer"):
        merge_low_rank(encoder, {"9.A": a, "9.B": b}, scale=1.0)


def test_missing_weights_say_how_to_rebuild_them(tmp_path: Path) -> None:
    with pytest.raises(SincereError, match="build_me"):
        TunedMiniLM(tmp_path / "none.safetensors", "python scripts/build_me.py")


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    save_file({"x": torch.zeros(1)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(SincereError, match="not a weights file"):
        TunedMiniLM(tmp_path / "other.safetensors", "python scripts/build_me.py")


def test_factors_are_merged_and_the_head_reads_the_mean_pooled_tokens(tmp_path: Path) -> None:
    layer = "encoder.layer.0.attention.self.query"
    head_w, head_b = torch.randn(2, 384), torch.randn(2)
    tensors = {f"lora.{layer}.A": torch.ones(1, 384), f"lora.{layer}.B": torch.zeros(384, 1),
               "head.weight": head_w, "head.bias": head_b}
    save_file(tensors, str(tmp_path / "w.safetensors"), metadata={"config": '{"scale": 2.0}'})
    model = TunedMiniLM(tmp_path / "w.safetensors", "rebuild")
    texts = ["A short text.", "A somewhat longer text, with a clause or two in it."]
    got = model.outputs(texts)
    batch = model.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.inference_mode():  # zero B: the encoder is the plain one, so this is the reference
        want = (mean_pool(model.encoder(**batch).last_hidden_state, batch["attention_mask"]) @ head_w.T + head_b)
    assert got.shape == (2, 2)
    np.testing.assert_allclose(got, want.numpy(), atol=1e-4)
    with pytest.raises(ValueError, match="second texts"):
        model.outputs(texts, ["one"])
