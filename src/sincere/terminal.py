"""Consoles that print user text verbatim: no markup, no emoji, and control characters shown as escapes.

Paths, model names, context and condition names and replies come from users. Rich would read
`[bold]` in them as markup (or fail on `[/]`), and raw escape bytes would reach the terminal;
`Verbatim` prints them as written, with control characters shown as `\\x1b`, `\\u202e`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rich.console import Console
from rich.text import Text

#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """The text with control characters written as escapes: `\\x1b` below space, `\\u0085` and
    `\\u202e` above (a form that is also valid inside a JSON string)."""
    return CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x20 else f"\\u{ord(m[0]):04x}", text)


class Verbatim(Console):
    """A rich console whose strings are never markup or emoji codes, and whose control characters are shown.

    Printed lines are not wrapped at spaces (a path or a name stays whole for copying); tables still fit.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, soft_wrap=True, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Every string the console renders (printed text, table cells, titles) goes through `visible`."""
        return super().render_str(visible(text), **kwargs)


class VisibleFormatter(logging.Formatter):
    """A log formatter that shows control characters as escapes."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(super().format(record))


stdout = Verbatim()
stderr = Verbatim(stderr=True)
