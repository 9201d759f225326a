from collections.abc import Iterator, Sequence

from sincere.engines.base import Conversation, Engine, Generation, GenParams
from sincere.engines.cache import CachedEngine, GenerationCache, cache_key


class Counting(Engine):
    """A scripted engine that records every conversation it is asked to answer."""

    fingerprint = "counting-v1"

    def __init__(self, fail_after: int | None = None) -> None:
        self.asked: list[str] = []
        self.fail_after = fail_after

    def stream(self, conversations: Sequence[Conversation], params: GenParams) -> Iterator:
        for index, conversation in enumerate(conversations):
            if self.fail_after is not None and len(self.asked) >= self.fail_after:
                raise KeyboardInterrupt
            text = conversation[-1]["content"]
            self.asked.append(text)
            yield index, Generation(f"echo {text}", 2)


def chats(*texts: str) -> list[Conversation]:
    return [[{"role": "user", "content": t}] for t in texts]


def test_key_depends_on_model_messages_and_params() -> None:
    base = cache_key("m", chats("a")[0], GenParams())
    assert base == cache_key("m", chats("a")[0], GenParams())
    assert base != cache_key("m2", chats("a")[0], GenParams())
    assert base != cache_key("m", chats("b")[0], GenParams())
    assert base != cache_key("m", chats("a")[0], GenParams(max_new_tokens=3))
    # greedy decoding ignores the seed; sampling does not
    assert base == cache_key("m", chats("a")[0], GenParams(seed=5))
    hot = GenParams(temperature=0.7)
    assert cache_key("m", chats("a")[0], hot) != cache_key("m", chats("a")[0], GenParams(temperature=0.7, seed=1))


def test_repeated_run_generates_nothing(tmp_path) -> None:
    inner = Counting()
    engine = CachedEngine(inner, GenerationCache(tmp_path / "c.sqlite"))
    first = engine.generate(chats("a", "b", "a"))
    assert [g.text for g in first] == ["echo a", "echo b", "echo a"]
    assert inner.asked == ["a", "b"]  # duplicates are generated once
    again = CachedEngine(Counting(), GenerationCache(tmp_path / "c.sqlite"))
    assert [g.text for g in again.generate(chats("a", "b", "a"))] == ["echo a", "echo b", "echo a"]
    assert again.generated == 0


def test_interrupted_run_resumes_where_it_stopped(tmp_path) -> None:
    texts = [str(i) for i in range(10)]
    broken = CachedEngine(Counting(fail_after=4), GenerationCache(tmp_path / "c.sqlite"))
    try:
        broken.generate(chats(*texts))
    except KeyboardInterrupt:
        pass
    assert broken.cache.count() == 4
    inner = Counting()
    resumed = CachedEngine(inner, GenerationCache(tmp_path / "c.sqlite"))
    result = resumed.generate(chats(*texts))
    assert [g.text for g in result] == [f"echo {t}" for t in texts]
    assert inner.asked == texts[4:]


def test_cache_survives_two_connections(tmp_path) -> None:
    a = GenerationCache(tmp_path / "c.sqlite")
    b = GenerationCache(tmp_path / "c.sqlite")
    a.put("k1", "m", chats("x")[0], GenParams(), Generation("one", 1))
    b.put("k2", "m", chats("y")[0], GenParams(), Generation("two", 1))
    assert set(a.get_many(["k1", "k2"])) == {"k1", "k2"}
    assert a.count("m") == 2
