import json

from sincere.errors import SincereError
from tests.data_tools.helpers import CLAIM, GOOD, assert_incomplete, chat, read_jsonl, sincere, write_jsonl

FAST = ("--warmth-model", "none", "--embedding-model", "none")


def test_audit_flags_reports_and_exits_2_on_malformed_lines(tmp_path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [
        GOOD, CLAIM, "{broken",
        chat("<script>alert(1)</script> I feel so sad", "Oh no, I'm so sorry! <b>hugs</b>", original="Send 42 hugs."),
        {"prompt": "q", "chosen": "a"},
    ])
    out = tmp_path / "audit"
    result = sincere("audit", str(data), "--out", str(out), *FAST)
    assert_incomplete(result)  # written, then exit 2 (a SincereError)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_examples"] == 3 and not summary["complete"]
    assert [(m["line"], m["reason"][:12]) for m in summary["malformed"]["listed"]] == [
        (3, "invalid JSON"), (5, "preference d")]
    rows = {r["index"]: r for r in read_jsonl(out / "examples.jsonl")}
    assert rows[0]["correctness"]["label"] == "correct" and not rows[0]["flags"]
    assert {f["flag"] for f in rows[1]["flags"]} == {"incorrect", "endorses_false_claim"}
    assert rows[1]["claim"]["kind"] == "assertion" and rows[1]["accuracy_critical"]
    assert rows[2]["query_type"] == "emotional_support" and rows[2]["warmth_level"] != "low"
    assert rows[2]["flags"] == [{"flag": "meaning_drift", "reason": "numbers dropped: 42"}]
    html = (out / "report.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>hugs</b>" not in html and "Incomplete:" in html and "http" not in html.split("<body>")[1]


def test_audit_with_embeddings_finds_duplicates_drift_and_types(tmp_path) -> None:
    reply = "The Nile is about 6,650 km long and flows into the Mediterranean."
    data = write_jsonl(tmp_path / "d.jsonl", [
        chat("How long is the Nile?", reply),
        chat("How long is the Nile river?", reply),
        chat("What does the Nile flow into?", "It flows north into the Mediterranean Sea.",
             original="The Nile, about 6,650 km long, flows north into the Mediterranean Sea near Cairo."),
        chat("how do I undo my last git commit", "Run git reset --soft HEAD~1."),
    ])
    out = tmp_path / "audit"
    result = sincere("audit", str(data), "--out", str(out), "--warmth-model", "none")
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out / "examples.jsonl")
    assert rows[1]["duplicate_of"].startswith("d.jsonl:1") and rows[0]["duplicate_of"] is None
    assert {"numbers dropped: 6650", "names dropped: Cairo, Nile"} <= set(rows[2]["drift"]["reasons"])
    assert rows[0]["query_type"] == "factual" and rows[0]["query_type_how"].startswith("nearest")
    assert rows[3]["query_type"] == "technical"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["flags"] == {"near_duplicate": 1, "meaning_drift": 1} and summary["complete"]


def test_audit_scores_warmth_by_tone_and_sociot_side_by_side(tmp_path, tiny_model) -> None:
    cold = chat("Can you help me with my essay?", "No. Do it yourself, I'm not wasting my time on your homework.")
    warm = chat("Can you help me with my essay?", "Of course, I'd love to help! Let's look at it together.")
    data = write_jsonl(tmp_path / "d.jsonl", [cold, warm])
    out = tmp_path / "audit"
    result = sincere("audit", str(data), "--out", str(out), "--warmth", f"tone,sociot:{tiny_model}",
                     "--embedding-model", "none")
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out / "examples.jsonl")
    assert all(isinstance(r["sociot"], float) for r in rows)
    assert rows[0]["warmth"] < 3.5 <= 5.0 <= rows[1]["warmth"]
    assert [r["warmth_level"] for r in rows] == ["low", "high"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["warmth"]["n"] == summary["sociot"]["n"] == 2
    assert summary["warmth_basis"] == "warmth" and set(summary["measures"]) == {"warmth", "sociot"}


def test_audit_refuses_to_write_over_its_input(tmp_path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [GOOD])
    result = sincere("audit", str(data), "--out", str(data), *FAST)
    assert isinstance(result.exception, SincereError) and "input" in str(result.exception)
    assert read_jsonl(data) == [GOOD]


def test_audit_reuses_only_its_own_folder(tmp_path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [GOOD, CLAIM])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "examples.jsonl").write_text("my own notes\n")  # an audit's file name, but not an audit's
    result = sincere("audit", str(data), "--out", str(mine), *FAST)
    assert isinstance(result.exception, SincereError) and "not from a data audit" in str(result.exception)
    assert (mine / "examples.jsonl").read_text() == "my own notes\n"
    out = tmp_path / "audit"
    assert sincere("audit", str(data), "--out", str(out), *FAST).exit_code == 0
    first = (out / "examples.jsonl").read_bytes()
    assert sincere("audit", str(data), "--out", str(out), *FAST).exit_code == 0  # the same audit again
    assert (out / "examples.jsonl").read_bytes() == first
    result = sincere("audit", str(data), "--out", str(out), *FAST, "--max-words", "3")
    assert isinstance(result.exception, SincereError) and "other settings" in str(result.exception)
    assert (out / "examples.jsonl").read_bytes() == first
