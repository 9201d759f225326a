"""`sincere data convert` as a library call: any supported format or source to JSONL (e.g. an HF
dataset to a local file), in the same or another record format."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

from sincere import jsonl, progress
from sincere.data import formats, sources
from sincere.errors import SincereError
from sincere.settings import at_least, check_fields, setting


@dataclass
class ConvertConfig:
    """The flags of `sincere data convert` and the keys of its `--config` YAML."""

    file: str | None = setting(None, sources.SOURCE_HELP, flags=("FILE",))
    out: str | None = setting(None, "The JSONL to write.", flags=("--out", "-o"))
    to: Literal["keep", "messages", "prompt_completion"] = setting("keep", "keep, messages or prompt_completion.")
    limit: int | None = setting(None, "Only the first N examples ('none': all).", flags=("--limit", "-n"),
                                check=at_least(1))

    def __post_init__(self) -> None:
        check_fields(self)


def convert_file(config: ConvertConfig) -> tuple[int, dict[str, Any]]:
    """Write the converted examples; (how many were written, the malformed records skipped)."""
    if not config.file or not config.out:
        raise SincereError("give the FILE to convert and --out, the JSONL to write")
    problems = sources.Problems()
    written = 0
    with jsonl.atomic_writer(config.out, protect=sources.input_paths(config.file)) as handle, \
            progress.task("converting", sources.count(config.file)) as advance:
        for example in islice(sources.examples(config.file, problems), config.limit):
            handle.write(jsonl.dumps(formats.convert(example, config.to).to_record()) + "\n")
            written += 1
            advance(1)
    return written, problems.as_dict()
