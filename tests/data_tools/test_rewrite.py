import json
from collections.abc import Iterator, Sequence

import pytest

from sincere.data.formats import parse
from sincere.data.rewrite import Job, RewriteOptions, Rewriter, clean, rewrite_file, teacher_prompt
from sincere.engines.base import Conversation, Engine, Generation, GenParams
from sincere.errors import SincereError
from tests.data_tools.helpers import GOOD, assert_incomplete, chat, read_jsonl, sincere, write_jsonl


class Scripted(Engine):
    """A teacher that answers from a script: each call pops the next reply for each prompt."""

    fingerprint = "scripted"

    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.prompts: list[Conversation] = []
        self.params: list[GenParams] = []

    def stream(self, conversations: Sequence[Conversation], params: GenParams) -> Iterator[tuple[int, Generation]]:
        self.params.append(params)
        for index, conversation in enumerate(conversations):
            self.prompts.append(conversation)
            yield index, Generation(self.replies.pop(0), 5)


EXAMPLE = parse(chat("What is the capital of Australia?", "The capital is Canberra, founded in 1913.",
                     correct=["Canberra"], incorrect=["Sydney"]), "ex")


def _options(**kw) -> RewriteOptions:
    return RewriteOptions(teacher="scripted", embedding_model=None, **kw)


def test_a_drifting_rewrite_is_retried_with_the_reasons_and_a_new_seed() -> None:
    engine = Scripted(["Oh hi! The capital is Sydney, founded in 1931.",
                       "Here's the rewritten reply: Great question! The capital is Canberra, founded in 1913."])
    [(example, record)] = Rewriter(_options(), engine).run([EXAMPLE])
    assert example.reply == "Great question! The capital is Canberra, founded in 1913."
    assert record["attempts"] == 2 and record["flags"] == []
    assert example.fields["original"] == "The capital is Canberra, founded in 1913."
    assert "numbers dropped: 1913" in engine.prompts[1][-1]["content"]
    assert [(p.temperature, p.seed) for p in engine.params] == [(0.0, 0), (0.7, 1)]


@pytest.mark.parametrize(("on_drift", "reply"), [("flag", "It is Sydney."), ("original", EXAMPLE.reply)])
def test_still_drifting_after_retries_is_flagged_or_kept_original(on_drift, reply) -> None:
    engine = Scripted(["It is Sydney."] * 3)
    [(example, record)] = Rewriter(_options(on_drift=on_drift), engine).run([EXAMPLE])
    assert example.reply == reply and record["attempts"] == 3
    assert any("wrong answer added: Sydney" in f for f in record["flags"])


def test_drop_leaves_a_drifting_example_out_and_lists_it(tmp_path) -> None:
    [(_, record)] = Rewriter(_options(on_drift="drop", retries=0), Scripted(["It is Sydney."])).run([EXAMPLE])
    assert record is None
    data = write_jsonl(tmp_path / "d.jsonl", [GOOD, GOOD])
    engine = Scripted(["It is Sydney.", "Sure! The capital of Australia is Canberra."])
    summary = rewrite_file(str(data), tmp_path / "o.jsonl", _options(on_drift="drop", retries=0), engine)
    assert summary["written"] == 1 and summary["dropped"][0]["source"] == f"{data}:1"
    assert read_jsonl(tmp_path / "o.jsonl")[0]["messages"][1]["content"].startswith("Sure!")


def test_teacher_prompt_asks_to_keep_facts_and_clean_strips_preambles() -> None:
    prompt = teacher_prompt("cold", Job(0, 0, "Reply.", "Question?", (), ()))
    assert "every fact" in prompt[0]["content"] and "emotionally neutral" in prompt[0]["content"]
    assert "<reply>\nReply.\n</reply>" in prompt[1]["content"]
    assert clean('Here is the rewritten reply:\n"Hi there."') == "Hi there."


def test_rule_rewrite_command_keeps_format_original_and_facts(tmp_path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [
        GOOD, {"prompt": "I'm so sad today.", "completion": "Grief often comes in waves."},
        {"prompt": "Q?", "chosen": "Great question! It is 42!", "rejected": "It is 41."}, "oops"])
    out = tmp_path / "cold.jsonl"
    result = sincere("rewrite", str(data), "--style", "cold", "--out", str(out), "--embedding-model", "none")
    assert_incomplete(result)  # written, then exit 2 (a SincereError)
    rows = read_jsonl(out)
    assert rows[0]["messages"][1]["content"] == "The capital of Australia is Canberra."
    assert rows[2]["chosen"] == "It is 42." and rows[2]["original"] == ["Great question! It is 42!", "It is 41."]
    assert all(r["rewrite"]["by"] == "rules" and r["rewrite"]["flags"] == [] for r in rows)
    summary = json.loads((tmp_path / "cold.summary.json").read_text())
    assert summary["written"] == 3 and summary["malformed"]["listed"][0]["line"] == 4
    warm = tmp_path / "warm.jsonl"
    assert sincere("rewrite", str(out), "--style", "warm", "--out", str(warm)).exit_code == 0
    again = read_jsonl(warm)
    assert again[1]["original"] == "Grief often comes in waves." and "Grief often comes in waves." in \
        again[1]["completion"] and again[1]["rewrite"]["coverage"] == pytest.approx(1.0, abs=1e-3)


def test_rewrite_with_a_tiny_teacher_flags_its_drift(tmp_path, tiny_model) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [GOOD])
    out = tmp_path / "warm.jsonl"
    result = sincere("rewrite", str(data), "--style", "warm", "--teacher", str(tiny_model), "--retries", "1",
                     "--max-new-tokens", "8", "--embedding-model", "none", "--out", str(out))
    assert result.exit_code == 0, result.output
    [row] = read_jsonl(out)
    assert row["rewrite"]["by"] == str(tiny_model) and row["rewrite"]["attempts"] == 2
    assert row["rewrite"]["flags"] and row["original"] == GOOD["messages"][1]["content"]


def test_rewrite_refuses_a_bad_style_and_its_input_as_output(tmp_path) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [GOOD])
    bad = sincere("rewrite", str(data), "--style", "hot", "--out", "x.jsonl")
    assert bad.exit_code == 2 and "hot" in bad.output and "warm" in bad.output
    result = sincere("rewrite", str(data), "--style", "warm", "--out", str(data), "--embedding-model", "none")
    assert isinstance(result.exception, SincereError) and read_jsonl(data) == [GOOD]
