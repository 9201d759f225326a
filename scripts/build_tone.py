"""Build `src/sincere/scoring/tone.safetensors`: the tone (warmth) model, trained on the tone set.

    .venv/bin/python scripts/build_tone.py [--leave-out-writer W --out PATH]

Trains low-rank (LoRA, via peft) updates of every layer of the embedded MiniLM and a linear
regression head on the mean-pooled tokens to predict the blind raters' 1-7 warmth rating of a
reply, from `tests/data/tone.jsonl` (120 scenarios x 6 tones x short/long, written by ten hands
in different registers and each rated by two raters who saw neither tone nor scenario). By
default it trains on the `train` scenarios only, so the `test` scenarios stay held out
(`benchmarks/bench_warmth.py` quotes them).
With `--leave-out-writer W` it trains on every scenario of the other writers instead, to see how
the model carries to a hand it never read (`bench_warmth.py --writer W`).

The target of a reply is the mean rating of its tone in its scenario over both lengths (the
raters rated long hostile replies a little colder and long effusive ones a little warmer than
short ones; the score should not reward or punish length as such), and 30% of the long replies
are replaced, each epoch, by a random run of their sentences with the same target. About 16 minutes on 2 CPU
cores; only the low-rank factors and the head are saved (about 0.6 MB).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModel, AutoTokenizer

from sincere import models
from sincere.scoring.text import split_sentences
from sincere.scoring.tone import CENTRE, MAX_LENGTH, SPREAD, weights_path
from sincere.scoring.tuned import TARGETS, low_rank_factors, mean_pool

TONE_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "tone.jsonl"
RANK, ALPHA, EPOCHS, BATCH, LR = 8, 16, 6, 16, 5e-4
#: Share of long replies replaced by a run of their sentences in each epoch.
SUBSET = 0.3


def load_rows(path: Path = TONE_SET) -> list[dict]:
    """The tone set's rows."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def targets(rows: list[dict]) -> list[float]:
    """Each reply's target: the mean rating of its (scenario, tone) over both lengths."""
    groups: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        groups.setdefault((row["scenario"], row["tone"]), []).append(row["rating"])
    return [sum(g) / len(g) for g in (groups[(r["scenario"], r["tone"])] for r in rows)]


def variant(text: str, rng: random.Random) -> str:
    """The text, or (for a reply of three sentences or more, some of the time) a run of its sentences."""
    sentences = split_sentences(text)
    if len(sentences) < 3 or rng.random() >= SUBSET:
        return text
    size = rng.randint(2, len(sentences) - 1)
    start = rng.randint(0, len(sentences) - size)
    return " ".join(sentences[start : start + size])


def train(rows: list[dict], seed: int) -> tuple[torch.nn.Module, torch.nn.Linear]:
    """LoRA factors of every MiniLM layer and a linear head, fitted to (target - CENTRE) / SPREAD."""
    rows = [dict(row, target=t) for row, t in zip(rows, targets(rows), strict=True)]
    torch.manual_seed(seed)
    rng = random.Random(seed)
    folder = str(models.embedded_dir("minilm"))
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    config = LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.1, target_modules=list(TARGETS))
    encoder = get_peft_model(AutoModel.from_pretrained(folder, local_files_only=True), config)
    head = torch.nn.Linear(encoder.config.hidden_size, 1)
    params = [p for p in encoder.parameters() if p.requires_grad] + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
    steps = EPOCHS * -(-len(rows) // BATCH)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LR, total_steps=steps, pct_start=0.1)
    encoder.train()
    started = time.time()
    for epoch in range(EPOCHS):
        order = rows[:]
        rng.shuffle(order)
        for at in range(0, len(order), BATCH):
            chunk = order[at : at + BATCH]
            batch = tokenizer([variant(r["text"], rng) for r in chunk], padding=True, truncation=True,
                              max_length=MAX_LENGTH, return_tensors="pt")
            with torch.autocast("cpu", dtype=torch.bfloat16):
                pooled = mean_pool(encoder(**batch).last_hidden_state, batch["attention_mask"])
            target = torch.tensor([(r["target"] - CENTRE) / SPREAD for r in chunk])
            loss = torch.nn.functional.mse_loss(head(pooled.float()).squeeze(-1), target)
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        print(f"epoch {epoch + 1}/{EPOCHS} loss {loss.item():.4f} {time.time() - started:.0f}s", flush=True)
    return encoder, head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=TONE_SET, help="the tone set")
    parser.add_argument("--out", type=Path, default=None, help="where to write the weights (default: the shipped file)")
    parser.add_argument("--leave-out-writer", default=None, help="train on every scenario of the other writers")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = load_rows(args.data)
    if args.leave_out_writer:
        if args.out is None:
            sys.exit("--leave-out-writer builds a model for a check: name its --out (the shipped file stays)")
        chosen = [r for r in rows if r["writer"] != args.leave_out_writer]
        described = f"tone set, every scenario except writer {args.leave_out_writer}'s"
    else:
        chosen = [r for r in rows if r["split"] == "train"]
        described = "tone set, train scenarios"
    out = args.out or weights_path()
    print(f"{len(chosen)} replies of {len({r['scenario'] for r in chosen})} scenarios", flush=True)
    encoder, head = train(chosen, args.seed)
    tensors = low_rank_factors(encoder)
    tensors["head.weight"] = head.weight.detach().contiguous()
    tensors["head.bias"] = head.bias.detach().contiguous()
    config = {"rank": RANK, "scale": ALPHA / RANK, "epochs": EPOCHS, "seed": args.seed, "replies": len(chosen),
              "data": described}
    save_file(tensors, str(out), metadata={"config": json.dumps(config)})
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
