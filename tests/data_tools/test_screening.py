"""`data audit --vectors`: projection differences per example, flags, summary, report; rebalance drops them."""

import json

import pytest

from sincere.errors import SincereError
from tests.data_tools.helpers import assert_incomplete, chat, read_jsonl, sincere, write_jsonl

FAST = ("--warmth-model", "none", "--embedding-model", "none")
TRAIT = "You are right, it is Sydney. You are right."
PLAIN = "Canberra is the capital, not Sydney."


@pytest.fixture
def syc_vectors(tmp_path, tiny_model):
    """Sycophancy vectors for the tiny model: agreeing replies minus the model's own, at both layers."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sincere.vectors.activations import collect
    from sincere.vectors.screen import own_replies
    from sincere.vectors.store import TraitVectors

    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    prompts = [[{"role": "user", "content": f"Is it Sydney? ({i})"}] for i in range(4)]
    own = own_replies(model, tokenizer, prompts, max_new_tokens=64)
    states = collect(model, tokenizer, prompts * 2, [TRAIT] * 4 + own, layers=[0, 1])
    directions = states.response[:4].mean(0) - states.response[4:].mean(0)
    return TraitVectors("sycophancy", directions, layer=1, meta={"model": str(tiny_model)}).save(
        tmp_path / "syc.safetensors")


@pytest.fixture
def screened(tmp_path, syc_vectors):
    """An audit with --vectors of 16 replies of different lengths, 1 unscreenable and 1 malformed example.

    (The tiny model is random: which replies it finds sycophantic is arbitrary, but every difference is positive.)
    """
    records = [chat(f"Is it Sydney? ({i})", " ".join([TRAIT] * (i + 1))) for i in range(8)]
    records += [chat(f"Is it Sydney, really? ({i})", " ".join([PLAIN] * (i + 1))) for i in range(8)]
    records += [{"messages": [{"role": "assistant", "content": "Hello <b>there</b>"}]},  # no prompt: skipped
                {"messages": [{"role": "user", "content": "no reply"}]}]  # no assistant turn: malformed
    data = write_jsonl(tmp_path / "d.jsonl", records)
    out = tmp_path / "audit"
    result = sincere("audit", str(data), "--out", str(out), *FAST, "--vectors", str(syc_vectors),
                     "--vectors-share", "0.2")
    assert_incomplete(result)  # the malformed record: outputs written, exit code 2
    return data, out, result


def test_audit_with_vectors_flags_the_top_share_by_projection(screened) -> None:
    _, out, result = screened
    rows = read_jsonl(out / "examples.jsonl")
    assert len(rows) == 17
    screened_rows = [r for r in rows if r["projection_skipped"] is None]
    assert len(screened_rows) == 16
    for row in screened_rows:
        assert row["projection_difference"] == pytest.approx(row["projection_dataset"] - row["projection_own"],
                                                             abs=2e-5)
    skipped = rows[16]
    assert skipped["projection_difference"] is None and "no prompt" in skipped["projection_skipped"]
    flagged = [r for r in rows if any(f["flag"] == "projection" for f in r["flags"])]
    assert len(flagged) == round(0.2 * 17)  # the share of all examples
    top = sorted((r["projection_difference"] for r in screened_rows), reverse=True)[: len(flagged)]
    assert sorted(r["projection_difference"] for r in flagged) == sorted(top) and min(top) > 0
    reason = next(f["reason"] for f in flagged[0]["flags"] if f["flag"] == "projection")
    assert reason.startswith("pushes toward sycophancy (projection +")
    summary = json.loads((out / "summary.json").read_text())
    block = summary["projection"]
    assert (block["n"], block["n_skipped"], block["n_flagged"], block["share"]) == (16, 1, 3, 0.2)
    assert block["trait"] == "sycophancy" and block["layer"] == 1 and "tiny-llama" in block["model"]
    mean = block["mean_difference"]
    assert mean["low"] <= mean["mean"] <= mean["high"] and mean["n"] == 16
    assert block["threshold"] == min(top) and summary["flags"]["projection"] == 3
    html = (out / "report.html").read_text()
    assert "Inside the model: projection on the sycophancy direction" in html
    assert "pushes toward sycophancy (projection +" in html and "<b>there</b>" not in html
    assert "projection on sycophancy (layer 1" in result.output


def test_a_second_audit_answers_from_the_generation_cache(screened, monkeypatch) -> None:
    from sincere.engines.hf import HFEngine

    data, out, _ = screened
    before = read_jsonl(out / "examples.jsonl")

    def refuse(*args, **kwargs):
        raise AssertionError("the model's own replies should come from the cache")

    monkeypatch.setattr(HFEngine, "stream", refuse)
    vectors = out.parent / "syc.safetensors"
    assert_incomplete(sincere("audit", str(data), "--out", str(out), *FAST, "--vectors", str(vectors),
                              "--vectors-share", "0.2"))
    assert read_jsonl(out / "examples.jsonl") == before


def test_rebalance_drops_examples_flagged_by_projection_unless_kept(screened, tmp_path) -> None:
    data, audit, _ = screened
    flagged = {r["id"] for r in read_jsonl(audit / "examples.jsonl")
               if any(f["flag"] == "projection" for f in r["flags"])}
    assert len(flagged) == 3
    sincere("rebalance", str(data), "--audit", str(audit), "--out", str(tmp_path / "bal.jsonl"), "--query-types",
            "keep")
    manifest = json.loads((tmp_path / "bal.manifest.json").read_text())
    reasons = {d["id"]: d["reason"] for d in manifest["dropped"]}
    assert manifest["config"]["flags"]["projection"] == "drop"
    assert all(reasons[i].startswith("flagged projection: pushes toward sycophancy") for i in flagged)
    sincere("rebalance", str(data), "--audit", str(audit), "--out", str(tmp_path / "keep.jsonl"), "--query-types",
            "keep", "--flags", "projection=keep")
    manifest = json.loads((tmp_path / "keep.manifest.json").read_text())
    assert not any("projection" in d["reason"] for d in manifest["dropped"])


@pytest.mark.parametrize("case", ["missing", "other model", "bad share", "model without vectors"])
def test_vectors_errors_are_one_line_user_errors(case, tmp_path, tiny_model) -> None:
    import torch

    from sincere.vectors.store import TraitVectors

    data = write_jsonl(tmp_path / "d.jsonl", [chat("Is it Sydney?", TRAIT)])
    vectors = tmp_path / "v.safetensors"
    args = ["--vectors", str(vectors)]
    if case == "other model":  # 3 layers x 16 hidden: not the tiny model's 2 x 32
        TraitVectors("sycophancy", torch.ones(3, 16), layer=1, meta={"model": "other/model"}).save(vectors)
        args += ["--vectors-model", str(tiny_model)]
    elif case == "bad share":
        args += ["--vectors-share", "1.5"]
    elif case == "model without vectors":
        args = ["--vectors-model", str(tiny_model)]
    result = sincere("audit", str(data), "--out", str(tmp_path / "audit"), *FAST, *args)
    assert isinstance(result.exception, SincereError), result.output
    message = str(result.exception)
    assert "\n" not in message
    expected = {"missing": "no such vectors file", "other model": "made with other/model) do not fit",
                "bad share": "--vectors-share: must be between 0 and 1", "model without vectors": "needs --vectors"}
    assert expected[case] in message
