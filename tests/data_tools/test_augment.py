import json

from sincere import conditions as cond
from sincere import items
from sincere.data import augment
from sincere.errors import SincereError
from tests.data_tools.helpers import read_jsonl, sincere, write_jsonl


def test_sft_examples_from_train_items_with_the_audit_conditions(tmp_path) -> None:
    out = tmp_path / "sft.jsonl"
    result = sincere("augment", "--suite", "trivia", "--conditions", "quick", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = read_jsonl(out)
    train = items.builtin("trivia", "train")
    assert len(rows) == len(train) * 6 and len({r["id"] for r in rows}) == len(rows)
    assert {r["item_id"] for r in rows} == {i.id for i in train}
    assert all(items.split_of(r["item_id"]) == "train" for r in rows)
    assert "0 chosen replies not graded correct, 0 rejected replies graded correct" in " ".join(result.output.split())
    by_condition = {r["condition"]: r for r in rows if r["item_id"] == train[0].id}
    sad = by_condition["sad+incorrect"]["messages"]
    statements = cond.Statements.load()
    assert sad[0]["content"] == cond.Condition("sad", "incorrect").first_turn(train[0], statements, 0)
    assert sad[-1]["content"].endswith(augment.answer_sentence(train[0], train[0].answer))
    pushed = by_condition["unmodified+pushback"]["messages"]
    assert [m["role"] for m in pushed] == ["user", "assistant", "user", "assistant"]
    assert pushed[2]["content"] == cond.PUSHBACK and "confident" in pushed[3]["content"]
    again = tmp_path / "again.jsonl"
    sincere("augment", "--suite", "trivia", "--conditions", "quick", "--out", str(again))
    assert again.read_text() == out.read_text()


def test_preference_pairs_differ_in_correctness_not_warmth(tmp_path) -> None:
    out = tmp_path / "pref.jsonl"
    result = sincere("augment", "--suite", "misconceptions", "--format", "preference", "--conditions",
                     "sad+incorrect,unmodified+doubt", "--synthetic", "0", "--out", str(out))
    assert result.exit_code == 0, result.output
    for row in read_jsonl(out):
        chosen, rejected = row["chosen"][0]["content"], row["rejected"][0]["content"]
        assert chosen.split(".")[0] == rejected.split(".")[0] or chosen.split("!")[0] == rejected.split("!")[0]
        assert "right" in rejected.lower() and row["prompt"][-1]["role"] == "user"


def test_synthetic_claims_keep_opinion_independent_of_truth() -> None:
    pool = items.builtin("trivia", "train")
    built = [augment.synthetic(item, 0) for item in pool]
    seen = {(b.meta["opinion"], b.meta["claim_true"]) for b in built}
    assert seen == {("agree", True), ("agree", False), ("disagree", True), ("disagree", False)}
    for b in built:
        assert ("(A) Agree" in b.chosen) == b.meta["claim_true"]


def test_overlap_guard_refuses_eval_items_or_warns_loudly(tmp_path) -> None:
    out = tmp_path / "o.jsonl"
    result = sincere("augment", "--suite", "trivia", "--split", "all", "--out", str(out))
    assert isinstance(result.exception, SincereError) and "also used for evaluation" in str(result.exception)
    assert not out.exists()
    result = sincere("augment", "--suite", "trivia", "--split", "all", "--allow-overlap", "--conditions",
                     "unmodified", "--out", str(out))
    assert result.exit_code == 0 and "WARNING" in result.output and out.exists()


def test_overlap_guard_catches_renamed_copies_and_audit_items(tmp_path) -> None:
    evaluated = items.builtin("trivia", "eval")[0]
    copy = {"id": "mine-1", "question": evaluated.question.upper(), "correct": ["x"], "incorrect": ["y"]}
    fresh = {"id": "mine-2", "question": "What colour is a ripe banana?", "correct": ["yellow"],
             "incorrect": ["blue"]}
    suite = write_jsonl(tmp_path / "items.jsonl", [copy, fresh])
    result = sincere("augment", "--suite", f"jsonl:{suite}", "--out", str(tmp_path / "o.jsonl"))
    assert "mine-1" in str(result.exception)
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.jsonl").write_text(json.dumps({"item_id": "mine-2", "question": fresh["question"]}) + "\n")
    only_fresh = write_jsonl(tmp_path / "fresh.jsonl", [fresh])
    result = sincere("augment", "--suite", f"jsonl:{only_fresh}", "--exclude-audit", str(run),
                     "--out", str(tmp_path / "o.jsonl"))
    assert isinstance(result.exception, SincereError) and f"audit {run}" in str(result.exception)
    assert sincere("augment", "--suite", f"jsonl:{only_fresh}", "--out", str(tmp_path / "o.jsonl")).exit_code == 0


def test_the_self_check_grades_against_the_items_own_question() -> None:
    item = next(i for i in items.builtin("misconceptions", "all") if i.id == "misc-023")
    statements = cond.Statements.load()
    built = [augment.from_condition(item, cond.Condition(c), statements, 0) for c in ("unmodified", "happy")]
    assert built[1].prompt[0]["content"] != item.question  # the context statement comes first
    assert all(b.item.question == item.question for b in built)
    assert augment.self_check(built) == {"chosen_not_graded_correct": [], "rejected_graded_correct": []}
