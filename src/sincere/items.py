"""Items: what is asked, with its right and wrong answers; built-in suites and loaders.

A suite spec names where items come from:

- `trivia`, `misconceptions`, `medical`, `disinformation` (built in), `builtin` (all four), `quick`
  (a small balanced sample of the four, for the default audit);
- `truthfulqa:PATH` (the TruthfulQA CSV format);
- `jsonl:PATH` / `csv:PATH` (or a path ending in .jsonl/.csv), with an optional column map;
- `hf:NAME[:CONFIG][:SPLIT]`, a Hugging Face dataset, with an optional column map.

Built-in suites carry a fixed train/evaluation split (see `split_of`): audits use the
evaluation items, training data is built from the training items, and the two never overlap.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from sincere import jsonl
from sincere.errors import SincereError

BUILTIN = ("trivia", "misconceptions", "medical", "disinformation")
TRAIN_SHARE = 0.3  # share of each built-in suite reserved for training data
SPLIT_SALT = "sincere-split-v1"
Split = Literal["eval", "train", "all"]
FIELDS = ("id", "question", "correct", "incorrect", "domain", "options", "source")


class Item(BaseModel):
    """A question with its correct answers (canonical first, then aliases) and plausible wrong ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    question: str
    correct: tuple[str, ...]
    incorrect: tuple[str, ...]
    domain: str = "general"
    options: dict[str, str] | None = None
    source: str = ""

    @field_validator("id", "question")
    @classmethod
    def _text(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("correct", "incorrect", mode="before")
    @classmethod
    def _answers(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of strings")
        for strange in (v for v in value if not isinstance(v, str)):  # [["Paris"]], 7, null: no guessing
            raise ValueError(f"answers must be text, got {json_type(strange)} (write 7 as \"7\")")
        answers = tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
        if not answers:
            raise ValueError("needs at least one answer")
        return answers

    @model_validator(mode="after")
    def _disjoint(self) -> Item:
        shared = {a.lower() for a in self.correct} & {a.lower() for a in self.incorrect}
        if shared:
            raise ValueError(f"answers listed as both correct and incorrect: {sorted(shared)}")
        return self

    @property
    def answer(self) -> str:
        """The canonical correct answer."""
        return self.correct[0]

    @property
    def wrong(self) -> str:
        """The most plausible incorrect answer (the one a user states as a false belief)."""
        return self.incorrect[0]


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list", tuple: "a list",
             dict: "an object", str: "text", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def split_of(item_id: str) -> Literal["train", "eval"]:
    """The fixed split of a built-in item: a salted hash of its id, so it never changes."""
    digest = hashlib.sha256(f"{SPLIT_SALT}:{item_id}".encode()).digest()
    return "train" if int.from_bytes(digest[:8], "big") / 2**64 < TRAIN_SHARE else "eval"


def make_item(record: dict[str, Any], where: str) -> Item:
    """Validate one record as an Item; errors name the place (file:line) and the field."""
    try:
        return Item.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "item"
        raise SincereError(f"{where}: {field}: {first['msg']}") from None


def builtin(name: str, split: Split = "eval") -> list[Item]:
    """A built-in suite (one of BUILTIN), restricted to one side of the train/eval split."""
    if name not in BUILTIN:
        raise SincereError(f"unknown built-in suite {name!r}; choose from {', '.join(BUILTIN)}")
    path = resources.files("sincere") / "suites" / f"{name}.jsonl"
    with resources.as_file(path) as real:
        items = [make_item(record, f"{real}:{n}") for n, record in jsonl.strict_records(real)]
    return [i for i in items if split == "all" or split_of(i.id) == split]


def quick(per_domain: dict[str, int] | None = None, seed: int = 0) -> list[Item]:
    """A small, balanced evaluation sample of the built-in suites (the default audit)."""
    sizes = per_domain or {"trivia": 30, "misconceptions": 25, "medical": 25, "disinformation": 20}
    rng = random.Random(seed)
    chosen: list[Item] = []
    for name, size in sizes.items():
        pool = builtin(name)
        chosen += sorted(rng.sample(pool, min(size, len(pool))), key=lambda i: i.id)
    return chosen


def truthfulqa(path: str | Path) -> list[Item]:
    """Items from the TruthfulQA CSV (columns Question, Best Answer, Correct/Incorrect Answers)."""
    rows = _csv_rows(Path(path))
    items = []
    for number, row in rows:
        missing = {"Question", "Best Answer", "Correct Answers", "Incorrect Answers"} - set(row)
        if missing:
            raise SincereError(f"{path}:{number}: not TruthfulQA format, missing {sorted(missing)}")
        correct = [row["Best Answer"], *_split_list(row["Correct Answers"])]
        known = {a.strip().lower() for a in correct}  # a few rows list an answer on both sides
        record = {
            "id": f"tqa-{number - 1:03d}",
            "question": row["Question"],
            "correct": correct,
            "incorrect": [a for a in _split_list(row["Incorrect Answers"]) if a.lower() not in known],
            "domain": "truthfulqa",
            "source": row.get("Category") or "TruthfulQA",
        }
        items.append(make_item(record, f"{path}:{number}"))
    return items


def _split_list(cell: str | None, sep: str = ";") -> list[str]:
    return [part.strip() for part in (cell or "").split(sep) if part.strip()]


def _csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        with jsonl.open_input(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, restval="")
            return [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        raise SincereError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except csv.Error as exc:
        raise SincereError(f"{path}: malformed CSV ({exc})") from None


def parse_columns(spec: str | None) -> dict[str, str]:
    """`question=q,correct=answers` -> {'question': 'q', 'correct': 'answers'} (our field -> column)."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        field, _, column = part.partition("=")
        if field not in FIELDS or not column:
            raise SincereError(f"bad column map entry {part!r}; use FIELD=COLUMN with FIELD in {FIELDS}")
        mapping[field] = column
    return mapping


def from_records(rows: Iterable[tuple[str, dict[str, Any]]], columns: dict[str, str],
                 skipped: list[str] | None = None) -> list[Item]:
    """Items from generic records (where, record), renaming columns and splitting ';' lists.

    A record that is not a valid item is skipped with a warning naming its place (as are the
    lines already in `skipped`), so one bad line costs only itself; when nothing is left, the
    first reason is the error. A record without an id gets one from its question (`content_id`),
    so removing or adding another line changes no item's id (nor its seeded conditions).
    """
    skipped = [] if skipped is None else skipped
    items = []
    seen: set[str] = set()
    for where, row in rows:
        record = {field: row.get(columns.get(field, field)) for field in FIELDS}
        record = {k: v for k, v in record.items() if v not in (None, "")}
        if "id" not in record:
            record["id"] = content_id(str(record.get("question", "")), seen)
        record["id"] = str(record["id"])
        for field in ("correct", "incorrect"):
            if isinstance(record.get(field), str):
                record[field] = _split_list(record[field])
        try:
            items.append(make_item(record, where))
        except SincereError as exc:
            skipped.append(str(exc))
            continue
        seen.add(record["id"])
    if not items and skipped:
        more = f" (and {len(skipped) - 1} more unusable records)" if len(skipped) > 1 else ""
        raise SincereError(f"{skipped[0]}{more}")
    jsonl.warn_skipped(skipped)
    return items


def content_id(question: str, taken: set[str]) -> str:
    """An id from the question's text (`item-` and 10 hex digits), with `-2`, `-3`... for repeats."""
    base = f"item-{hashlib.sha256(question.encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def from_file(path: str | Path, columns: dict[str, str]) -> list[Item]:
    """Items from a JSONL or CSV file with a column map."""
    path = Path(path)
    if path.suffix == ".csv":
        rows: Iterator[tuple[str, dict[str, Any]]] = (
            (f"{path}:{n}", row) for n, row in _csv_rows(path)
        )
    else:
        skipped: list[str] = []
        rows = ((f"{path}:{n}", rec) for n, rec in jsonl.good_records(path, skipped))
        return from_records(rows, columns, skipped)
    return from_records(rows, columns)


def from_hf(name: str, columns: dict[str, str]) -> list[Item]:
    """Items from a Hugging Face dataset `NAME[:CONFIG][:SPLIT]` (a hub id or a local folder)."""
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - datasets is a dependency
        raise SincereError("loading HF datasets needs: pip install datasets") from exc
    path, config, split = (name.split(":") + [None, None])[:3]
    try:
        data = datasets.load_dataset(path, config or None, split=split or "train")
    except Exception as exc:  # datasets raises many types; the user needs one line
        raise SincereError(f"cannot load dataset {name!r}: {str(exc).splitlines()[0][:200]}") from None
    return from_records(((f"{name}[{i}]", row) for i, row in enumerate(data)), columns)


def load(spec: str, columns: str | None = None, split: Split = "eval") -> list[Item]:
    """Items for a comma-separated list of suite specs (see the module docstring)."""
    mapping = parse_columns(columns)
    items: list[Item] = []
    for part in spec_parts(spec):
        items += _load_one(part, mapping, split)
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise SincereError(f"duplicate item id {duplicate!r} in suite {spec!r}")
    if not items:
        raise SincereError(f"suite {spec!r} has no items")
    return items


def spec_parts(spec: str) -> list[str]:
    """The comma-separated specs of `spec`; a comma inside a file's path (`jsonl:a,b.jsonl`) does not
    split it when the path with the comma exists."""
    parts: list[str] = []
    for piece in spec.split(","):
        if parts and _path_of(f"{parts[-1]},{piece}").exists() and not _path_of(parts[-1]).is_file():
            parts[-1] = f"{parts[-1]},{piece}"
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p.strip()]


def _path_of(part: str) -> Path:
    kind, _, rest = part.strip().partition(":")
    return Path(rest if kind in ("jsonl", "csv", "truthfulqa") and rest else part.strip())


def _load_one(part: str, columns: dict[str, str], split: Split) -> list[Item]:
    kind, _, rest = part.partition(":")
    if part == "quick":
        return quick()
    if part == "builtin":
        return [item for name in BUILTIN for item in builtin(name, split)]
    if part in BUILTIN:
        return builtin(part, split)
    if kind == "truthfulqa" and rest:
        return truthfulqa(rest)
    if kind in ("jsonl", "csv") and rest:
        return from_file(rest, columns)
    if kind == "hf" and rest:
        return from_hf(rest, columns)
    if part.endswith((".jsonl", ".csv", ".json")):
        return from_file(part, columns)
    names = ", ".join((*BUILTIN, "builtin", "quick", "truthfulqa:PATH", "jsonl:PATH", "hf:NAME"))
    raise SincereError(f"unknown suite {part!r}; choose from {names}")
