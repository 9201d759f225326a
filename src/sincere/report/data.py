"""Reading a run folder, and the compact response data embedded in the report for its browser."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import re
from pathlib import Path
from typing import Any

from sincere import jsonl
from sincere.errors import SincereError
from sincere.report import fmt

logger = logging.getLogger(__name__)

COMPRESS_ABOVE = 1_000_000  # characters of JSON beyond which the data are embedded gzipped
LIMITS = {"response": 6000, "message": 4000, "explanation": 1200, "answer": 300}
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SCRIPT_UNSAFE = re.compile("[<>&\x7f-\x9f\u2028\u2029]")  # HTML-significant, control, JS line breaks


def load(run_dir: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows of results.jsonl (malformed lines skipped with a warning) and summary.json."""
    summary_path, results_path = run_dir / "summary.json", run_dir / "results.jsonl"
    if not summary_path.is_file() or not results_path.is_file():
        raise SincereError(f"{run_dir} is not an audit run (needs summary.json and results.jsonl)")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SincereError(f"{summary_path}: not valid JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise SincereError(f"{summary_path}: expected a JSON object")
    rows, bad = [], 0
    for _, value in jsonl.records(results_path):
        if isinstance(value, dict):
            rows.append(value)
        else:
            bad += 1
    if bad:
        logger.warning("%s: skipped %d malformed line(s)", results_path, bad)
    return rows, summary


def text(value: Any, limit: int | None = None) -> str:
    """A field as text (None is empty), lone surrogates replaced, cut to `limit` characters with a note."""
    if value is None:
        return ""
    value = _SURROGATE.sub("\ufffd", value if isinstance(value, str) else str(value))
    if limit is not None and len(value) > limit:
        cut = len(value) - limit
        value = f"{value[:limit]}\u2026 [{cut:,} more characters in results.jsonl]"
    return value


def correctness_label(row: dict[str, Any]) -> str:
    """The correctness scorer's label, else one derived from the row's error value."""
    label = _score(row, "correctness").get("label")
    if isinstance(label, str) and label:
        return text(label, 40)
    error = fmt.number(row.get("error"))
    return "unscored" if error is None else ("incorrect" if error else "correct")


def sycophancy_label(row: dict[str, Any]) -> str:
    """The sycophancy scorer's label, else one derived from the row's sycophancy value."""
    label = _score(row, "sycophancy").get("label")
    if isinstance(label, str) and label:
        return text(label, 40)
    value = fmt.number(row.get("sycophancy"))
    return "n/a" if value is None else ("endorse" if value else "no endorsement")


def _score(row: dict[str, Any], name: str) -> dict[str, Any]:
    scores = row.get("scores")
    score = scores.get(name) if isinstance(scores, dict) else None
    return score if isinstance(score, dict) else {}


def _scores(row: dict[str, Any]) -> list[list[str]]:
    """[[scorer, label, value, explanation], ...] for every scorer of a row."""
    scores = row.get("scores")
    if not isinstance(scores, dict):
        return []
    out = []
    for name, score in scores.items():
        score = score if isinstance(score, dict) else {"value": score}
        value = fmt.number(score.get("value"))
        shown = fmt.DASH if value is None else f"{value:.3g}"
        label = text(score.get("label"), 80)
        out.append([text(name, 80), label, shown, text(score.get("explanation"), LIMITS["explanation"])])
    return out


def _messages(row: dict[str, Any]) -> list[list[str]]:
    messages = row.get("messages")
    if not isinstance(messages, list):
        return []
    out = []
    for message in messages:
        message = message if isinstance(message, dict) else {"content": message}
        out.append([text(message.get("role"), 40), text(message.get("content"), LIMITS["message"])])
    return out


def _answers(value: Any) -> list[str]:
    values = value if isinstance(value, list) else ([] if value is None else [value])
    return [text(v, LIMITS["answer"]) for v in values[:30]]


def _item(row: dict[str, Any]) -> list[Any]:
    """[item_id, domain, question, correct_answers, incorrect_answers]: shared by an item's rows."""
    return [
        text(row.get("item_id"), 200),
        text(row.get("domain"), 80),
        text(row.get("question"), LIMITS["message"]),
        _answers(row.get("correct_answers")),
        _answers(row.get("incorrect_answers")),
    ]


def _claim(row: dict[str, Any]) -> str:
    claim = row.get("claim")
    if not isinstance(claim, dict):
        return ""
    kind, said = text(claim.get("kind"), 40), text(claim.get("text"), LIMITS["answer"])
    return f"{kind}: {said}" if said else kind


def browser_data(rows: list[dict[str, Any]], conditions: list[str]) -> dict[str, Any]:
    """Compact data for the response browser: items stored once, rows as short-keyed objects."""
    items: list[list[Any]] = []
    index: dict[str, int] = {}
    records = []
    for row in rows:
        item = _item(row)
        key = json.dumps(item)
        if key not in index:
            index[key] = len(items)
            items.append(item)
        records.append(
            {
                "i": index[key],
                "c": text(row.get("condition"), 200),
                "m": _messages(row),
                "r": text(row.get("response"), LIMITS["response"]),
                "k": correctness_label(row),
                "y": sycophancy_label(row),
                "x": _claim(row),
                "s": _scores(row),
            }
        )
    return {"conditions": [text(c, 200) for c in conditions], "items": items, "rows": records}


def _escape(raw: str) -> str:
    return _SCRIPT_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


def script_json(value: Any, compress_above: int | None = None) -> str:
    """JSON safe inside `<script type="application/json">`: `<`, `>`, `&`, DEL, C1 and U+2028/9 escaped.

    Beyond `compress_above` characters (default `COMPRESS_ABOVE`) the JSON is gzipped and sent as
    `{"gzip": "<base64>"}`, which the report's script unpacks, so large runs stay a few MB.
    """
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    limit = COMPRESS_ABOVE if compress_above is None else compress_above
    if len(raw) > limit:
        packed = base64.b64encode(gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0))
        raw = json.dumps({"gzip": packed.decode("ascii")})
    return _escape(raw)
