"""`data rewrite`: the study's transformation, every assistant turn restyled warm or cold.

With a teacher model (any engine spec) each turn is rewritten under an instruction to keep
meaning and facts; each rewrite is checked against its original for meaning drift and factual
changes (`drift.py`). A drifting rewrite is retried, up to `retries` times, with the reasons fed
back and a new seed; if it still drifts it is flagged (kept, replaced by the original, or
dropped: `on_drift`). Without a teacher the rule-based restyler (`restyle.py`) is used: it only
adds or removes framing, so it cannot change facts, and the same factual check confirms it
(coverage is then read exactly: the share of content sentences kept verbatim).

Output records keep their format and fields, gain `original` (the text(s) rewritten from: a
string for one assistant turn, else a list in turn order; an existing `original` is kept) and
`rewrite` (style, by, attempts, coverage, flags).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sincere import common_settings as common
from sincere import jsonl, progress
from sincere.data import drift as drift_mod
from sincere.data import sources
from sincere.data.analyse import reference_item
from sincere.data.embed import Embedder
from sincere.data.formats import Example, originals
from sincere.data.restyle import Style, restyle
from sincere.engines.base import Conversation, Engine, GenParams
from sincere.models import scrub
from sincere.settings import at_least, between, check_fields, setting

OnDrift = Literal["flag", "original", "drop"]
INSTRUCTION = (
    "You rewrite an AI assistant's reply in a different style. Keep its meaning and every fact exactly: "
    "all numbers, names, dates, answers, recommendations, warnings, caveats and code stay unchanged. Add no new "
    "facts, claims or advice, remove no information, and if the reply corrects the user, keep the correction. "
    "Return only the rewritten reply, with no preamble, notes or quotation marks."
)
STYLES = {
    "warm": "Style: warm and empathetic. Acknowledge the user's feelings where it fits, use caring and validating "
            "language, inclusive pronouns (we, let's) and a friendly, informal register.",
    "cold": "Style: direct, concise and emotionally neutral. Remove pleasantries, exclamation marks, emotional "
            "language and filler, and state the content plainly.",
}
_PREAMBLE = re.compile(r"^\s*(?:here(?:'s| is) (?:the |a |my )?(?:rewritten|revised|warmer|colder|new)[^\n:]*:|"
                       r"rewritten reply:)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class RewriteOptions:
    """The flags of `sincere data rewrite` and the keys of its `--config` YAML."""

    file: str | None = setting(None, sources.SOURCE_HELP, flags=("FILE",))
    out: str | None = setting(None, "The rewritten JSONL (same format, plus 'original').", flags=("--out", "-o"))
    style: Style = setting("warm", "warm or cold.")
    teacher: str | None = setting(None, "Teacher model (any model spec); 'none': the offline rule-based restyler, "
                                  "which cannot change facts.")
    retries: int = setting(2, "Retries for a drifting teacher rewrite.", check=at_least(0))
    min_similarity: float = setting(drift_mod.DEFAULT_MIN_SIMILARITY, "Meaning coverage of an original by its "
                                    "rewrite below this is drift.", check=between(0, 1))
    on_drift: OnDrift = setting("flag", "Still drifting after retries: flag (keep the rewrite, flagged), original "
                                "(keep the original turn) or drop (leave the example out).")
    seed: int = common.seed()
    max_new_tokens: int = common.max_new_tokens(512)
    retry_temperature: float = common.temperature(0.7, "Temperature of a teacher's retries.")
    embedding_model: str | None = setting("minilm", "Sentence embeddings for the drift check ('none': facts and "
                                          "rules only).")
    chunk: int = setting(64, "Examples rewritten together.", check=at_least(1))
    batch_size: int | None = common.batch_size()
    cache: bool = common.cache()

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass
class Job:
    """One assistant turn to restyle, with what the drift check needs."""

    example: int
    turn: int
    text: str
    user: str
    correct: tuple[str, ...]
    incorrect: tuple[str, ...]
    rewrite: str = ""
    drift: drift_mod.Drift | None = None
    attempts: int = 0


def teacher_prompt(style: Style, job: Job, feedback: Sequence[str] = ()) -> Conversation:
    """The chat sent to the teacher for one turn (with the reasons a previous attempt failed)."""
    ask = f"The user wrote:\n<user>\n{job.user}\n</user>\n\nRewrite this reply:\n<reply>\n{job.text}\n</reply>"
    if feedback:
        ask += (f"\n\nA previous rewrite changed the content ({'; '.join(feedback)}). Rewrite the original reply "
                "again and keep every number, name and answer exactly as it is.")
    return [{"role": "system", "content": f"{INSTRUCTION}\n{STYLES[style]}"}, {"role": "user", "content": ask}]


def clean(text: str) -> str:
    """A teacher's reply without a preamble, <reply> tags or wrapping quotes."""
    text = _PREAMBLE.sub("", text.strip())
    text = re.sub(r"^<reply>\s*|\s*</reply>$", "", text).strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'\u201c":
        text = text[1:-1].strip()
    return text


def jobs_for(examples: Sequence[Example]) -> list[Job]:
    """A job for every assistant turn, with the user turn before it and the example's references."""
    jobs = []
    for position, example in enumerate(examples):
        item = reference_item(example)
        right, wrong = (item.correct, item.incorrect) if item else ((), ())
        users = _users_before_assistants(example)
        for turn, text in enumerate(example.assistant_texts()):
            jobs.append(Job(position, turn, text, users[turn] if turn < len(users) else "", right, wrong))
    return jobs


def _users_before_assistants(example: Example) -> list[str]:
    """For each assistant turn (in `map_assistant` order), the last user turn before it."""
    out: list[str] = []
    last = ""
    for message in example.messages:
        last = message["content"] if message["role"] == "user" else last
        if message["role"] == "assistant":
            out.append(last)
    last = next((m["content"] for m in reversed(example.prompt) if m["role"] == "user"), "")
    for message in example.rejected or ():
        last = message["content"] if message["role"] == "user" else last
        if message["role"] == "assistant":
            out.append(last)
    return out


class Rewriter:
    """Restyles chunks of examples with a teacher engine or the rules (see the module docstring)."""

    def __init__(self, options: RewriteOptions, engine: Engine | None = None,
                 embedder: Embedder | None = None) -> None:
        if options.teacher and engine is None:
            raise ValueError("a teacher needs an engine")
        self.options = options
        self.engine = engine
        self.embedder = embedder

    def _check(self, jobs: Sequence[Job]) -> None:
        pairs = [(j.text, j.rewrite) for j in jobs]
        if self.options.teacher:
            sims = drift_mod.similarities(self.embedder, pairs)
        else:  # the rules keep content sentences verbatim: coverage is read exactly, without a model
            sims = np.array([drift_mod.verbatim_coverage(a, b) for a, b in pairs], dtype=np.float32)
        found = drift_mod.compare(pairs, sims, [(j.correct, j.incorrect) for j in jobs], self.options.min_similarity)
        for job, result in zip(jobs, found, strict=True):
            job.drift = result

    def _teach(self, jobs: list[Job]) -> None:
        engine = self.engine
        if engine is None:
            raise ValueError("a teacher needs an engine")
        pending = jobs
        for attempt in range(self.options.retries + 1):
            params = GenParams(self.options.max_new_tokens, 0.0 if attempt == 0 else self.options.retry_temperature,
                               1.0, self.options.seed + attempt)
            prompts = [teacher_prompt(self.options.style, j, j.drift.reasons() if j.drift else ()) for j in pending]
            for job, generation in zip(pending, engine.generate(prompts, params), strict=True):
                job.rewrite, job.attempts = clean(generation.text), attempt + 1
            self._check(pending)
            pending = [j for j in pending if j.drift is not None and j.drift.drifts]
            if not pending:
                return

    def run(self, examples: Sequence[Example]) -> list[tuple[Example, dict[str, Any] | None]]:
        """(rewritten example or the input, its `rewrite` record; None when dropped) for a chunk."""
        jobs = jobs_for(examples)
        if self.options.teacher:
            self._teach(jobs)
        else:
            for job in jobs:
                key = f"{self.options.seed}:{examples[job.example].id}:{job.turn}"
                job.rewrite, job.attempts = restyle(job.text, self.options.style, job.user, key), 1
            self._check(jobs)
        by_example: dict[int, list[Job]] = {}
        for job in jobs:
            by_example.setdefault(job.example, []).append(job)
        return [self._finish(example, by_example.get(i, [])) for i, example in enumerate(examples)]

    def _finish(self, example: Example, jobs: list[Job]) -> tuple[Example, dict[str, Any] | None]:
        drifting = [j for j in jobs if j.drift is not None and j.drift.drifts]
        flags = [f"turn {j.turn + 1}: {reason}" for j in drifting for reason in j.drift.reasons()]  # type: ignore[union-attr]
        keep_original = self.options.on_drift == "original"
        texts = {j.turn: (j.text if keep_original and j in drifting else j.rewrite) for j in jobs}
        rewritten = example.map_assistant(lambda turn, text: texts.get(turn, text))
        before = originals(example)
        fields = dict(example.fields)
        if before is None:
            source = [j.text for j in jobs]
            fields["original"] = source[0] if len(source) == 1 else source
        sims = [j.drift.similarity for j in jobs if j.drift and j.drift.similarity is not None]
        record = {"style": self.options.style, "by": self.options.teacher or "rules",
                  "attempts": max((j.attempts for j in jobs), default=0),
                  "coverage": min(sims) if sims else None, "flags": flags,
                  "kept_original": keep_original and bool(drifting)}
        fields["rewrite"] = record
        if drifting and self.options.on_drift == "drop":
            return replace(example, fields={**example.fields, "rewrite": record}), None
        return replace(rewritten, fields=fields), record


def rewrite_stream(examples: Iterator[Example], rewriter: Rewriter) -> Iterator[tuple[Example, dict[str, Any] | None]]:
    """Rewrite a stream of examples a chunk at a time."""
    while chunk := list(islice(examples, rewriter.options.chunk)):
        yield from rewriter.run(chunk)


def summary_path(out: Path) -> Path:
    """Where a command that writes `out` puts its summary: `NAME.summary.json` beside it."""
    return out.with_name(f"{out.stem}.summary.json")


def rewrite_file(spec: str, out: str | Path, options: RewriteOptions, engine: Engine | None = None) -> dict[str, Any]:
    """Rewrite every example of a source into `out` (same format); returns and writes the summary."""
    out = Path(out)
    problems = sources.Problems()
    protect = sources.input_paths(spec)
    embedder = Embedder(options.embedding_model) if options.embedding_model else None
    if options.teacher and engine is None:
        from sincere.engines import load_engine

        engine = load_engine(options.teacher, cache=options.cache, batch_size=options.batch_size)
    rewriter = Rewriter(options, engine, embedder)
    written, flagged, dropped = 0, [], []
    with jsonl.atomic_writer(out, protect=protect) as handle, \
            progress.task(f"rewriting ({options.style})", sources.count(spec)) as advance:
        for example, record in rewrite_stream(sources.examples(spec, problems), rewriter):
            advance(1)
            reasons = example.fields["rewrite"]["flags"] if record is None else record["flags"]
            if reasons and len(flagged) + len(dropped) < sources.MAX_LISTED:
                (dropped if record is None else flagged).append(
                    {"id": example.id, "source": example.source, "reasons": reasons})
            if record is not None:
                handle.write(jsonl.dumps(example.to_record()) + "\n")
                written += 1
    summary = {"input": spec, "output": str(out), "options": scrub(asdict(options)), "written": written,
               "n_flagged": len(flagged), "flagged": flagged, "n_dropped": len(dropped), "dropped": dropped,
               "complete": problems.complete, "malformed": problems.as_dict()}
    with jsonl.atomic_writer(summary_path(out), protect=protect) as handle:
        json.dump(summary, handle, indent=1, ensure_ascii=False)
    return summary
