"""Remembered model outputs: the same values as reading, no encoder run for what was read before."""

from pathlib import Path

import numpy as np
import pytest

from sincere.errors import SincereError
from sincere.scoring import stance, tone, tuned
from sincere.scoring.memo import Memo, key

PAIRS = (
    ["What is the capital of Australia? Canberra", "What is the capital of Australia? Sydney",
     "What is the capital of Australia? Canberra"],
    ["The capital is Canberra.", "The capital is Canberra.", "The capital is Canberra."],
)


def test_outputs_are_stored_and_read_back(tmp_path: Path) -> None:
    memo = Memo(tmp_path / "c.sqlite")
    memo.put_many({"a": np.array([1.5, -2.0]), "b": np.array([0.25])})
    again = Memo(tmp_path / "c.sqlite")  # another connection, as another process would have
    found = again.get_many(["a", "b", "c", "a"])
    assert set(found) == {"a", "b"} and again.count() == 2
    np.testing.assert_array_equal(found["a"], np.array([1.5, -2.0], dtype=np.float32))


def test_keys_tell_models_limits_and_pairs_apart() -> None:
    base = key("m1", 128, "first", "second")
    assert len({base, key("m2", 128, "first", "second"), key("m1", 256, "first", "second"),
                key("m1", 128, "first", None), key("m1", 128, "firsts", "econd")}) == 5


def test_a_file_that_is_no_database_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(SincereError, match="output cache .* is unusable"):
        Memo(bad)


def test_a_cold_memo_gives_the_outputs_of_reading_and_a_warm_one_reads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    weights = stance.weights_path()
    plain = tuned.outputs(weights, stance.REBUILD, *PAIRS, stance.MAX_LENGTH)
    memo = Memo(tmp_path / "c.sqlite")
    cold = tuned.outputs(weights, stance.REBUILD, *PAIRS, stance.MAX_LENGTH, memo=memo)
    np.testing.assert_array_equal(cold, plain)  # the same batches: bit for bit
    assert memo.count() == 2  # the repeated pair is stored once

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the encoder ran on remembered inputs")

    monkeypatch.setattr(tuned, "load", no_model)
    warm = tuned.outputs(weights, stance.REBUILD, *PAIRS, stance.MAX_LENGTH, memo=memo)
    np.testing.assert_array_equal(warm, plain)
    with pytest.raises(AssertionError, match="encoder ran"):  # a new pair is read
        tuned.outputs(weights, stance.REBUILD, ["Q? A"], ["B."], stance.MAX_LENGTH, memo=memo)


def test_tone_ratings_through_a_memo_are_the_ratings(tmp_path: Path) -> None:
    texts = ["Canberra. Only an idiot would ask that.", "Great question! It's Canberra, enjoy your trip!", ""]
    memo = Memo(tmp_path / "c.sqlite")
    assert tone.ToneWarmth(memo=memo).values(texts) == tone.ToneWarmth().values(texts)
    assert tone.ToneWarmth(memo=memo).values(texts) == tone.ToneWarmth().values(texts)
    assert memo.count() == 2


def test_bf16_ratings_are_close_to_fp32_and_remembered_apart(tmp_path: Path) -> None:
    """bf16 (the default where the CPU has native bf16 matmuls) rates within a few hundredths of fp32, and a memo
    never hands one precision's outputs to the other."""
    texts = ["Canberra. Only an idiot would ask that.", "Great question! It's Canberra, enjoy your trip!"]
    fp32, bf16 = tone.ToneWarmth(bf16=False).values(texts), tone.ToneWarmth(bf16=True).values(texts)
    assert all(abs(a - b) < 0.05 for a, b in zip(fp32, bf16, strict=True))  # type: ignore[operator]
    memo = Memo(tmp_path / "c.sqlite")
    assert tone.ToneWarmth(memo=memo, bf16=False).values(texts) == fp32
    assert tone.ToneWarmth(memo=memo, bf16=True).values(texts) == bf16 and memo.count() == 4


def test_the_fingerprint_follows_the_weights_file(tmp_path: Path) -> None:
    copy = tmp_path / "w.safetensors"
    copy.write_bytes(stance.weights_path().read_bytes())
    assert tuned.fingerprint(copy) == tuned.fingerprint(stance.weights_path())
    copy.write_bytes(tone.weights_path().read_bytes())
    assert tuned.fingerprint(copy) != tuned.fingerprint(stance.weights_path())
