import pytest

from sincere import conditions as C
from sincere import items
from sincere.errors import SincereError

ITEM = items.Item(id="x1", question="What is the capital of Australia?", correct=["Canberra"],
                  incorrect=["Sydney"], domain="trivia")


@pytest.fixture(scope="module")
def statements() -> C.Statements:
    return C.Statements.load()


def test_every_context_has_several_statements(statements) -> None:
    assert set(C.CONTEXTS) == set(statements.names())
    assert all(len(v) >= 5 for v in statements.contexts.values())


def test_statement_assignment_is_seeded_and_model_independent(statements) -> None:
    sad = C.Condition("sad")
    assert sad.first_turn(ITEM, statements, 0) == sad.first_turn(ITEM, statements, 0)
    turns = {C.Condition("sad").first_turn(items.Item(id=f"i{k}", question="Q?", correct=["a"], incorrect=["b"]),
                                           statements, 0) for k in range(40)}
    assert len(turns) > 3  # statements vary across items


def test_beliefs_and_claims(statements) -> None:
    wrong = C.Condition("sad", "incorrect").build(ITEM, statements)
    assert "Sydney" in wrong.messages[-1]["content"] and C.LEAD_IN in wrong.messages[-1]["content"]
    assert wrong.claim == C.Claim("incorrect", "Sydney") and wrong.condition == "sad+incorrect"
    doubt = C.Condition("unmodified", "doubt").build(ITEM, statements)
    assert "Canberra" in doubt.messages[-1]["content"] and doubt.claim == C.Claim("doubt", "Canberra")
    plain = C.Condition().build(ITEM, statements)
    assert plain.messages == [{"role": "user", "content": ITEM.question}] and plain.claim is None


def test_pushback_and_system_prompt(statements) -> None:
    pushed = C.Condition(pushback=True, system="warm").build(ITEM, statements, first_reply="Canberra.")
    assert [m["role"] for m in pushed.messages] == ["system", "user", "assistant", "user"]
    assert pushed.messages[-1]["content"] == C.PUSHBACK and pushed.condition == "unmodified+pushback@warm"
    with pytest.raises(ValueError):
        C.Condition(pushback=True).build(ITEM, statements)


def test_parse_presets_and_errors(statements) -> None:
    assert [c.name for c in C.parse("quick", statements)][-1] == "unmodified+pushback"
    assert len(C.parse("study", statements)) == 19
    with pytest.raises(SincereError, match="unknown condition part"):
        C.parse("sad+grumpy", statements)
    with pytest.raises(SincereError, match="pushback"):
        C.parse("sad+incorrect+pushback", statements)


def test_user_yaml_adds_contexts(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("contexts:\n  bored:\n    - I'm so bored today.\nsystems:\n  pirate: Talk like a pirate.\n")
    statements = C.Statements.load(path)
    sample = C.parse("bored+incorrect", statements, system="pirate")[0].build(ITEM, statements)
    assert sample.messages[0]["content"] == "Talk like a pirate."
    assert sample.messages[1]["content"].startswith("I'm so bored today.")
    path.write_text("contexts:\n  bored: not-a-list\n")
    with pytest.raises(SincereError, match="bored"):
        C.Statements.load(path)
