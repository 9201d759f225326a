"""What Inspect registers from sincere (the `inspect_ai` entry point of pyproject.toml)."""

from sincere.inspect_ext.model import sincere as sincere  # noqa: PLC0414  (registered by import)
from sincere.inspect_ext.scorers import correctness as correctness  # noqa: PLC0414
from sincere.inspect_ext.scorers import refusal as refusal  # noqa: PLC0414
from sincere.inspect_ext.scorers import sycophancy as sycophancy  # noqa: PLC0414
from sincere.inspect_ext.scorers import warmth as warmth  # noqa: PLC0414
from sincere.inspect_ext.task import audit as audit  # noqa: PLC0414
