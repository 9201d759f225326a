"""Does the warmth score rank tone? The tone set's held-out scenarios, the README's pairs, and speed.

    .venv/bin/python benchmarks/bench_warmth.py [--sociot] [--writer W --weights PATH] [--corpus]

Reads `tests/data/tone.jsonl` (the same content in six tones, short and long, rated 1-7 by two
blind raters) and scores the `test` scenarios (which `scripts/build_tone.py` leaves out of
training); with `--writer W`, every scenario of one writer instead, scored by a model built
without them (`build_tone.py --leave-out-writer W --out PATH`). Prints, per measure:
- the Spearman correlation with the ratings within each scenario (mean and lowest), and pooled;
- the share of scenario x length cells where the hostile and the condescending replies both
  score below the neutral one;
- the Spearman correlation of score and length (words) within each tone (|rho| < 0.2 wanted),
  with a 95% bootstrap interval, beside the same correlation of the raters' own ratings (the
  raters rated long effusive replies warmer and long hostile ones colder: length is part of what
  people perceive, so a score that follows them is not penalised for it here, only shown);
- `examples/warm-and-curt.jsonl`: pairs where the warm reply scores above the curt one;
- replies per second, and the ratio to SocioT measured in the same run (`--sociot`);
- with `--corpus`: the built-in corpus's replies as they are and restyled warm and cold by
  `data rewrite`'s rule-based restyler, and the mean paired difference (warm - original,
  original - cold, and warm - the warm reply restyled cold) with a 95% bootstrap interval: all
  should be above zero where the restyle changed the text.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from build_tone import TONE_SET, load_rows  # noqa: E402

from sincere.scoring.tone import ToneWarmth  # noqa: E402
from sincere.scoring.warmth import SocioTWarmth  # noqa: E402

TONES = ("hostile", "condescending", "curt", "neutral", "warm", "effusive")
PAIRS = ROOT / "examples" / "warm-and-curt.jsonl"
Measure = Callable[[list[str]], list[float | None]]


def rank_figures(rows: list[dict], scores: list[float]) -> dict[str, float]:
    """Within-scenario and pooled Spearman, hostile/condescending below neutral, length correlation per tone."""
    by_scenario: dict[str, list[tuple[float, float]]] = defaultdict(list)
    cells: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row, score in zip(rows, scores, strict=True):
        by_scenario[row["scenario"]].append((score, row["rating"]))
        cells[(row["scenario"], row["length"])][row["tone"]] = score
    within = [spearmanr(*zip(*pairs, strict=True)).statistic for pairs in by_scenario.values()]
    below = [c["hostile"] < c["neutral"] and c["condescending"] < c["neutral"] for c in cells.values()]
    out = {"rho_within": float(np.nanmean(within)), "rho_within_min": float(np.nanmin(within)),
           "rho_pooled": float(spearmanr(scores, [r["rating"] for r in rows]).statistic),
           "below_neutral": float(np.mean(below))}
    for tone in TONES:
        picked = [(s, len(r["text"].split()), r["rating"]) for r, s in zip(rows, scores, strict=True)
                  if r["tone"] == tone]
        score, words, rating = (np.array(column, dtype=float) for column in zip(*picked, strict=True))
        out[f"length_rho_{tone}"] = length_rho(score, words)
        out[f"length_ci_{tone}"] = length_ci(score, words)
        out[f"raters_length_rho_{tone}"] = length_rho(rating, words)
    return out


def length_rho(values: np.ndarray, words: np.ndarray) -> float:
    """Spearman's rho of values and length (nan where the values are all equal)."""
    return float("nan") if np.ptp(values) == 0 else float(spearmanr(values, words).statistic)


def length_ci(values: np.ndarray, words: np.ndarray, resamples: int = 2000) -> tuple[float, float]:
    """A 95% bootstrap interval of `length_rho`, resampling replies."""
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(values), (resamples, len(values)))
    rhos = np.array([length_rho(values[i], words[i]) for i in picks])
    low, high = np.nanpercentile(rhos, [2.5, 97.5])
    return float(low), float(high)


def pair_wins(score: Measure) -> tuple[int, int]:
    """(warm above curt, pairs) on the README's example pairs."""
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    scores = dict(zip((r["id"] for r in rows), score([r["response"] for r in rows]), strict=True))
    stems = {i.rsplit("-", 1)[0] for i in scores}
    return sum(scores[f"{s}-warm"] > scores[f"{s}-curt"] for s in stems), len(stems)


def corpus_check(measures: dict[str, Measure]) -> None:
    """Original vs rule-based warm and cold rewrites of the built-in corpus: paired differences with 95% CIs."""
    from sincere import stats
    from sincere.data.restyle import restyle
    from sincere.data.sources import builtin_corpus_path

    rows = [json.loads(line) for line in builtin_corpus_path().read_text(encoding="utf-8").splitlines() if line]
    pairs = [(r["messages"][-2]["content"], r["messages"][-1]["content"], r["id"]) for r in rows]
    texts = {"original": [reply for _, reply, _ in pairs],
             "warm": [restyle(reply, "warm", user, key) for user, reply, key in pairs],
             "cold": [restyle(reply, "cold", user, key) for user, reply, key in pairs]}
    texts["warm, then cold"] = [restyle(w, "cold", user, key) for w, (user, _, key) in zip(texts["warm"], pairs,
                                                                                           strict=True)]
    changed = sum(a != b for a, b in zip(texts["original"], texts["cold"], strict=True))
    print(f"\nbuilt-in corpus: {len(pairs)} replies, restyled warm and cold by the rule-based restyler "
          f"(cold changes {changed} of them: the rest carry no framing to remove)")
    for name, score in measures.items():
        values = {style: np.array(score(batch), dtype=float) for style, batch in texts.items()}
        for label, diff in (("warm - original", values["warm"] - values["original"]),
                            ("original - cold", values["original"] - values["cold"]),
                            ("warm - (warm, then cold)", values["warm"] - values["warm, then cold"])):
            ci = stats.bootstrap_ci(diff.tolist())
            print(f"  {name}: {label} {ci.mean:+.3f} [{ci.low:+.3f}, {ci.high:+.3f}]"
                  f"{'' if ci.low > 0 else '  (CI does not exclude zero)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=TONE_SET)
    parser.add_argument("--writer", default=None, help="score every scenario of this writer (with --weights)")
    parser.add_argument("--weights", type=Path, default=None, help="tone weights (default: the shipped ones)")
    parser.add_argument("--sociot", action="store_true", help="also score with SocioT (the embedded LM, 2 frames)")
    parser.add_argument("--corpus", action="store_true", help="also check the built-in corpus and its restyles")
    args = parser.parse_args()
    rows = load_rows(args.data)
    rows = [r for r in rows if r["writer"] == args.writer] if args.writer else [r for r in rows if r["split"] == "test"]
    texts = [r["text"] for r in rows]
    print(f"{len(rows)} replies of {len({r['scenario'] for r in rows})} scenarios "
          f"({'writer ' + args.writer if args.writer else 'held-out test scenarios'})")
    measures: dict[str, Measure] = {"tone": ToneWarmth(args.weights).values}
    if args.sociot:
        measures["sociot"] = SocioTWarmth(frames_per_side=2).values
    rates = {}
    for name, score in measures.items():
        score(texts[:4])  # load the model outside the timing
        started = time.perf_counter()
        values = score(texts)
        rates[name] = len(texts) / (time.perf_counter() - started)
        figures = rank_figures(rows, values)
        wins, pairs = pair_wins(score)
        print(f"\n{name}: {rates[name]:.1f} replies/s")
        print(f"  within-scenario Spearman {figures['rho_within']:.3f} (lowest {figures['rho_within_min']:.2f}), "
              f"pooled {figures['rho_pooled']:.3f}")
        print(f"  hostile and condescending below neutral: {figures['below_neutral']:.1%} of scenario x length cells")
        print("  score vs length within tone, Spearman [95% CI] (the raters' ratings vs length):")
        for t in TONES:
            low, high = figures[f"length_ci_{t}"]
            print(f"    {t:<14} {figures[f'length_rho_{t}']:+.2f} [{low:+.2f}, {high:+.2f}]"
                  f"  (raters {figures[f'raters_length_rho_{t}']:+.2f})")
        print(f"  examples/warm-and-curt.jsonl: warm above curt in {wins} of {pairs} pairs")
    if "sociot" in rates:
        print(f"\ntone is {rates['tone'] / rates['sociot']:.1f}x the speed of SocioT on this machine")
    if args.corpus:
        corpus_check(measures)


if __name__ == "__main__":
    main()
