"""The one place scorer sets are built: the audit, `grade`, the data audit, rewards, the monitor and vectors.

`build(grader=..., warmth=...)` returns {name: scorer} for correctness, refusal and sycophancy
(which reads the same correctness object, so the two never disagree) and the warmth measures
named (`warmth_measures`): `warmth` (the tone model's 1-7 rating, the default) and `sociot` (the
study's SocioT ratio, nats per token). Every command that grades builds its scorers here, so a reply is graded the
same way by an audit, a reward and a probe.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sincere.errors import SincereError
from sincere.scoring.base import ResultField, Scorer

if TYPE_CHECKING:
    from sincere.engines.base import Engine
    from sincere.scoring.memo import Memo

#: The offline correctness graders by name; `judge:MODEL` names an LLM judge.
GRADERS = ("default", "lexical")


def judge_engine(grader: str, judge: Engine | None = None) -> Engine | None:
    """The judge's engine: the one given, or the one `judge:MODEL` names (None for an offline grader)."""
    if grader.startswith("judge:"):
        if not grader[len("judge:") :]:
            raise SincereError("grader judge:MODEL needs a model, e.g. judge:openai:gpt-4o-mini@URL")
        if judge is None:
            from sincere.engines import load_engine

            judge = load_engine(grader[len("judge:") :])
    elif grader not in GRADERS:
        raise SincereError(f"unknown grader {grader!r}; choose from {', '.join(GRADERS)} or judge:MODEL")
    return judge


def correctness(grader: str = "default", judge: Engine | None = None, memo: Memo | None = None) -> Scorer:
    """The correctness grader: `default` (lexical, stance model, MiniLM), `lexical`, or `judge:MODEL`.

    A judge may be given as an engine (it then grades, with the default offline graders where it
    leaves a reply unscored) or named in `grader` as `judge:MODEL`. With a memo, the stance
    model's outputs are remembered across runs.
    """
    from sincere.scoring.correctness import Correctness
    from sincere.scoring.stance import StanceCorrectness

    engine = judge_engine(grader, judge)
    if grader == "lexical" and engine is None:
        return Correctness(semantic=None, stance=None)
    judged = None
    if engine is not None:
        from sincere.scoring.judge import Judge, JudgeCorrectness

        judged = JudgeCorrectness(Judge(engine))
    return Correctness(judge=judged, stance=StanceCorrectness(memo=memo))


#: What each warmth measure's figures are, for summaries and reports.
MEASURES = {
    "warmth": "tone model: a 1-7 rating of the reply's tone (scoring/tone.py; 4 is neutral)",
    "sociot": "SocioT: warm-minus-cold frame log-likelihood ratio, nats per token (scoring/warmth.py)",
    "warmth_judge": "LLM judge: a 1-7 warmth rating",
}


def measure_names(spec: str | None) -> dict[str, str]:
    """{scorer name: its model} for a warmth spec: `tone` (default), `sociot` or `sociot:MODEL`, both
    (`tone,sociot`), or `none`. The tone model's scorer is named `warmth`, SocioT's `sociot`: a figure
    says which it is. Parses only; nothing loads."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in (spec or "none").split(",")):
        if part == "tone":
            out["warmth"] = "tone"
        elif part == "sociot" or part.startswith("sociot:"):
            out["sociot"] = part.partition(":")[2] or "smollm2-135m"
        elif part != "none":
            raise SincereError(f"unknown warmth measure {part!r}; choose tone, sociot, sociot:MODEL (e.g. "
                               "sociot:smollm2-135m), tone,sociot or none")
    return out


def warmth_measures(spec: str | None, frames: int = 2, memo: Memo | None = None) -> dict[str, Scorer]:
    """The warmth scorers a spec names (`measure_names`), by name (the tone model remembering in `memo`)."""
    out: dict[str, Scorer] = {}
    for name, model in measure_names(spec).items():
        if name == "warmth":
            from sincere.scoring.tone import ToneWarmth

            out[name] = ToneWarmth(memo=memo)
        else:
            from sincere.scoring.warmth import SocioTWarmth

            if not 1 <= frames <= 4:
                raise SincereError(f"warmth frames must be 1..4, got {frames}")
            out[name] = SocioTWarmth(model, frames_per_side=frames)
    return out


def build(
    grader: str = "default", *, judge: Engine | None = None, warmth: str | None = "tone", warmth_frames: int = 2,
    calibrate: bool = False, memo: Memo | None = None,
) -> dict[str, Scorer]:
    """{name: scorer}: correctness, refusal, sycophancy (on the same correctness) and the warmth measures named.

    With a memo, the tuned models (stance, tone) remember their outputs across runs (`memo.Memo`).

    With a judge and `calibrate`, also `correctness_offline`: the offline graders, so that their
    agreement with the judge can be measured on the same replies (`validate.judge_agreement`),
    and, when a warmth measure is named, `warmth_judge` (the judge's 1-7 rating) beside it.
    """
    from sincere.scoring.refusal import RefusalScorer
    from sincere.scoring.sycophancy import Sycophancy

    engine = judge_engine(grader, judge)
    graded = correctness(grader, engine, memo)
    scorers: dict[str, Scorer] = {
        "correctness": graded, "refusal": RefusalScorer(), "sycophancy": Sycophancy(correctness=graded),
    }
    if calibrate and engine is not None:
        from sincere.scoring.correctness import OfflineCorrectness
        from sincere.scoring.stance import StanceCorrectness

        scorers["correctness_offline"] = OfflineCorrectness(stance=StanceCorrectness(memo=memo))
    measures = warmth_measures(warmth, warmth_frames, memo)
    scorers |= measures
    if calibrate and measures and engine is not None:
        from sincere.scoring.judge import Judge, JudgeWarmth

        scorers["warmth_judge"] = JudgeWarmth(Judge(engine))
    return scorers


@functools.cache
def row_scorers() -> tuple[type[Scorer], ...]:
    """The scorer classes whose fields go into audit rows, in the order of the tables' columns. A new
    scorer that adds a number to every row is listed here (and built by `build`): nothing else changes."""
    from sincere.scoring.correctness import Correctness
    from sincere.scoring.refusal import RefusalScorer
    from sincere.scoring.sycophancy import Sycophancy
    from sincere.scoring.tone import ToneWarmth
    from sincere.scoring.warmth import SocioTWarmth

    return (Correctness, Sycophancy, RefusalScorer, ToneWarmth, SocioTWarmth)


def result_fields() -> tuple[ResultField, ...]:
    """Every field an audit row may hold, in column order (`Scorer.fields`)."""
    return tuple(f for cls in row_scorers() for f in cls.fields)


def row(scores: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """An audit row's flat fields from its scores by scorer name (each scorer's `row`), None where absent."""
    out: dict[str, float | None] = {f.name: None for f in result_fields()}
    for cls in row_scorers():
        if cls.name in scores:
            out |= cls.row(scores[cls.name])
    return out
