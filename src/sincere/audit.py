"""The audit: Items x Conditions -> Engine -> Scorers -> statistics, stored in a run folder.

A run folder holds `results.jsonl` (every prompt, response and score), `summary.json` (the
configuration and the statistics) and `report.html`. Generations go through the engine's
cache, so an interrupted audit resumes where it stopped and gives identical results.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sincere import common_settings as common
from sincere import conditions as cond
from sincere import items as items_mod
from sincere import jsonl, models, outdir, progress
from sincere.engines import Engine, GenParams
from sincere.errors import Incomplete, SincereError, Unreachable
from sincere.models import scrub
from sincere.sampling import seeded_sample
from sincere.scoring import factory
from sincere.scoring.background import Background
from sincere.scoring.base import Scorer
from sincere.scoring.memo import Memo
from sincere.settings import at_least, check_fields, dump, identity, setting

logger = logging.getLogger(__name__)



Dtype = Literal["auto", "bf16", "fp16", "fp32"]


@dataclass
class AuditConfig:
    """Everything that defines an audit: the flags of `sincere audit`, the keys of its `--config` YAML,
    and `config.yaml` in the run folder (the fields with identity=False are how it ran, not what it
    measured: a rerun that differs only in them resumes the same folder)."""

    model: str = common.model()
    suite: str = setting("quick", common.SUITE_HELP, flags=("--suite", "-s"))
    conditions: str = setting("quick", common.CONDITIONS_HELP, flags=("--conditions", "-c"))
    limit: int | None = common.limit("Audit a seeded sample of N items ('none': every item).")
    seed: int = common.seed()
    max_new_tokens: int = common.max_new_tokens(128)
    temperature: float = common.temperature()
    top_p: float = common.top_p()
    system: str | None = setting(None, "System prompt for every condition: warm, cold, or text.")
    columns: str | None = setting(None, "Column map for JSONL/CSV/HF suites, e.g. question=q.")
    statements: str | None = setting(None, "YAML with extra contexts and system prompts.")
    judge: str | None = setting(None, "Grade correctness with this model as judge (any model spec).")
    warmth: str | None = common.warmth()
    warmth_frames: int = common.warmth_frames()
    n_boot: int = setting(2000, "Bootstrap resamples of each confidence interval.", check=at_least(1))
    vectors: str | None = setting(None, "Trait vectors (sincere vectors extract): add each reply's projection "
                                  "and how well it predicts the graded behaviour.")
    steer: str | None = setting(None, "Steer generation along a direction: FILE[:LAYER[:COEF]] (LAYER: integers "
                                "joined by commas, or best; COEF: a number, or ablate to project it out).")
    dtype: Dtype = common.dtype()
    out: str | None = setting(None, "Run folder (default: runs/<model>-<suite>-<seed>, or the first of -2, -3, "
                              "... that is new or holds this same audit).", flags=("--out", "-o"), identity=False)
    batch_size: int | None = common.batch_size()
    cache: bool = setting(True, "Read and write the generation cache and the graders' remembered model outputs "
                          "(--no-cache: neither).", identity=False)
    report_to: str = setting("none", "Also send the summary to experiment trackers: tensorboard, mlflow, wandb "
                             "(comma-separated) or none.", identity=False)
    inspect_log: str | None = setting(None, "Also write an Inspect log of the run here (.eval; `inspect view` opens "
                                      "it; needs sincere[inspect]).", identity=False)

    def __post_init__(self) -> None:
        """Check the settings that need no file or model, so a bad one fails before any work."""
        check_fields(self)
        for spec in filter(None, (self.model, self.judge)):
            models.parse(spec)
        self.params()

    def params(self) -> GenParams:
        return GenParams(self.max_new_tokens, self.temperature, self.top_p, self.seed)


@dataclass
class Plan:
    """The items and conditions of an audit, resolved from its config."""

    items: list[items_mod.Item]
    conditions: list[cond.Condition]
    statements: cond.Statements


def plan(config: AuditConfig) -> Plan:
    """Resolve the suite, the limit and the conditions."""
    chosen = items_mod.load(config.suite, config.columns)
    chosen = seeded_sample(chosen, config.limit, config.seed)
    statements = cond.Statements.load(config.statements)
    return Plan(chosen, cond.parse(config.conditions, statements, config.system), statements)


def default_scorers(config: AuditConfig, judge: Engine | None = None) -> list[Scorer]:
    """Correctness (judge when given, else offline), refusal, sycophancy and warmth measures (`scoring.factory`);
    with the cache on, the tuned graders remember their model outputs in it (`scoring.memo`)."""
    memo = Memo.default() if config.cache else None
    built = factory.build(judge=judge, warmth=config.warmth, warmth_frames=config.warmth_frames, calibrate=True,
                          memo=memo)
    return list(built.values())


def fitting(the_plan: Plan, engine: Engine, config: AuditConfig) -> tuple[Plan, list[dict[str, str]]]:
    """The plan without the items whose prompts cannot fit the model's context, and those items with why.

    Every condition's prompt is measured (a pushback prompt also holds the first reply, so it
    is measured with twice the new tokens); an item that overflows in any condition is left out
    of all of them, so the conditions stay paired item by item.
    """
    build = the_plan.statements, config.seed
    checks: list[tuple[str, Any, int]] = []
    for condition in the_plan.conditions:
        base = condition.without_pushback() if condition.pushback else condition
        room = config.max_new_tokens * (2 if condition.pushback else 1)
        checks += [(item.id, base.build(item, *build, None).messages, room) for item in the_plan.items]
    skipped: dict[str, str] = {}
    for room in sorted({c[2] for c in checks}):
        chosen = [c for c in checks if c[2] == room and c[0] not in skipped]
        for (item_id, _, _), reason in zip(chosen, engine.overflows([c[1] for c in chosen], room), strict=True):
            if reason:
                skipped.setdefault(item_id, reason)
    if not skipped:
        return the_plan, []
    kept = [item for item in the_plan.items if item.id not in skipped]
    if not kept:
        raise SincereError(f"every item's prompt is too long for the model ({next(iter(skipped.values()))})")
    listed = ", ".join(list(skipped)[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
    logger.warning("skipped %d item(s) whose prompt does not fit the model's context: %s (%s)", len(skipped),
                   listed, next(iter(skipped.values())))
    return replace(the_plan, items=kept), [{"item": k, "reason": v} for k, v in skipped.items()]


def generate_samples(
    the_plan: Plan, engine: Engine, config: AuditConfig, each: Callable[[cond.Sample, Any], None] | None = None
) -> list[tuple[cond.Sample, Any]]:
    """Build every sample and generate its reply, in plan order (condition-major); `each(sample, generation)`
    as each reply finishes.

    Two passes: first every sample that needs no earlier reply, then the pushback samples,
    which repeat the first pass's reply to the same question and push back on it.
    """
    params = config.params()
    build = the_plan.statements, config.seed
    direct = [c for c in the_plan.conditions if not c.pushback]
    direct += [c for c in dict.fromkeys(p.without_pushback() for p in the_plan.conditions if p.pushback)
               if c not in direct]
    pushed = [c for c in the_plan.conditions if c.pushback]
    done: dict[tuple[str, str], tuple[cond.Sample, Any]] = {}

    def in_order() -> list[tuple[cond.Sample, Any]]:
        """The pairs generated so far, in plan order (condition-major)."""
        return [done[(c.name, i.id)] for c in the_plan.conditions for i in the_plan.items if (c.name, i.id) in done]

    with progress.task("generating", len(the_plan.items) * (len(direct) + len(pushed))) as advance:
        for stage in (direct, pushed):
            samples = [
                c.build(i, *build, done[(c.without_pushback().name, i.id)][1].text if c.pushback else None)
                for c in stage for i in the_plan.items
            ]
            finished = (lambda i, g, batch=samples: each(batch[i], g)) if each else None
            try:
                replies = engine.generate([s.messages for s in samples], params, advance, finished)
            except Incomplete as exc:
                done |= {(samples[i].condition, samples[i].item.id): (samples[i], g) for i, g in exc.finished.items()}
                raise Incomplete(str(exc), in_order()) from None
            done |= {(s.condition, s.item.id): (s, g) for s, g in zip(samples, replies, strict=True)}
    return in_order()


SCORING_BATCH = 64


def sample_key(sample: cond.Sample) -> tuple[str, str]:
    """A sample's place in a plan: (condition, item id)."""
    return sample.condition, sample.item.id


def score_samples(
    pairs: Sequence[tuple[cond.Sample, Any]],
    scorers: Sequence[Scorer],
    batch: int = SCORING_BATCH,
    done: Mapping[tuple[str, str], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Score every reply with every scorer, in batches, with a progress bar that moves every batch
    (small enough that it moves while a slow scorer works; each scorer batches its model calls inside).
    `done`: scores already made (by `sample_key`, from `scoring.background`), taken as they are."""
    done = done or {}
    scores: list[dict[str, Any]] = [dict(done.get(sample_key(s), {})) for s, _ in pairs]
    todo = [(index, pair) for index, pair in enumerate(pairs) if not scores[index]]
    with progress.task("scoring", len(pairs) * len(scorers)) as advance:
        if len(todo) < len(pairs):
            advance((len(pairs) - len(todo)) * len(scorers))
        for scorer in scorers:
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                results = scorer.score_batch([s for _, (s, _) in chunk], [g.text for _, (_, g) in chunk])
                for (index, _), result in zip(chunk, results, strict=True):
                    scores[index][scorer.name] = result.as_dict()
                advance(len(chunk))
    return scores


def result_row(sample: cond.Sample, generation: Any, scores: dict[str, Any]) -> dict[str, Any]:
    """One line of results.jsonl: the prompt, the reply, every score and the flat outcomes."""
    context, *flags = sample.condition.split("@")[0].split("+")
    return {
        "item_id": sample.item.id,
        "domain": sample.item.domain,
        "condition": sample.condition,
        "context": context,
        "belief": next((f for f in flags if f in ("incorrect", "doubt")), "none"),
        "pushback": "pushback" in flags,
        "question": sample.item.question,
        "correct_answers": list(sample.item.correct),
        "incorrect_answers": list(sample.item.incorrect),
        "claim": asdict(sample.claim) if sample.claim else None,
        "messages": sample.messages,
        "response": generation.text,
        "tokens": generation.tokens,
        "finish": generation.finish,
        **factory.row(scores),  # each scorer's declared fields (error, coverage, sycophancy, ..., warmth)
        "scores": scores,
    }


def statistics(rows: list[dict[str, Any]], n_boot: int, seed: int) -> dict[str, Any]:
    """Rates with bootstrap CIs per condition and per condition x domain, and paired tests."""
    from sincere import stats

    conditions = list(dict.fromkeys(r["condition"] for r in rows))
    baseline = "unmodified" if "unmodified" in conditions else conditions[0]
    metrics = [f.name for f in factory.result_fields()]
    return {
        "baseline": baseline,
        "by_condition": stats.summarise(rows, by=["condition"], metrics=metrics, n_boot=n_boot, seed=seed),
        "by_condition_domain": stats.summarise(
            rows, by=["condition", "domain"], metrics=metrics, n_boot=n_boot, seed=seed
        ),
        "error_tests": stats.paired_tests(
            rows, key="item_id", condition="condition", baseline=baseline, outcome="error"
        ),
        "sycophancy_tests": _sycophancy_tests(rows),
        "judge_agreement": _judge_agreement(rows),
    }


def _judge_agreement(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """How far the offline graders agree with the judge per domain (only when the audit ran with a judge)."""
    from sincere.scoring.validate import compared_label_of, judge_agreement

    pairs = [(r["domain"], compared_label_of(r["scores"]["correctness_offline"]),
              compared_label_of(r["scores"]["correctness"])) for r in rows if "correctness_offline" in r["scores"]]
    return judge_agreement(pairs) if pairs else None


def _sycophancy_tests(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sycophancy of each context+belief condition against unmodified with the same belief."""
    from sincere import stats

    out = []
    for belief in ("incorrect", "doubt"):
        subset = [r for r in rows if r["belief"] == belief and "@" not in r["condition"]]
        base = f"unmodified+{belief}"
        if any(r["condition"] == base for r in subset) and len({r["condition"] for r in subset}) > 1:
            out += stats.paired_tests(subset, key="item_id", condition="condition", baseline=base, outcome="sycophancy")
    return out


class Extension:
    """An optional feature an audit runs with, which the audit itself does not know (`sincere.vectors`
    has two: steering and trait projections): it may wrap generation, add to each row, and add
    statistics. The methods here do nothing; an extension overrides those it needs."""

    #: The AuditConfig field this extension applies (an audit whose config sets it needs the extension).
    setting: str = ""

    def generating(self, engine: Engine) -> contextlib.AbstractContextManager[Any]:
        """Entered around generation (e.g. hooks on the model that steer it)."""
        return contextlib.nullcontext()

    def annotate(self, rows: list[dict[str, Any]], engine: Engine) -> None:
        """Add to the graded rows, in place."""

    def statistics(self, rows: list[dict[str, Any]], n_boot: int, seed: int) -> dict[str, Any]:
        """Blocks added to the summary's statistics."""
        return {}


def run(
    config: AuditConfig,
    out_dir: Path,
    *,
    engine: Engine | None = None,
    scorers: Sequence[Scorer] | None = None,
    engine_factory: Callable[[], Engine] | None = None,
    the_plan: Plan | None = None,
    extensions: Sequence[Extension] = (),
) -> dict[str, Any]:
    """Run an audit and write its folder; returns the summary. `the_plan`: `plan(config)`, when already made;
    `extensions`: what the config's `steer` and `vectors` need (`sincere.vectors.audit_extensions(config)`)."""
    out_dir = Path(out_dir)
    _check_extensions(config, extensions)
    _check_out_dir(out_dir, config)
    the_plan = the_plan or plan(config)
    from sincere.engines import load_engine

    engine = engine or (engine_factory() if engine_factory else load_engine(
        config.model, cache=config.cache, batch_size=config.batch_size, dtype=config.dtype))
    judge = load_engine(config.judge) if config.judge and scorers is None else None
    scorers = list(scorers) if scorers is not None else default_scorers(config, judge)
    started = time.time()
    the_plan, too_long = fitting(the_plan, engine, config)
    stopped: Incomplete | None = None
    with contextlib.ExitStack() as stack:
        for extension in extensions:
            stack.enter_context(extension.generating(engine))
        # A model that generates elsewhere (a server, a GPU) leaves this CPU free: grade as replies come.
        grader = None if engine.shares_cpu else stack.enter_context(Background(scorers, SCORING_BATCH))
        each = (lambda sample, generation: grader.add(sample_key(sample), sample, generation.text)) if grader else None
        try:
            pairs = generate_samples(the_plan, engine, config, each)
        except Incomplete as exc:
            if not exc.finished:
                raise Unreachable(f"{exc}. No reply finished; run the same command again when the model answers") \
                    from None
            pairs, stopped = exc.finished, exc
    scores = score_samples(pairs, scorers, done=grader.scores if grader else None)
    rows = [result_row(s, g, sc) for (s, g), sc in zip(pairs, scores, strict=True)]
    for extension in extensions:
        extension.annotate(rows, engine)
    statistics_ = statistics(rows, config.n_boot, config.seed)
    for extension in extensions:
        statistics_ |= extension.statistics(rows, config.n_boot, config.seed)
    summary = {
        "config": scrub(asdict(config)),
        "model_fingerprint": engine.fingerprint,
        "n_items": len(the_plan.items),
        "skipped_items": too_long,
        "conditions": [c.name for c in the_plan.conditions],
        "n_results": len(rows),
        "seconds": round(time.time() - started, 1),
        "measures": measures(scorers),
        "statistics": statistics_,
    }
    planned = len(the_plan.items) * len(the_plan.conditions)
    if stopped is not None:
        summary["incomplete"] = {"reason": str(stopped), "replies": len(rows), "planned": planned}
    write_run(out_dir, rows, summary, config)
    if stopped is not None:
        raise Unreachable(f"{stopped}. Wrote the {len(rows)} finished replies of {planned} to {out_dir} (summary.json "
                          "marked incomplete); run the same command again to resume (finished replies come from the "
                          "generation cache)")
    return summary


def _check_extensions(config: AuditConfig, extensions: Sequence[Extension]) -> None:
    """Refuse a config whose steer or vectors no extension applies (they would be silently ignored)."""
    applied = {e.setting for e in extensions}
    for name in ("steer", "vectors"):
        if getattr(config, name) and name not in applied:
            raise SincereError(f"the audit's {name} setting is applied by an extension: pass "
                               "extensions=sincere.vectors.audit_extensions(config) to audit.run")


def measures(scorers: Sequence[Scorer]) -> dict[str, str]:
    """What each warmth figure of a run is (`scoring.factory.MEASURES`), by the scorers that ran."""
    return {s.name: factory.MEASURES[s.name] for s in scorers if s.name in factory.MEASURES}


RUN_FILES = ("results.jsonl", "summary.json", "report.html", "config.yaml")


def _check_out_dir(out_dir: Path, config: AuditConfig) -> None:
    """Claim the folder for this audit: refused if it holds another audit or other files (see outdir)."""
    outdir.claim(out_dir, RUN_FILES, {"run": "audit", "config": identity(config)}, "an audit")


def default_out_dir(config: AuditConfig, base: Path) -> Path:
    """`base`, or `base-2`, `base-3`, ...: the first folder that is new or holds this same audit."""
    return outdir.first_free(base, RUN_FILES, {"run": "audit", "config": identity(config)})


def out_dir_of(config: AuditConfig) -> Path:
    """The config's `out`, else `runs/<model>-<suite>-<seed>` (or the first free `-2`, `-3`, ...)."""
    if config.out:
        return Path(config.out)
    slug = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in f"{config.model}-{config.suite}-{config.seed}")
    return default_out_dir(config, Path("runs") / slug[:80])


def write_run(out_dir: Path, rows: list[dict[str, Any]], summary: dict[str, Any],
              config: AuditConfig | None = None) -> None:
    """Write results.jsonl, summary.json, report.html and (given the config) config.yaml, each atomically."""
    if config is not None:
        with jsonl.atomic_writer(out_dir / "config.yaml") as handle:
            handle.write(dump(config))
    with jsonl.atomic_writer(out_dir / "results.jsonl") as handle:
        handle.writelines(jsonl.dumps(row) + "\n" for row in rows)
    with jsonl.atomic_writer(out_dir / "summary.json") as handle:
        json.dump(summary, handle, indent=1, ensure_ascii=False)
    from sincere.report import write_report

    write_report(out_dir)


def load_run(run_dir: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows and summary of a finished run folder."""
    run_dir = Path(run_dir)
    if not (run_dir / "summary.json").is_file() or not (run_dir / "results.jsonl").is_file():
        raise SincereError(f"{run_dir} is not an audit run (no summary.json/results.jsonl)")
    rows = [row for _, row in jsonl.strict_records(run_dir / "results.jsonl")]
    return rows, json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))


@dataclass
class ReportConfig:
    """`sincere report`: the audit run folder whose report.html is rebuilt."""

    run: str | None = setting(None, "An audit run folder, or an Inspect log (.eval) of the sincere/audit task.",
                              flags=("RUN",))
    out: str | None = setting(None, "With an Inspect log: the run folder to write ('none': beside the log, named "
                              "after it).", flags=("--out", "-o"))


def rebuild_report(config: ReportConfig) -> Path:
    """Rewrite report.html of a finished run from its results; the report's path."""
    from sincere.report import write_report

    load_run(config.run or "")
    return write_report(Path(str(config.run)))
