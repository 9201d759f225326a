"""Where training examples come from, streamed: JSONL/JSON files, Hugging Face datasets, the built-in corpus.

A source spec is one of:

- a path to a `.jsonl` file (one record a line), or a `.json` file holding a JSON array (read
  whole: use JSONL for large data) or JSON lines;
- `hf:NAME[:CONFIG][:SPLIT]`: a dataset loaded with `datasets.load_dataset` (a hub id or a local
  folder of data files, streamed; a folder written by `save_to_disk` is memory-mapped);
- `builtin:corpus`: the built-in 322-example conversation corpus.

Malformed records are never dropped silently: `examples` skips them and adds each, with its
line number and reason, to a `Problems` tally the command reports (and lists in its outputs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sincere import jsonl
from sincere.data.formats import Example, FormatError, parse
from sincere.errors import SincereError

MAX_LISTED = 1000  # malformed records listed one by one; all are counted

SOURCE_HELP = "JSONL/JSON file, hf:NAME[:CONFIG][:SPLIT] (hub id or local folder), or builtin:corpus."


@dataclass
class Problems:
    """Malformed records met while reading: all counted, the first `MAX_LISTED` listed."""

    count: int = 0
    listed: list[dict[str, Any]] = field(default_factory=list)

    def add(self, source: str, line: int | None, reason: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append({"source": source, "line": line, "reason": reason})

    @property
    def complete(self) -> bool:
        """True when every record was read."""
        return self.count == 0

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "listed": self.listed, "complete": self.complete}


def builtin_corpus_path() -> Path:
    """The built-in conversation corpus (JSONL, installed with the package)."""
    return Path(str(resources.files("sincere") / "suites" / "corpus.jsonl"))


def local_path(spec: str) -> Path | None:
    """The local file a spec reads, or None for a Hugging Face dataset."""
    if spec == "builtin:corpus":
        return builtin_corpus_path()
    if spec.startswith("hf:"):
        return None
    return Path(spec)


def input_paths(spec: str) -> tuple[Path, ...]:
    """Files a command must never overwrite when reading this spec."""
    path = local_path(spec)
    if path is not None:
        return (path,)
    folder = Path(spec[3:].split(":")[0])
    return tuple(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else ()


def _file_records(path: Path) -> Iterator[tuple[str, int | None, dict[str, Any] | str]]:
    """(source, line, record or reason) for every record of a JSONL (or JSON array) file."""
    file = jsonl.input_kind(path) == "file"
    if file and path.suffix == ".json" and _starts_with(path, b"["):
        try:
            data = json.loads(path.read_text(encoding="utf-8"), parse_constant=jsonl.no_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise SincereError(f"{path}: not a valid JSON array ({str(exc).splitlines()[0][:200]})") from None
        for index, record in enumerate(data):
            if not isinstance(record, dict):
                yield f"{path}[{index}]", index, "expected a JSON object"
            elif problem := jsonl.unrepresentable(record):
                yield f"{path}[{index}]", index, f"unusable value ({problem})"
            else:
                yield f"{path}[{index}]", index, record
        return
    for number, value in jsonl.records(path):
        if isinstance(value, jsonl.BadLine):
            if str(value).endswith("blank line"):
                continue  # blank lines are layout, not records
            yield f"{path}:{number}", number, str(value).split(": ", 1)[-1]
        else:
            yield f"{path}:{number}", number, value


def _starts_with(path: Path, prefix: bytes) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4096).lstrip().lstrip(b"\xef\xbb\xbf").startswith(prefix)


def _hf_records(spec: str) -> Iterator[tuple[str, int | None, dict[str, Any] | str]]:
    """Rows of `hf:NAME[:CONFIG][:SPLIT]`, streamed."""
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - datasets is a dependency
        raise SincereError("reading HF datasets needs: pip install datasets") from exc
    name, config, split = ([*spec[3:].split(":"), "", ""])[:3]
    try:
        if (Path(name) / "state.json").is_file() or (Path(name) / "dataset_dict.json").is_file():
            data: Any = datasets.load_from_disk(name)
            data = data[split or "train"] if isinstance(data, datasets.DatasetDict) else data
        else:
            data = datasets.load_dataset(name, config or None, split=split or "train", streaming=True)
    except Exception as exc:  # datasets raises many types; the user needs one line
        raise SincereError(f"cannot load dataset {spec!r}: {str(exc).splitlines()[0][:200]}") from None
    for index, row in enumerate(data):
        yield f"{spec}[{index}]", index, {k: v for k, v in row.items() if v is not None}


def records(spec: str) -> Iterator[tuple[str, int | None, dict[str, Any] | str]]:
    """(source, line or row, record or the reason it is malformed) for every record of a spec."""
    path = local_path(spec)
    return _hf_records(spec) if path is None else _file_records(path)


def examples(spec: str, problems: Problems) -> Iterator[Example]:
    """Every well-formed example of a spec, in order; malformed ones go to `problems`."""
    for source, line, record in records(spec):
        if isinstance(record, str):
            problems.add(source, line, record)
            continue
        try:
            yield parse(record, default_id=f"{Path(source).name}", source=source)
        except FormatError as exc:
            problems.add(source, line, str(exc))


def count(spec: str) -> int | None:
    """How many records a spec holds (for progress bars), or None when unknown without reading it."""
    path = local_path(spec)
    if path is None or not path.is_file():
        return None
    if path.suffix == ".json" and _starts_with(path, b"["):
        return None
    lines = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
        handle.seek(max(0, handle.tell() - 1))
        if handle.tell() and handle.read(1) != b"\n":
            lines += 1
    return lines


def fingerprint(spec: str) -> str:
    """Identifies a spec's content: the file's SHA-256, or the spec itself for a dataset by name."""
    from sincere.models import file_sha256

    path = local_path(spec)
    return file_sha256(path) if path is not None and path.is_file() else spec
