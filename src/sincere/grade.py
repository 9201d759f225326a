"""Grade externally generated responses from a JSONL file, streamed, with agreement on labels.

Each input line carries the item (`question`, `correct`, `incorrect`, optional `domain`,
`options`, `id`), what the user asserted (optional `user_belief` or `user_doubt`), the model's
`response`, and optionally human labels (`label`: correct | incorrect | refusal;
`label_endorse`: endorse | correct; `label_warmth`: a 1-7 warmth rating). The output repeats
every line with a `scores` field.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sincere import common_settings as common
from sincere import jsonl
from sincere.errors import SincereError
from sincere.scoring.base import Scorer
from sincere.scoring.validate import agreement, compared_label, normalise_labels, sample_of
from sincere.settings import ConfigError, at_least, check_fields, setting


@dataclass
class GradeResult:
    """What a grading pass did: counts, malformed lines, and labels for agreement."""

    graded: int = 0
    bad_lines: list[str] = field(default_factory=list)
    labels: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)
    versus_judge: list[tuple[str, str, str]] = field(default_factory=list)  # (domain, offline, judge) labels
    coverage: dict[str, Counter[str]] = field(default_factory=dict)  # labels per grader (sycophancy: claimed lines)
    warmth_pairs: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # "measure vs reference"
    warmth: dict[str, list[float]] = field(default_factory=dict)  # each warmth measure's values

    def summary(self) -> dict[str, Any]:
        """What the file's replies are, without any labels: correctness and sycophancy counts with rates over
        the decided lines (and coverage), refusal, and each warmth measure's mean with a 95% CI."""
        from sincere.stats import bootstrap_ci

        out: dict[str, Any] = {"lines": self.graded, "malformed": len(self.bad_lines)}
        for name, counts in self.coverage.items():
            decided = sum(v for k, v in counts.items() if k not in ("unclear", "unscored"))
            total = sum(counts.values())
            out[name] = {"lines": total, "decided": decided, "coverage": total and round(decided / total, 4),
                         "counts": dict(counts.most_common()),
                         "rates_over_decided": {k: round(v / decided, 4) for k, v in counts.items()
                                                if decided and k not in ("unclear", "unscored")}}
        for name, values in self.warmth.items():
            out[name] = bootstrap_ci(values).as_dict()
        return out

    def add_label(self, scorer: str, predicted: str, gold: str) -> None:
        pred, truth = self.labels.setdefault(scorer, ([], []))
        pred.append(predicted)
        truth.append(gold)

    def agreement(self) -> dict[str, dict[str, Any]]:
        return {name: agreement(pred, gold) for name, (pred, gold) in self.labels.items()}

    def warmth_agreement(self) -> dict[str, dict[str, Any]]:
        """Rank agreement (Spearman) of each warmth measure with the judge's and the labels' ratings."""
        from scipy.stats import spearmanr

        out = {}
        for name, pairs in self.warmth_pairs.items():
            rho = spearmanr(*zip(*pairs, strict=True)).statistic if len(pairs) >= 3 else None
            out[name] = {"n": len(pairs), "spearman": None if rho is None or rho != rho else float(rho)}
        return out


def _batches(path: Path, size: int, result: GradeResult) -> Iterator[list[tuple[dict[str, Any], Any]]]:
    """Batches of (record, sample); malformed lines are recorded and left out."""
    batch = []
    for number, record in jsonl.records(path):
        if isinstance(record, jsonl.BadLine):
            if not str(record).endswith("blank line"):
                result.bad_lines.append(str(record))
            continue
        try:
            if not isinstance(record.get("response"), str):
                raise SincereError(f"{path}:{number}: needs a text 'response'")
            record = normalise_labels(record, f"{path}:{number}")
            if "scores" in record:  # a graded file graded again: its earlier scores are kept, not overwritten
                record["previous_scores"] = record.pop("scores")
            batch.append((record, sample_of({"id": f"line-{number}", **record}, f"{path}:{number}")))
        except SincereError as exc:
            result.bad_lines.append(str(exc))
            continue
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def grade_file(
    path: str | Path, output: str | Path, scorers: Mapping[str, Scorer], *, batch_size: int = 256,
    progress: Any = None,
) -> GradeResult:
    """Grade every line of `path` with every scorer and write the lines with scores to `output`."""
    path, result = Path(path), GradeResult()
    with jsonl.atomic_writer(output, protect=(path,)) as handle:
        for batch in _batches(path, batch_size, result):
            records, samples = [r for r, _ in batch], [s for _, s in batch]
            responses = [r["response"] for r in records]
            scored = {name: scorer.score_batch(samples, responses) for name, scorer in scorers.items()}
            for i, record in enumerate(records):
                scores = {name: scored[name][i] for name in scorers}
                _collect(result, record, samples[i], scores)
                handle.write(jsonl.dumps({**record, "scores": {n: s.as_dict() for n, s in scores.items()}}) + "\n")
            result.graded += len(records)
            if progress:
                progress(len(records))
    return result


def _collect(result: GradeResult, record: dict[str, Any], sample: Any, scores: dict[str, Any]) -> None:
    """Record predicted and human labels where the line has them."""
    if "correctness_offline" in scores:
        result.versus_judge.append((sample.item.domain, compared_label(scores["correctness_offline"]),
                                    compared_label(scores["correctness"])))
    for name in ("correctness", "sycophancy"):
        if name in scores and (name == "correctness" or sample.claim is not None):
            result.coverage.setdefault(name, Counter())[scores[name].label] += 1
    _collect_warmth(result, record, scores)
    label, endorse = record.get("label"), record.get("label_endorse")
    for name, score in scores.items():
        if name.startswith("correctness") and label in ("correct", "incorrect", "refusal"):
            result.add_label(name, compared_label(score), label)
        if name == "sycophancy" and sample.claim is not None and endorse in ("endorse", "correct"):
            result.add_label(name, score.label, endorse)


def _collect_warmth(result: GradeResult, record: dict[str, Any], scores: dict[str, Any]) -> None:
    """Keep each warmth measure's value, and pair it with the judge's rating and the line's `label_warmth`."""
    for name in ("warmth", "sociot"):
        if name in scores and scores[name].value is not None:
            result.warmth.setdefault(name, []).append(scores[name].value)
    judged = scores.get("warmth_judge")
    labelled = record.get("label_warmth")
    references = {"judge": judged.value if judged is not None else None,
                  "labels": float(labelled) if isinstance(labelled, int | float) and not isinstance(labelled, bool)
                  else None}
    for name in ("warmth", "sociot"):
        value = scores[name].value if name in scores else None
        for reference, rating in references.items():
            if value is not None and rating is not None:
                result.warmth_pairs.setdefault(f"{name} vs {reference}", []).append((value, rating))


def default_scorers(judge: str | None = None, warmth: str | None = "tone", warmth_frames: int = 2,
                    cache: bool = False) -> dict[str, Scorer]:
    """Correctness (judge when given), refusal, sycophancy, and the warmth measures named (`factory.build`);
    with `cache`, the tuned graders remember their model outputs (`scoring.memo`)."""
    from sincere.scoring import factory
    from sincere.scoring.memo import Memo

    return factory.build(f"judge:{judge}" if judge else "default", warmth=warmth, warmth_frames=warmth_frames,
                         calibrate=True, memo=Memo.default() if cache else None)


@dataclass
class GradeConfig:
    """`sincere grade`: the flags of the command and the keys of its `--config` YAML."""

    file: str | None = setting(None, "JSONL: question, correct, incorrect, response [, user_belief, user_doubt, "
                               "domain, label, label_endorse, label_warmth]; - reads stdin.", flags=("FILE",))
    out: str | None = setting(None, "Where to write graded lines (default: FILE.graded.jsonl).",
                              flags=("--out", "-o"))
    judge: str | None = setting(None, "Grade correctness with this model as judge (any model spec).")
    warmth: str | None = common.warmth()
    warmth_frames: int = common.warmth_frames()
    components: bool = setting(False, "Also report each component grader (lexical, semantic, combined) on "
                               "labelled lines, by dev/held-out half.")
    batch_size: int = setting(256, "Lines graded together.", check=at_least(1))
    cache: bool = setting(True, "Remember the graders' model outputs in the generation cache's file, so a "
                          "regrade reads no text twice (--no-cache: do not).")
    summary: str | None = setting(None, "Also write the summary (counts, rates, coverage, warmth with CI, "
                                  "agreement) as JSON here.")

    def __post_init__(self) -> None:
        check_fields(self)
        if not self.file:
            raise ConfigError("give the FILE of replies to grade (or file: in the --config YAML)")

    def output(self) -> Path:
        """Where the graded lines go; a stream (stdin, a pipe) needs --out."""
        if self.out:
            return Path(self.out)
        if jsonl.input_kind(Path(str(self.file))) == "stream":
            raise SincereError(f"reading {self.file} as a stream: give --out for the graded lines")
        source = Path(str(self.file))
        return source.with_name(source.stem + ".graded.jsonl")


def run(config: GradeConfig) -> GradeResult:
    """Grade the config's file into its output (with a progress bar), and write the summary file if asked."""
    from sincere import progress

    source, output = Path(str(config.file)), config.output()
    jsonl.refuse_inputs(output, (source,))
    if config.summary:
        jsonl.refuse_inputs(Path(config.summary), (source, output))
    scorers = default_scorers(config.judge, config.warmth, config.warmth_frames, config.cache)
    total = None if jsonl.input_kind(source) == "stream" else _count_lines(source)
    with progress.task("grading", total) as advance:
        result = grade_file(source, output, scorers, batch_size=config.batch_size, progress=advance)
    if config.summary:
        with jsonl.atomic_writer(config.summary) as handle:
            json.dump({**result.summary(), "agreement": result.agreement() if result.labels else None}, handle,
                      indent=1)
    return result


def _count_lines(path: Path) -> int | None:
    """Non-blank lines of the file (the progress total), or None where it cannot be read (grading says why)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    except OSError:
        return None
