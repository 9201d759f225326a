"""The one place scorer sets are built: the audit, `grade`, the data audit, rewards, the monitor and vectors.

`build(grader=..., warmth=...)` returns {name: scorer} for correctness, refusal and sycophancy
(which reads the same correctness object, so the two never disagree) and, when a scoring model
is named, warmth. Every command that grades builds its scorers here, so a reply is graded the
same way by an audit, a reward and a probe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sincere.errors import SincereError
from sincere.scoring.base import Scorer

if TYPE_CHECKING:
    from sincere.engines.base import Engine

#: The offline correctness graders by name; `judge:MODEL` names an LLM judge.
GRADERS = ("default", "lexical")


def correctness(grader: str = "default", judge: Engine | None = None) -> Scorer:
    """The correctness grader: `default` (lexical, stance model, MiniLM), `lexical`, or `judge:MODEL`.

    A judge may be given as an engine (it then grades, with the default offline graders where it
    leaves a reply unscored) or named in `grader` as `judge:MODEL`.
    """
    from sincere.scoring.correctness import Correctness

    if grader.startswith("judge:"):
        if not grader[len("judge:") :]:
            raise SincereError("grader judge:MODEL needs a model, e.g. judge:openai:gpt-4o-mini@URL")
        if judge is None:
            from sincere.engines import load_engine

            judge = load_engine(grader[len("judge:") :])
    elif grader not in GRADERS:
        raise SincereError(f"unknown grader {grader!r}; choose from {', '.join(GRADERS)} or judge:MODEL")
    if judge is not None:
        from sincere.scoring.judge import Judge, JudgeCorrectness

        return Correctness(judge=JudgeCorrectness(Judge(judge)))
    if grader == "lexical":
        return Correctness(semantic=None, stance=None)
    return Correctness()


def build(
    grader: str = "default", *, judge: Engine | None = None, warmth: str | None = None, warmth_frames: int = 2,
    calibrate: bool = False,
) -> dict[str, Scorer]:
    """{name: scorer}: correctness, refusal, sycophancy (on the same correctness) and warmth when named.

    With a judge and `calibrate`, also `correctness_offline`: the offline graders, so that their
    agreement with the judge can be measured on the same replies (`validate.judge_agreement`).
    """
    from sincere.scoring.refusal import RefusalScorer
    from sincere.scoring.sycophancy import Sycophancy

    graded = correctness(grader, judge)
    scorers: dict[str, Scorer] = {
        "correctness": graded, "refusal": RefusalScorer(), "sycophancy": Sycophancy(correctness=graded),
    }
    if calibrate and getattr(graded, "judge", None) is not None:
        from sincere.scoring.correctness import OfflineCorrectness

        scorers["correctness_offline"] = OfflineCorrectness()
    if warmth and warmth != "none":
        from sincere.scoring.warmth import SocioTWarmth

        scorers["warmth"] = SocioTWarmth(warmth, frames_per_side=warmth_frames)
    return scorers
