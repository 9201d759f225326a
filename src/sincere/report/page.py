"""The one page builder of every report (audit, data audit, training run, watch history).

Each page is a Jinja template in this folder that extends `base.html` (the header, the shared
style, the footer), rendered by one autoescaping environment (`environment`), with its scripts
inline under a Content-Security-Policy that allows only them (`render`), and written atomically
(`write`). Tables marked `data-filter` get a search box (`tables.js`); charts come from `charts.py`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from sincere import __version__, jsonl
from sincere.report import fmt
from sincere.report.svg import clean

#: The script every page runs: the search box of each table marked `data-filter`.
SHARED_SCRIPTS = ("tables.js",)


def _finalize(value: Any) -> Any:
    """Every `{{ }}` value: markup passes through, text loses control characters, None shows a dash."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return fmt.DASH
    return clean(value)


def environment() -> jinja2.Environment:
    """The Jinja environment of every report page: autoescaped, control characters dropped, strict, and
    templates (with `{% extends "base.html" %}`) loaded from this folder."""
    return jinja2.Environment(autoescape=True, finalize=_finalize, undefined=jinja2.StrictUndefined,
                              loader=jinja2.PackageLoader("sincere", "report"))


def resource(name: str) -> str:
    """A template, style or script shipped in `sincere/report/`."""
    return (resources.files("sincere.report") / name).read_text(encoding="utf-8")


def _scripts(names: Sequence[str]) -> tuple[Markup, str]:
    """The page's scripts joined, and their CSP hash (`sha256-...`)."""
    code = "\n".join(resource(name) for name in (*SHARED_SCRIPTS, *names))
    if "</script" in code.lower():
        raise RuntimeError("a report script must not contain '</script'")
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii")
    return Markup(code), f"sha256-{digest}"


def render(template: str, scripts: Sequence[str] = (), **context: Any) -> str:
    """A page: `template` (extending base.html) with `context`, the shared style and the scripts."""
    script, script_hash = _scripts(scripts)
    return environment().get_template(template).render(
        **context, style=Markup(resource("style.css")), script=script, script_hash=script_hash,
        version=__version__, generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def write(path: Path, html: str, protect: tuple[Path, ...] = ()) -> Path:
    """Write a page atomically (never over a path in `protect`), readable by all; its path."""
    with jsonl.atomic_writer(path, protect=protect) as handle:
        handle.write(html)
    path.chmod(0o644)
    return path
