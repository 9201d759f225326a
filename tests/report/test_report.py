"""The written report: one self-contained file, hostile text escaped, and it works in headless Chromium."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from sincere.errors import SincereError
from sincere.report import data, write_report
from tests.report import runs

DATA_BLOCK = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    rows = runs.make_rows(conditions=(*runs.CONDITIONS, runs.HOSTILE_CONDITION))
    return runs.write_run(tmp_path / "run", rows)


def embedded(html: str) -> dict[str, Any]:
    """The response data embedded in a report, unpacked when gzipped."""
    block = DATA_BLOCK.search(html)
    assert block is not None
    value = json.loads(block.group(1))
    if "gzip" in value:
        value = json.loads(gzip.decompress(base64.b64decode(value["gzip"])).decode("utf-8"))
    return value


def test_writes_one_self_contained_file(run_dir: Path) -> None:
    path = write_report(run_dir)
    assert path == run_dir / "report.html"
    assert sorted(p.name for p in run_dir.iterdir()) == ["report.html", "results.jsonl", "summary.json"]
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(", html, re.I)
    assert "<link" not in html and "<img" not in html and "<iframe" not in html
    for section in ("chart-error", "chart-sycophancy", "chart-warmth", 'id="by-domain"', 'id="tests"'):
        assert section in html
    assert "Error rate rises from 12.5% (unmodified) to 52.5% with a sad user stating a wrong answer" in html


def test_only_the_report_script_may_run(run_dir: Path) -> None:
    html = write_report(run_dir).read_text(encoding="utf-8")
    assert len(re.findall(r"<script", html, re.I)) == 2
    assert len(re.findall(r"</script", html, re.I)) == 2
    code = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html
    assert "default-src 'none'" in html


def test_hostile_strings_are_escaped(run_dir: Path) -> None:
    html = write_report(run_dir).read_text(encoding="utf-8")
    outside_data = DATA_BLOCK.sub("", html)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in outside_data  # the model name
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in outside_data  # a condition, also in SVG
    assert "&lt;b&gt;truthfulqa&lt;/b&gt;" in outside_data  # a domain
    assert not re.search(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", html, re.I)
    assert 'onerror="' not in html and "<svg onload" not in html and "<style>body" not in html
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", html)
    block = DATA_BLOCK.search(html).group(1)
    assert not re.search("[<>&\x7f-\x9f\u2028\u2029]", block)


def test_embedded_data_keep_hostile_text_verbatim(run_dir: Path) -> None:
    shown = embedded(write_report(run_dir).read_text(encoding="utf-8"))
    responses = {row["r"] for row in shown["rows"]}
    questions = {item[2] for item in shown["items"]}
    for text in runs.HOSTILE:
        assert text in responses
        assert any(q.endswith(text) for q in questions)
    assert runs.HOSTILE_CONDITION in shown["conditions"]


def test_large_run_is_compressed_and_small(tmp_path: Path) -> None:
    rows = runs.make_rows(n_items=1000)
    for i, row in enumerate(rows):
        row["response"] = f"Answer {i}: " + " ".join(f"word{(i * 7 + j) % 500}" for j in range(120))
    block = {"baseline": "unmodified", "by_condition": runs.statistics(rows[:200], n_boot=20)["by_condition"]}
    run = runs.write_run(tmp_path / "big", rows, block)
    started = time.perf_counter()
    html = write_report(run).read_text(encoding="utf-8")
    assert time.perf_counter() - started < 10
    assert len(html.encode()) < 4_000_000
    assert len(embedded(html)["rows"]) == 5000


@pytest.mark.parametrize(
    "case", ["single condition", "no warmth", "empty condition", "no rows", "bare summary", "bad line"]
)
def test_degenerate_runs_render(tmp_path: Path, case: str) -> None:
    rows = runs.make_rows(n_items=6, conditions=("unmodified",) if case == "single condition" else runs.CONDITIONS)
    if case == "no warmth":
        for row in rows:
            row["warmth"] = None
            row["scores"].pop("warmth")
    stats = runs.statistics(rows, n_boot=20)
    if case == "empty condition":
        empty = {"mean": None, "low": None, "high": None, "n": 0}
        stats["by_condition"].append({"condition": "anger", "n_rows": 0, **dict.fromkeys(runs.METRICS, empty)})
    if case == "no rows":
        rows, stats = [], {}
    run = runs.write_run(tmp_path / "run", rows, {"odd": 1} if case == "bare summary" else stats)
    if case == "bad line":
        with open(run / "results.jsonl", "a", encoding="utf-8") as handle:
            handle.write("{not json\n")
    html = write_report(run).read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    if case == "no warmth":
        assert "Warmth was not scored in this run" in html
    if case == "single condition":
        assert "no other condition to compare it with" in html


def test_missing_files_raise_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SincereError, match="not an audit run"):
        write_report(tmp_path)


# ---- headless Chromium ------------------------------------------------------------------------


def _open(driver: Any, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 10, poll_frequency=0.05).until(lambda d: d.find_elements("css selector", "#rows tr"))


def _matches(driver: Any) -> int:
    return int(driver.find_element("id", "responses-table").get_attribute("data-matches"))


def _check_page(driver: Any, n_rows: int) -> None:
    """Charts drawn, rows listed, filters narrowing them, hostile text shown as text, nothing injected."""
    from selenium.webdriver.support.ui import Select, WebDriverWait

    for chart in ("chart-error", "chart-sycophancy", "chart-warmth"):
        svg = driver.find_element("id", chart)
        assert svg.size["width"] > 100 and svg.size["height"] > 100, chart
        assert svg.find_elements("css selector", "rect, circle"), chart
    assert _matches(driver) == n_rows
    assert len(driver.find_elements("css selector", "#rows > tr")) == 50
    Select(driver.find_element("id", "f-condition")).select_by_value("sad+incorrect")
    assert _matches(driver) == n_rows // 6
    Select(driver.find_element("id", "f-correct")).select_by_value("incorrect")
    assert 0 < _matches(driver) < n_rows // 6
    driver.find_element("id", "f-reset").click()
    driver.find_element("id", "f-text").send_keys("onerror")
    WebDriverWait(driver, 5, poll_frequency=0.05).until(lambda d: _matches(d) < n_rows)
    cells = driver.find_element("id", "rows").text
    assert '<img src=x onerror="window.__pwned=1">' in cells
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert driver.execute_script("return document.querySelectorAll('img, iframe, script').length") == 2


def test_report_works_in_headless_chromium(run_dir: Path, browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    n_rows = (run_dir / "results.jsonl").read_bytes().count(b"\n")
    _open(browser, write_report(run_dir))
    _check_page(browser, n_rows)
    monkeypatch.setattr(data, "COMPRESS_ABOVE", 0)  # the same report with its data gzipped
    packed = write_report(run_dir)
    assert '{"gzip": "' in packed.read_text(encoding="utf-8")
    _open(browser, packed)
    _check_page(browser, n_rows)
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
