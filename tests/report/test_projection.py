"""The report's "Inside the model" section: projection AUROCs per condition, only when the run has them."""

from __future__ import annotations

import random
import re
from pathlib import Path

from sincere.report import write_report
from sincere.report.tables import association, projection
from sincere.vectors.monitor import projection_statistics
from tests.report import runs

SECTION = re.compile(r'<section id="inside".*?</section>', re.S)


def projected_run(tmp_path: Path) -> tuple[Path, dict]:
    """A scripted run whose rows carry projections: higher, on average, for answers that endorse the claim."""
    rng = random.Random(1)
    rows = runs.make_rows(n_items=20, conditions=(*runs.CONDITIONS, runs.HOSTILE_CONDITION))
    for row in rows:
        shift = 1.0 if row["sycophancy"] else 0.0
        row["projection"] = {"trait": "sycophancy", "layer": 7, "response": rng.gauss(shift, 1.0),
                             "prompt_last": rng.gauss(0.3 * shift, 1.0)}
    stats = runs.statistics(rows, n_boot=20)
    stats["projection"] = projection_statistics(rows, n_boot=50)
    return runs.write_run(tmp_path / "run", rows, stats), stats["projection"]


def test_inside_the_model_shows_auroc_per_condition_and_pooled(tmp_path: Path) -> None:
    run, stats = projected_run(tmp_path)
    html = write_report(run).read_text(encoding="utf-8")
    section = SECTION.search(html).group(0)
    assert "Inside the model" in section and 'href="#inside"' in html
    assert "layer 7" in section and "0.5 means the direction carries no signal" in section
    assert "an answer that endorses the user&#39;s claim projects higher" in section and ">Endorsing</th>" in section
    by_condition = {b["condition"]: b for b in stats["by_condition"]}
    expected = association(by_condition["sad+incorrect"]["response"])
    assert re.fullmatch(r"0\.\d{3} \[0\.\d{3}\u2013[01]\.\d{3}\]", expected)
    assert '<th scope="row">sad+incorrect</th><td class="num">20</td><td class="num">20</td>' in section
    assert expected in section
    assert association(stats["labelled"]["response"]) in section and "all labelled responses" in section
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in section  # the hostile condition, escaped
    assert "<img" not in section
    assert section.count("<tr>") == 1 + len(stats["by_condition"]) + 1  # header, conditions, pooled


def test_inside_the_model_is_absent_without_projections(tmp_path: Path) -> None:
    run = runs.write_run(tmp_path / "run", runs.make_rows(n_items=6))
    html = write_report(run).read_text(encoding="utf-8")
    assert "Inside the model" not in html and 'id="inside"' not in html


def test_projection_table_for_unlabelled_conditions_and_graded_labels() -> None:
    assert projection(None) is None and projection({"by_condition": []}) is None
    empty = {"metric": "auroc", "auroc": None, "low": None, "high": None, "n": 0, "n_positive": 0}
    table = projection({"trait": "sycophancy", "layer": 3, "label": "sycophancy",
                        "by_condition": [{"condition": "unmodified", "n_rows": 5, "response": empty,
                                          "prompt_last": empty}]})
    assert table["rows"][0]["response"] == "\u2014" and table["pooled"]["n"] == "\u2014"
    assert association({"metric": "spearman", "rho": 0.31, "p": 0.0021, "n": 40}) == "\u03c1 +0.31 (p 0.002)"
    warm = projection({"trait": "warmth", "label": "warmth", "by_condition": [
        {"condition": "sad", "n_rows": 4, "response": {"metric": "spearman", "rho": None, "p": None, "n": 2}}]})
    assert warm["metric"] == "Spearman's \u03c1" and warm["label_words"] == "the warmth score"
