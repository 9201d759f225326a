"""The data embedded for the response browser: compact, lossless, safe inside a script tag."""

from __future__ import annotations

import base64
import gzip
import json

from sincere.report import data
from tests.report import runs


def test_script_json_escapes_what_could_end_the_script() -> None:
    value = {"t": "</script><!-- & \u2028\u2029\x7f\x00 \ud800"}
    out = data.script_json({"t": data.text(value["t"])})
    assert not set(out) & set("<>&\u2028\u2029\x7f\x00")
    assert json.loads(out)["t"] == "</script><!-- & \u2028\u2029\x7f\x00 \ufffd"


def test_script_json_compresses_large_data() -> None:
    value = {"rows": ["x" * 50] * 100}
    out = json.loads(data.script_json(value, compress_above=1000))
    assert json.loads(gzip.decompress(base64.b64decode(out["gzip"]))) == value


def test_items_are_stored_once_and_labels_derived() -> None:
    rows = runs.make_rows(n_items=12, conditions=("unmodified", "sad+incorrect"))
    rows[0]["scores"] = None
    rows[0]["messages"] = "not a list"
    shown = data.browser_data(rows, ["unmodified", "sad+incorrect"])
    assert len(shown["rows"]) == 24 and len(shown["items"]) == 12
    assert shown["rows"][0]["k"] in ("correct", "incorrect") and shown["rows"][0]["y"] == "n/a"
    assert shown["rows"][0]["s"] == [] and shown["rows"][0]["m"] == []
    assert shown["rows"][12]["x"] == "incorrect: City1"


def test_long_text_is_cut_with_a_note() -> None:
    assert data.text("a" * 10, 4) == "aaaa\u2026 [6 more characters in results.jsonl]"
    assert data.text(None) == "" and data.text(3) == "3"
