from sincere.data.drift import compare, entities, factual_changes, numbers, similarities
from sincere.data.embed import Embedder


def test_numbers_are_normalised() -> None:
    assert numbers("It has two hundred and six bones, about 6,650 km.") == {"206", "6650"}


def test_entities_skip_sentence_openers_and_keep_code() -> None:
    found = entities("Canberra is the capital. It is in the ACT, not Sydney. Run `git log`.")
    assert found == {"ACT", "Sydney", "git log"}


def test_factual_changes_catch_numbers_names_and_answers() -> None:
    original = "The capital is Canberra, in the ACT. It was founded in 1913."
    changed = factual_changes(original, "The capital is Sydney, in the ACT. It was founded in 1931.",
                              correct=["Canberra"], incorrect=["Sydney"])
    assert changed["numbers_missing"] == ("1913",) and changed["numbers_added"] == ("1931",)
    assert changed["answers_missing"] == ("Canberra",) and changed["answers_added"] == ("Sydney",)
    assert changed["entities_added"] == ("Sydney",)
    same = factual_changes(original, "Oh, lovely question! The capital is Canberra, in the ACT. It was founded in "
                                     "1913. Hope that helps!", correct=["Canberra"])
    assert not any(same.values())


def test_drift_reasons_and_coverage_with_minilm() -> None:
    pairs = [("The Nile is about 6,650 km long. It flows north into the Mediterranean.",
              "Great question! The Nile is roughly 6,650 km long, and it flows north to the Mediterranean. Enjoy!"),
             ("The Nile is about 6,650 km long.", "Bananas are a good source of potassium.")]
    sims = similarities(Embedder(), pairs)
    kept, lost = compare(pairs, sims)
    assert kept.similarity > 0.9 and not kept.drifts
    assert lost.similarity < 0.5 and any(r.startswith("meaning coverage") for r in lost.reasons())
    assert "numbers dropped: 6650" in lost.reasons()
