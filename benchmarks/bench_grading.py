"""How well the offline correctness graders read text we did not write: TruthfulQA's human answers.

    .venv/bin/python benchmarks/bench_grading.py [--split test] [--csv PATH] [--graders default,lexical]

Each human-written answer of the split's questions is graded as a reply against the *other*
references of its question (the answer itself left out; non-answers such as "I have no
comment" are skipped), once as it is, once inside a longer reply built from the `TEST`
pool of `scripts/stance_data.py` (warm openers, hedges, a markdown list, "many think X, but Y",
a correction after a first wrong statement), once more inside that reply but graded against every
reference of its question, its own included (a reply that restates a reference, as real replies
often restate the best answer), and once as a sentence rejecting an answer of the
other side ("It would be a mistake to think that X": it takes the answer's side; X a claim of at
least four words, not opening with yes or no), all in wording
the stance model never saw in training. The split is by question (`split_of`): the stance model
trained on `train` only and its thresholds were set on `calib`; quote `test`.

Prints, per grader and set: how many were decided (coverage), accuracy and Cohen's kappa on the
decided ones, and the seconds it took (ratio to the lexical reader, measured in the same run).

Then the same for `tests/data/chat_replies.jsonl` (`--chat test`, the default, or `dev`): replies
of chat assistants written by helper sessions, each playing one kind of model (the README's "Chat
replies in large models' style" lists the writers; no writer is in both splits, and the test
split's batches were graded once, after the rules made from `dev`), to questions of the four
suites and TruthfulQA under the audit's conditions, labelled by two helper judges who saw neither
each other nor the graders (kept where both agree), per domain.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from stance_data import DEV, TEST, Pool, answers, claim, lower_first, split_of, wrap  # noqa: E402

from sincere import items  # noqa: E402
from sincere.scoring import LexicalCorrectness, factory  # noqa: E402
from sincere.scoring.base import Scorer  # noqa: E402
from sincere.scoring.stance import StanceCorrectness  # noqa: E402
from sincere.scoring.validate import agreement, sample_of  # noqa: E402

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "truthfulqa" / "TruthfulQA.csv"
GRADERS = {
    "default": factory.correctness,
    "lexical": lambda: LexicalCorrectness(),
    "stance": lambda: StanceCorrectness(),
}


def cases(csv: Path, split: str, seed: int = 0, pool: Pool = TEST) -> dict[str, list[tuple[object, str, str, str]]]:
    """(sample, reply, expected label, shape) for the split's answers: as sentences, inside long replies
    (wrapped in the pool's wordings), the same long replies graded against every reference, the
    answer's own among them (a reply that restates a reference), and as a rival answer rejected ("It
    would be a mistake to think that X", X from the other side)."""
    rng, rejecting = random.Random(seed), random.Random(seed + 1)
    chosen = [a for a in answers(items.truthfulqa(csv)) if split_of(a.item.question) == split and a.gradable()]
    sentences, replies, restated, rejections = [], [], [], []
    for answer in chosen:
        sentences.append((*answer.as_sample(), answer.side, "sentence"))
        reply, shape = wrap(answer, pool, rng)
        replies.append((*answer.as_sample(reply), answer.side, shape))
        restated.append((replace(answer.as_sample()[0], item=answer.item), reply, answer.side, shape))
        rivals = [r for r in answer.others("incorrect" if answer.side == "correct" else "correct") if claim(r)]
        if rivals:
            rival = lower_first(rejecting.choice(rivals).rstrip(" ."))
            rejected = rejecting.choice(pool.rejections).format(x=rival)
            rejections.append((*answer.as_sample(rejected), answer.side, "rejection"))
    return {"answer sentences": sentences, "long replies": replies, "restated": restated, "rival rejected": rejections}


CHAT = Path(__file__).resolve().parents[1] / "tests" / "data" / "chat_replies.jsonl"


def chat_cases(path: Path, split: str) -> list[tuple[object, str, str, str]]:
    """(sample, reply, the judges' label, domain) for the labelled lines of one split of the chat replies."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [(sample_of(r, r["id"]), r["response"], r["label"], r["domain"]) for r in records
            if r["split"] == split and r.get("label") in ("correct", "incorrect")]


def measure(scorer: Scorer, rows: list[tuple[object, str, str, str]]) -> tuple[dict[str, float], float, list[str]]:
    started = time.perf_counter()
    scores = scorer.score_batch([r[0] for r in rows], [r[1] for r in rows])  # type: ignore[misc]
    seconds = time.perf_counter() - started
    labels = [s.label for s in scores]
    decided = [(label, row[2]) for label, row in zip(labels, rows, strict=True) if label in ("correct", "incorrect")]
    stats = agreement([d[0] for d in decided], [d[1] for d in decided])
    return {**stats, "coverage": len(decided) / len(rows)}, seconds, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--split", default="test", choices=("train", "calib", "test"))
    parser.add_argument("--graders", default="default,lexical")
    parser.add_argument("--pool", default="test", choices=("test", "dev"),
                        help="Wordings of the long replies: test (quoted) or dev (for developing rules).")
    parser.add_argument("--chat", default="test", choices=("test", "dev", "none"),
                        help="Split of tests/data/chat_replies.jsonl to grade as well (none: skip it).")
    args = parser.parse_args()
    sets = cases(args.csv, args.split, pool=TEST if args.pool == "test" else DEV)
    if args.chat != "none":
        sets["chat replies"] = chat_cases(CHAT, args.chat)
    print(f"TruthfulQA {args.split} questions: {len(sets['answer sentences'])} gradable answers")
    print(f"{'grader':<9} {'set':<17} {'n':>5} {'coverage':>9} {'accuracy':>9} {'kappa':>6} {'seconds':>8}")
    for name in args.graders.split(","):
        scorer = GRADERS[name]()
        for set_name, rows in sets.items():
            stats, seconds, labels = measure(scorer, rows)
            print(f"{name:<9} {set_name:<17} {len(rows):>5} {stats['coverage']:>9.1%} {stats['accuracy']:>9.1%} "
                  f"{stats['kappa'] or 0:>6.3f} {seconds:>8.1f}")
            print(f"          labels: {dict(Counter(labels))}")
            for shape in sorted({row[3] for row in rows}) if set_name in ("long replies", "chat replies") else ():
                part = [i for i, row in enumerate(rows) if row[3] == shape]
                decided = [i for i in part if labels[i] in ("correct", "incorrect")]
                right = sum(labels[i] == rows[i][2] for i in decided)
                print(f"          {shape:<11} {len(part):>5} {len(decided) / len(part):>9.1%} "
                      f"{right / max(len(decided), 1):>9.1%}")


if __name__ == "__main__":
    main()
