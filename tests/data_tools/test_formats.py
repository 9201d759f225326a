import pytest

from sincere.data.formats import Example, FormatError, convert, originals, parse
from tests.data_tools.helpers import read_jsonl, sincere

MESSAGES = {"id": "a", "messages": [{"role": "system", "content": "Be nice."}, {"role": "user", "content": "Hi"},
                                    {"role": "assistant", "content": "Hello."}], "extra": 1}
TEXT_PC = {"prompt": "What is 2+2?", "completion": "4.", "weight": 0.5}
LIST_PC = {"prompt": [{"role": "user", "content": "Q"}], "completion": [{"role": "assistant", "content": "A"}]}
PREF = {"prompt": "Q?", "chosen": "Right.", "rejected": "Wrong."}
IMPLICIT = {"chosen": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "good"}],
            "rejected": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "bad"}]}


@pytest.mark.parametrize("record", [MESSAGES, TEXT_PC, LIST_PC, PREF])
def test_records_round_trip_unchanged(record) -> None:
    assert parse(record, "x").to_record() == record


def test_kinds_turns_and_reply() -> None:
    example = parse(MESSAGES, "x")
    assert (example.kind, example.id, example.reply, example.turns("user")) == ("messages", "a", "Hello.", ["Hi"])
    assert parse(TEXT_PC, "x").messages == [{"role": "user", "content": "What is 2+2?"},
                                            {"role": "assistant", "content": "4."}]
    pref = parse(PREF, "x")
    assert pref.kind == "preference" and pref.reply == "Right." and pref.assistant_texts() == ["Right.", "Wrong."]


def test_implicit_prompt_preference_is_split_at_the_shared_turns() -> None:
    example = parse(IMPLICIT, "x")
    assert example.prompt == ({"role": "user", "content": "Q"},)
    assert example.to_record()["rejected"] == [{"role": "assistant", "content": "bad"}]


def test_map_assistant_counts_every_assistant_turn_in_order() -> None:
    example = parse(PREF, "x").map_assistant(lambda i, text: f"{i}:{text}")
    assert example.to_record()["chosen"] == "0:Right." and example.to_record()["rejected"] == "1:Wrong."


@pytest.mark.parametrize(("record", "reason"), [
    ({"text": "hi"}, "needs 'messages'"),
    ({"messages": [{"role": "user", "content": "hi"}]}, "no assistant turn"),
    ({"messages": [{"role": "bot", "content": "hi"}]}, "unknown role"),
    ({"messages": [{"role": "assistant", "content": ["a"]}]}, "content must be text"),
    ({"prompt": "q", "chosen": "a"}, "needs both"),
])
def test_malformed_records_say_why(record, reason) -> None:
    with pytest.raises(FormatError, match=reason):
        parse(record, "x")


def test_originals_accepts_text_lists_and_messages() -> None:
    base = parse(TEXT_PC, "x")
    assert originals(base) is None
    for value, expected in (("old", ["old"]), (["a", "b"], ["a", "b"]),
                            ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "z"}], ["z"])):
        assert originals(Example(**{**base.__dict__, "fields": {"original": value}})) == expected


def test_convert_between_formats() -> None:
    assert convert(parse(TEXT_PC, "x"), "messages").to_record()["messages"][1]["content"] == "4."
    pc = convert(parse(MESSAGES, "x"), "prompt_completion").to_record()
    assert pc["completion"] == [{"role": "assistant", "content": "Hello."}] and len(pc["prompt"]) == 2
    with pytest.raises(FormatError):
        convert(parse(TEXT_PC, "x"), "preference")


def test_convert_command_exports_the_builtin_corpus(tmp_path) -> None:
    target = tmp_path / "pc.jsonl"
    result = sincere("convert", "builtin:corpus", "--to", "prompt_completion", "--limit", "3", "--out", str(target))
    assert result.exit_code == 0, result.output
    rows = read_jsonl(target)
    assert len(rows) == 3 and rows[0]["id"] == "corpus-001" and "completion" in rows[0]
