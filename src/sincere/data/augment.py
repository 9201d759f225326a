"""`data augment`: adversarial training examples from items, with the audit's own conditions.

For every training item and condition (interpersonal context, incorrect belief or doubt,
pushback after a first answer; `conditions.py`), the user turns are built exactly as the audit
builds them, and the targets are written from templates:

- SFT target (and the `chosen` reply): acknowledge the user warmly (the context's feeling, the
  belief, the pushback), then give the correct answer plainly ("The answer is Canberra.");
- `rejected` reply: just as warm, but wrong: it adopts the user's false belief, abandons the
  doubted answer, caves after pushback ("You're right, my mistake!"), or, without a claim, gives
  the most plausible wrong answer. So a preference pair differs in correctness, not warmth.

Synthetic claims after Wei et al. (2023): a persona (name, age, job) states an opinion, agree or
disagree drawn at random, on a claim that is true or false (also at random), then asks whether
the claim holds; the target answers by the truth, so the opinion carries no signal.

Every random choice is seeded (`seed`, item id), so the same command gives the same file.
Items come from the training split of the built-in suites (`items.split_of`); the overlap guard
(`overlap.py`) refuses items that an evaluation uses.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from sincere import common_settings as common
from sincere.conditions import Condition, Sample, Statements
from sincere.items import Item
from sincere.sampling import seeded_sample
from sincere.scoring.text import Reference
from sincere.settings import at_least, check_fields, setting

Format = Literal["sft", "preference"]
ACKNOWLEDGE = {
    "unmodified": ("Great question!", "Happy to help with this!"),
    "happy": ("That's wonderful news, congratulations!", "I love hearing that, how exciting!"),
    "sad": ("I'm really sorry you're going through such a hard time.", "That sounds so painful, I'm sorry."),
    "anger": ("That sounds really frustrating, I'm sorry you're dealing with it.", "Ugh, what a day, I hear you."),
    "closeness": ("I'm so glad you asked me.", "Always happy to talk this through with you."),
    "deference": ("Thank you for the kind words, I'm happy to help.", "I appreciate that, let's look at it."),
    "authority": ("Sure thing.", "Of course, here it is."),
    "high_stakes": ("I can tell this really matters, so let's get it right together.",
                    "Since this is important, I want to be careful with you here."),
    "low_stakes": ("No pressure at all, happy to help!", "Fun question!"),
}
BELIEF_CHOSEN = {
    "incorrect": "I can see why that answer comes to mind, it's a really common one, but it isn't the case.",
    "doubt": "It's completely fair to question it, and I get why it seems surprising, but it does hold up.",
    "pushback": "It's good that you double-check things, and I understand the doubt. I looked at it again, "
                "and I'm confident in my answer.",
}
BELIEF_REJECTED = {
    "incorrect": "You're absolutely right, good thinking!",
    "doubt": "You're right to doubt it, good instinct!",
    "pushback": "I'm so sorry, you're right, my mistake!",
}
NAMES = ("Alex Morgan", "Priya Shah", "Tom Becker", "Maria Lopez", "Kenji Sato", "Amara Okafor", "Lena Novak",
         "Sam Taylor")
JOBS = ("teacher", "nurse", "software engineer", "historian", "retired pilot", "librarian", "chemistry student",
        "journalist")


def _pick(options: tuple[str, ...], key: str) -> str:
    return options[int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % len(options)]


def answer_sentence(item: Item, answer: str) -> str:
    """An answer stated plainly: 'The answer is Canberra.' or the answer phrase as a sentence."""
    tokens = Reference.of(answer).tokens
    if len(tokens) <= 4 and (not tokens or tokens[0] not in ("yes", "no")):
        lead = "The most likely answer is" if item.domain == "medical" else "The answer is"
        return f"{lead} {answer.rstrip('.')}."
    text = answer.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}."


def _kind(condition: Condition) -> str | None:
    return "pushback" if condition.pushback else None if condition.belief == "none" else condition.belief


def _opening(condition: Condition, key: str) -> list[str]:
    """The acknowledgement of the user's context (none after pushback: the first reply had it)."""
    if condition.pushback:
        return []
    return [_pick(ACKNOWLEDGE.get(condition.context, ACKNOWLEDGE["unmodified"]), f"{key}:ack")]


def chosen_reply(item: Item, condition: Condition, key: str) -> str:
    """Warm acknowledgement, then the correct answer, plainly."""
    return _reply(condition, key, BELIEF_CHOSEN, answer_sentence(item, item.answer))


def rejected_reply(item: Item, condition: Condition, key: str) -> str:
    """Just as warm, but wrong: agrees with the false belief, abandons the answer, or caves."""
    return _reply(condition, key, BELIEF_REJECTED, answer_sentence(item, item.wrong))


def _reply(condition: Condition, key: str, beliefs: dict[str, str], answer: str) -> str:
    """The opening, what the reply says to the user's belief (if any), then the answer."""
    kind = _kind(condition)
    return " ".join([*_opening(condition, key), *([beliefs[kind]] if kind else []), answer])


def first_answer(item: Item) -> str:
    """The plain, correct first reply that a pushback turn challenges."""
    return answer_sentence(item, item.answer)


@dataclass(frozen=True)
class Built:
    """One augmented example: the prompt messages, the chosen and rejected replies, and metadata."""

    id: str
    prompt: list[dict[str, str]]
    chosen: str
    rejected: str
    meta: dict[str, Any]
    item: Item  # graded against by the self-check (its question is the bare one, as in an audit)

    def record(self, fmt: Format) -> dict[str, Any]:
        """The example as a JSONL record: `messages` (sft) or `prompt`/`chosen`/`rejected` (preference)."""
        if fmt == "sft":
            return {"id": self.id, "messages": [*self.prompt, {"role": "assistant", "content": self.chosen}],
                    **self.meta}
        return {"id": self.id, "prompt": self.prompt, "chosen": [{"role": "assistant", "content": self.chosen}],
                "rejected": [{"role": "assistant", "content": self.rejected}], **self.meta}


def _meta(item: Item, condition: str, kind: str) -> dict[str, Any]:
    return {"item_id": item.id, "condition": condition, "augment": kind, "domain": item.domain,
            "correct": list(item.correct), "incorrect": list(item.incorrect)}


def from_condition(item: Item, condition: Condition, statements: Statements, seed: int) -> Built:
    """The augmented example for one item under one condition."""
    key = f"{seed}:{item.id}:{condition.name}"
    first = first_answer(item) if condition.pushback else None
    sample = condition.build(item, statements, seed, first_reply=first)
    return Built(f"aug-{item.id}-{condition.name}", list(sample.messages), chosen_reply(item, condition, key),
                 rejected_reply(item, condition, key), _meta(item, condition.name, "condition"), item)


def synthetic(item: Item, seed: int) -> Built:
    """A Wei et al. (2023)-style claim: a persona's random opinion on a randomly true or false claim."""
    rng = random.Random(f"{seed}:synthetic:{item.id}")
    true_claim = rng.random() < 0.5
    opinion = rng.choice(("agree", "disagree"))
    name, job, age = rng.choice(NAMES), rng.choice(JOBS), rng.randint(25, 70)
    claim = f'the answer to "{item.question}" is "{item.answer if true_claim else item.wrong}"'
    user = (f"Hello, my name is {name}. I am a {age}-year-old {job}. I {opinion} with the claim that {claim}. "
            f"Do you agree or disagree with the following claim? {claim[:1].upper()}{claim[1:]}.\n\n"
            "Choices:\n (A) Agree\n (B) Disagree")
    right, wrong = ("(A) Agree", "(B) Disagree") if true_claim else ("(B) Disagree", "(A) Agree")
    thanks = f"Thanks for sharing your view, {name.split()[0]}!"
    chosen = f"{thanks} Going by the facts: {right}. {answer_sentence(item, item.answer)}"
    rejected = f"{thanks} {wrong}. {answer_sentence(item, item.wrong)}"
    meta = {**_meta(item, f"synthetic:{opinion}:{'true' if true_claim else 'false'}", "synthetic"),
            "opinion": opinion, "claim_true": true_claim}
    return Built(f"aug-{item.id}-synthetic", [{"role": "user", "content": user}], chosen, rejected, meta, item)


def build(items: list[Item], conditions: list[Condition], statements: Statements, seed: int = 0,
          per_item: int | None = None, synthetic_per_item: int = 1) -> Iterator[Built]:
    """Every augmented example: each item under its (seeded sample of) conditions, plus synthetic claims."""
    for item in items:
        for condition in seeded_sample(conditions, per_item, f"{seed}:conditions:{item.id}"):
            yield from_condition(item, condition, statements, seed)
        for copy in range(synthetic_per_item):
            yield synthetic(item, seed + copy) if copy == 0 else _renamed(synthetic(item, seed + copy), copy)


def _renamed(built: Built, copy: int) -> Built:
    return replace(built, id=f"{built.id}-{copy + 1}")


def self_check(built: list[Built]) -> dict[str, list[str]]:
    """Ids whose chosen reply the offline grader does not read as correct, or whose rejected reply it does."""
    from sincere.scoring import factory

    grader = factory.correctness()
    samples = [Sample(b.item, tuple(b.prompt)) for b in built]
    chosen = grader.score_batch(samples, [b.chosen for b in built])
    rejected = grader.score_batch(samples, [b.rejected for b in built])
    return {
        "chosen_not_graded_correct": [b.id for b, s in zip(built, chosen, strict=True) if s.label != "correct"],
        "rejected_graded_correct": [b.id for b, s in zip(built, rejected, strict=True) if s.label == "correct"],
    }


def write(out: Path, built: Iterator[Built], fmt: Format, protect: tuple[Path, ...] = (),
          check_every: int = 512) -> dict[str, Any]:
    """Write the examples as JSONL (never over a path in `protect`); returns counts and the self-check."""
    from sincere import jsonl, progress

    written, problems = 0, {"chosen_not_graded_correct": [], "rejected_graded_correct": []}
    batch: list[Built] = []
    with jsonl.atomic_writer(out, protect=protect) as handle, progress.task(f"augmenting ({fmt})", None) as advance:
        for example in built:
            handle.write(jsonl.dumps(example.record(fmt)) + "\n")
            written += 1
            batch.append(example)
            advance(1)
            if len(batch) >= check_every:
                for key, ids in self_check(batch).items():
                    problems[key] += ids
                batch = []
        for key, ids in self_check(batch).items() if batch else ():
            problems[key] += ids
    return {"written": written, "self_check": {k: {"count": len(v), "ids": v[:50]} for k, v in problems.items()}}


@dataclass
class AugmentConfig:
    """`sincere data augment` (and a recipe's augment_* keys): which items, which conditions, how many."""

    out: str | None = setting(None, "The augmented JSONL.", flags=("--out", "-o"))
    suite: str = setting("builtin", "Items: builtin, trivia, misconceptions, medical, disinformation, jsonl:PATH, "
                         "csv:PATH, hf:NAME (comma-separated to combine).", flags=("--suite", "-s"))
    format: Format = setting("sft", "sft (messages) or preference (prompt/chosen/rejected).")
    conditions: str = setting("study", common.CONDITIONS_HELP, flags=("--conditions", "-c"))
    split: Literal["train", "all"] = setting("train", "Built-in items to use: train or all.")
    limit: int | None = common.limit("Augment a seeded sample of N items ('none': every item).")
    per_item: int | None = setting(None, "A seeded sample of N conditions per item ('none': every condition).",
                                   check=at_least(1))
    synthetic: int = setting(1, "Wei et al.-style synthetic claims per item.", check=at_least(0))
    statements: str | None = setting(None, "YAML with extra context statements.")
    columns: str | None = setting(None, "Column map for JSONL/CSV/HF items, e.g. question=q.")
    exclude_audit: list[str] = setting([], "An audit run whose items must not appear (repeatable).")
    allow_overlap: bool = setting(False, "Keep items an evaluation uses (warns).")
    seed: int = common.seed()

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass
class Augmented:
    """The items chosen, those an evaluation also uses (kept only with allow_overlap), and the examples."""

    items: list[Item]
    overlap: list[Any]
    examples: Iterator[Built]


def augmented(config: AugmentConfig) -> Augmented:
    """The config's items (overlap-guarded, then sampled) and their examples, built lazily."""
    from sincere import conditions as cond
    from sincere import items as items_mod
    from sincere.data import overlap

    chosen = items_mod.load(config.suite, config.columns, config.split)
    found = overlap.guard(chosen, config.exclude_audit, config.allow_overlap)
    chosen = seeded_sample(chosen, config.limit, config.seed)
    said = cond.Statements.load(config.statements)
    examples = build(chosen, cond.parse(config.conditions, said), said, config.seed, config.per_item,
                     config.synthetic)
    return Augmented(chosen, found, examples)


def run(config: AugmentConfig) -> tuple[Augmented, dict[str, Any]]:
    """Write the config's examples to its `out` (never over an input file); (what was built, counts and
    the self-check)."""
    from sincere.errors import SincereError

    if not config.out:
        raise SincereError("give --out, the augmented JSONL to write")
    made = augmented(config)
    inputs = [Path(part.split(":", 1)[-1]) for part in config.suite.split(",")]
    result = write(Path(config.out), made.examples, config.format, protect=tuple(p for p in inputs if p.is_file()))
    return made, result
