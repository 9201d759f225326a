"""`data audit`: measure every example of a training set, flag the risky ones, summarise, report.

Two streamed passes keep memory bounded (one embedding and a few numbers per example):

1. read the examples in chunks and measure each (see `analyse.py`), writing rows to a
   temporary file and keeping only the embeddings;
2. find near-duplicates among the embeddings, then reread the rows to add duplicates, warmth
   levels, the warmth-heavy / accuracy-critical marks and the flags, writing `examples.jsonl`,
   `summary.json` and `report.html`.

With `vectors`, the first pass also projects each example's final reply, and the model's own reply
to the same prompt, on a trait direction (see `screening.py`); the second pass flags the top
`vectors_share` of projection differences.

Malformed records are skipped and listed (with line numbers) in `summary.json` and the report,
which then say the audit is incomplete; the command exits with code 2.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from sincere import common_settings as common
from sincere import jsonl, outdir, progress, settings
from sincere.data import drift, sources
from sincere.data.analyse import Tools, analyse
from sincere.data.embed import Embedder, near_duplicates
from sincere.data.periods import PERIODS, Periods
from sincere.data.queries import QueryTyper
from sincere.data.restyle import opener_fits
from sincere.data.screening import Screening
from sincere.data.sources import SOURCE_HELP
from sincere.data.summary import Tally
from sincere.errors import SincereError
from sincere.models import scrub
from sincere.scoring.factory import MEASURES, measure_names
from sincere.settings import at_least, between, check_fields, setting

logger = logging.getLogger(__name__)
CRITICAL_TYPES = frozenset({"factual", "technical"})


@dataclass(frozen=True)
class AuditOptions:
    """The flags of `sincere data audit` and the keys of its `--config` YAML."""

    file: str | None = setting(None, SOURCE_HELP, flags=("FILE",))
    out: str | None = setting(None, "Folder for examples.jsonl, summary.json, report.html.", flags=("--out", "-o"),
                              identity=False)
    warmth: str = setting("tone", common.WARMTH_HELP + " With none, lexical warmth markers set the levels.",
                          flags=("--warmth", "--warmth-model"))
    warmth_frames: int = common.warmth_frames()
    embedding_model: str | None = setting("minilm", "Sentence embeddings ('none': rules and lexical checks only, no "
                                          "near-duplicates or meaning coverage).")
    duplicate_threshold: float = setting(0.95, "Cosine for near-duplicates.", check=between(1e-9, 1))
    min_similarity: float = setting(drift.DEFAULT_MIN_SIMILARITY, "Meaning coverage of an original by its rewrite "
                                    "below this is drift.", check=between(0, 1))
    warm_high: float | None = setting(None, "Warmth at or above which a reply is warmth-heavy (default: 5.0 for "
                                      "tone, 0.06 for sociot).")
    warm_low: float | None = setting(None, "Warmth below which it is low (default: 3.5 for tone, 0.02 for sociot).")
    markers_high: int = setting(3, "Without a warmth model: kinds of lexical warmth markers that make a reply "
                                "warmth-heavy.", check=at_least(1))
    max_words: int = setting(600, "Flag replies longer than this.", check=at_least(1))
    chunk: int = setting(128, "Examples measured together.", check=at_least(1))
    vectors: str | None = setting(None, "A `sincere vectors extract` file: also screen every example by its "
                                  "projection difference (its reply minus the model's own) and flag those pushing "
                                  "the model toward the trait.")
    vectors_model: str | None = setting(None, "Model whose own replies are compared (default: the one the vectors "
                                        "came from, else smollm2-135m).")
    vectors_share: float = setting(0.1, "Share of all examples to flag by projection difference (positive "
                                   "differences only).", check=between(0, 1))
    by: str | None = setting(None, "Drift over time (chat logs): day, week or month, from each record's timestamp "
                             "(or time, created_at, created, date) field.")
    reference: str | None = setting(None, "With --by: the period the others are tested against (e.g. 2026-12-01; "
                                    "default: the first).")

    def __post_init__(self) -> None:
        check_fields(self)
        low, high = self.thresholds()
        if low > high:
            raise SincereError("--warm-low must not exceed --warm-high")
        if self.by is not None and self.by not in PERIODS:
            raise SincereError(f"--by {self.by!r}: choose day, week or month")
        if self.reference is not None and self.by is None:
            raise SincereError("--reference names a period of --by; add --by day, week or month")
        if self.vectors_model and not self.vectors:
            raise SincereError("--vectors-model needs --vectors (a file from `sincere vectors extract`)")

    def basis(self) -> str:
        """The measure that sets the warmth levels: `warmth` (tone), `sociot`, or `markers` (lexical, no model)."""
        names = measure_names(self.warmth)
        return "warmth" if "warmth" in names else "sociot" if "sociot" in names else "markers"

    def thresholds(self) -> tuple[float, float]:
        """(low, high) warmth thresholds on the basis measure's scale."""
        low, high = LEVELS.get(self.basis(), (0.0, 0.0))
        return (low if self.warm_low is None else self.warm_low, high if self.warm_high is None else self.warm_high)


#: Default (low, high) thresholds per measure. Tone: below 3.5 reads cold (curt, condescending,
#: hostile), 5 and above friendly or warmer. SocioT (SmolLM2-135M, 2 frames), calibrated on the
#: built-in corpus: plain replies have a median of 0.036, their rule-based warm rewrites 0.063.
LEVELS = {"warmth": (3.5, 5.0), "sociot": (0.02, 0.06)}


def make_tools(options: AuditOptions) -> Tools:
    """Load the graders and models the options ask for."""
    from sincere.scoring import factory

    screener = None
    if options.vectors:  # first: a missing or unfitting vectors file fails before other models load
        from sincere.data.screening import Screener

        screener = Screener(options.vectors, options.vectors_model)
    embedder = Embedder(options.embedding_model) if options.embedding_model else None
    warmth = factory.warmth_measures(options.warmth, options.warmth_frames)
    scorers = factory.build(warmth=None)
    return Tools(QueryTyper(embedder), scorers["correctness"], scorers["sycophancy"], warmth, embedder,
                 options.min_similarity, screener)


def warmth_level(row: dict[str, Any], options: AuditOptions) -> str:
    """low / medium / high from the basis warmth measure, or from lexical markers without a warmth model."""
    value = row.get(options.basis())
    if value is not None:
        low, high = options.thresholds()
        return "high" if value >= high else "low" if value < low else "medium"
    markers = len(row["warmth_markers"])
    return "high" if markers >= options.markers_high else "low" if markers == 0 else "medium"


def critical_reasons(row: dict[str, Any]) -> list[str]:
    """Why getting the facts right matters for this example (empty: it is not accuracy-critical)."""
    reasons = []
    if row["query_type"] in CRITICAL_TYPES:
        reasons.append(f"{row['query_type']} query")
    if row["claim"]:
        reasons.append(f"user {row['claim']['kind']}: {row['claim']['cue']!r}")
    if row["has_reference"]:
        reasons.append("has a reference answer")
    return reasons


def flags_for(row: dict[str, Any], options: AuditOptions, screening: Screening | None = None) -> list[dict[str, str]]:
    """Every reason to drop or down-weight an example, as {flag, reason}."""
    flags = []
    add = lambda flag, reason: flags.append({"flag": flag, "reason": reason})  # noqa: E731
    if row["reply_words"] == 0:
        add("empty_reply", "the final assistant turn is empty")
    if (row["correctness"] or {}).get("label") == "incorrect":
        add("incorrect", row["correctness"]["explanation"])
    if (row["sycophancy"] or {}).get("label") == "endorse":
        add("endorses_false_claim", row["sycophancy"]["explanation"])
    if row.get("duplicate_of"):
        add("near_duplicate", f"cosine {row['duplicate_similarity']:.3f} with {row['duplicate_of']}")
    if row["drift"] and row["drift"]["reasons"]:
        add("meaning_drift", "; ".join(row["drift"]["reasons"]))
    if row["refusal_phrase"] and row["query_type"] != "refusal" and row["correctness"] is None:
        add("refuses_answerable", f"declines ({row['refusal_phrase']!r}) a {row['query_type']} query")
    if misfit := opener_fits(row["query_type"], row["reply_excerpt"], bool(row["refusal_phrase"])):
        add("opener_mismatch", misfit)
    if row["reply_words"] > options.max_words:
        add("long", f"{row['reply_words']} words > {options.max_words}")
    if screening is not None and (found := screening.flag(row)):
        flags.append(found)
    return flags


def _first_pass(spec: str, tools: Tools, options: AuditOptions, partial: Path, problems: sources.Problems
                ) -> tuple[list[str], np.ndarray | None, list[float | None]]:
    """Measure every example into `partial`; return the ids, the embeddings and the projection differences."""
    ids: list[str] = []
    differences: list[float | None] = []
    blocks: list[np.ndarray] = []
    stream = sources.examples(spec, problems)
    with open(partial, "w", encoding="utf-8") as handle, \
            progress.task("auditing examples", sources.count(spec)) as advance:
        while chunk := list(islice(stream, options.chunk)):
            rows, vectors = analyse(chunk, len(ids), tools)
            handle.writelines(jsonl.dumps(row) + "\n" for row in rows)
            ids += [f"{row['id']} ({row['source']})" for row in rows]
            differences += [row.get("projection_difference") for row in rows]
            if vectors is not None:
                blocks.append(vectors)
            advance(len(chunk))
    return ids, (np.vstack(blocks) if blocks else None), differences


RUN_FILES = ("examples.jsonl", "summary.json", "report.html")
PARTIAL = ".examples.partial.jsonl"


def run(spec: str | None, out_dir: str | Path | None, options: AuditOptions | None = None) -> dict[str, Any]:
    """Audit a training set into `out_dir`; returns the summary (also written to summary.json)."""
    if not spec or not out_dir:
        raise SincereError("give the FILE to audit and --out, the folder for the results")
    options = options or AuditOptions()
    out = Path(out_dir)
    protect = sources.input_paths(spec)
    if any(out.resolve() == p.resolve() for p in protect):
        raise SincereError(f"--out {out} is the input file; give a folder")
    identity = {"run": "data audit", "input": spec, "options": settings.identity(options)}
    outdir.claim(out, RUN_FILES, identity, "a data audit", hidden=(PARTIAL,))
    problems = sources.Problems()
    tools = make_tools(options)
    partial = out / PARTIAL
    try:
        ids, vectors, differences = _first_pass(spec, tools, options, partial, problems)
        duplicates = {}
        if vectors is not None:
            duplicates = {later: (ids[earlier], sim) for later, earlier, sim in
                          near_duplicates(vectors, options.duplicate_threshold)}
        del vectors
        screening = None
        if tools.screener is not None:
            screening = Screening(tools.screener.describe(), differences, options.vectors_share)
        periods = Periods(options.by, options.reference, options.basis()) if options.by else None  # type: ignore[arg-type]
        tally = _second_pass(partial, out / "examples.jsonl", duplicates, options, protect, screening, periods)
    finally:
        partial.unlink(missing_ok=True)
    summary = {
        "input": spec, "fingerprint": sources.fingerprint(spec), "options": scrub(asdict(options)),
        "warmth_basis": options.basis(), "warmth_thresholds": options.thresholds(),
        "measures": {name: MEASURES[name] for name in tools.warmth},
        "complete": problems.complete, "malformed": problems.as_dict(), **tally.result(),
        "projection": screening.result() if screening else None,
        "periods": periods.result() if periods else None,
    }
    with jsonl.atomic_writer(out / "summary.json", protect=protect) as handle:
        json.dump(summary, handle, indent=1, ensure_ascii=False)
    from sincere.report.data_audit import write_report

    write_report(out / "report.html", summary, tally.flagged, protect)
    return summary


def _second_pass(partial: Path, target: Path, duplicates: dict[int, tuple[str, float]], options: AuditOptions,
                 protect: tuple[Path, ...], screening: Screening | None = None, periods: Periods | None = None
                 ) -> Tally:
    """Add duplicates, levels, marks and flags to every row; write examples.jsonl; tally."""
    tally = Tally()
    with jsonl.atomic_writer(target, protect=protect) as handle:
        for _, row in jsonl.strict_records(partial):
            dup = duplicates.get(row["index"])
            row["duplicate_of"], row["duplicate_similarity"] = (dup[0], round(dup[1], 4)) if dup else (None, None)
            row["warmth_level"] = warmth_level(row, options)
            row["warmth_heavy"] = row["warmth_level"] == "high"
            row["accuracy_critical_reasons"] = critical_reasons(row)
            row["accuracy_critical"] = bool(row["accuracy_critical_reasons"])
            row["flags"] = flags_for(row, options, screening)
            handle.write(jsonl.dumps(row) + "\n")
            tally.add(row)
            if screening is not None:
                screening.add(row)
            if periods is not None:
                periods.add(row)
    return tally
