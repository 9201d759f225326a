"""The engine contract: batched conversations in, generations out, streamed as they finish."""

from __future__ import annotations

import abc
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TypedDict

from sincere.errors import Incomplete, SincereError, Unreachable


class Message(TypedDict):
    """One chat message, as in the OpenAI and Hugging Face chat formats."""

    role: str
    content: str


Conversation = list[Message]
Progress = Callable[[int], None]


#: Limits of generation settings: a longer reply than any model's context, a seed beyond what
#: NumPy and torch accept, a temperature so low that softmax underflows to NaN, or so high it is noise.
MAX_NEW_TOKENS = 32_768
MAX_SEED = 2**32 - 1
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 100.0


def check_temperature(value: float) -> float:
    """The temperature if it is 0 (greedy) or in [MIN_TEMPERATURE, MAX_TEMPERATURE]; else a one-line error."""
    if value != 0 and not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:  # NaN fails both tests
        raise SincereError(f"temperature must be 0 (greedy) or between {MIN_TEMPERATURE} and {MAX_TEMPERATURE:g}, "
                           f"got {value}")
    return value


def check_seed(value: int) -> int:
    """The seed if it is in [0, MAX_SEED]; else a one-line error."""
    if not 0 <= value <= MAX_SEED:
        raise SincereError(f"seed must be between 0 and {MAX_SEED:,}, got {value}")
    return value


@dataclass(frozen=True)
class GenParams:
    """Generation parameters; greedy by default, seeded sampling when temperature > 0."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.max_new_tokens <= MAX_NEW_TOKENS:
            raise SincereError(f"max_new_tokens must be between 1 and {MAX_NEW_TOKENS:,}, got {self.max_new_tokens}")
        check_temperature(self.temperature)
        if not 0 < self.top_p <= 1:
            raise SincereError(f"top_p must be in (0, 1], got {self.top_p}")
        check_seed(self.seed)

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class Generation:
    """A model's reply: its text, how many tokens it took, and why it stopped."""

    text: str
    tokens: int
    finish: str = "stop"  # "stop" (end of sequence) or "length" (hit max_new_tokens)


class Engine(abc.ABC):
    """Generates replies to conversations. Subclasses implement `stream`."""

    #: Identifies the model's weights (or endpoint and model name); part of every cache key.
    fingerprint: str
    #: Whether generating keeps this machine's CPU busy (a local model on the CPU); when it does
    #: not (a server, a GPU), the audit grades replies while the rest are generated.
    shares_cpu: bool = True

    @abc.abstractmethod
    def stream(
        self, conversations: Sequence[Conversation], params: GenParams
    ) -> Iterator[tuple[int, Generation]]:
        """Yield `(index, generation)` for every conversation, in any order, as each finishes."""

    def generate(
        self,
        conversations: Sequence[Conversation],
        params: GenParams | None = None,
        progress: Progress | None = None,
        each: Callable[[int, Generation], None] | None = None,
    ) -> list[Generation]:
        """Generate a reply to every conversation, in input order; `each(index, generation)` as each finishes."""
        params = params or GenParams()
        out: list[Generation | None] = [None] * len(conversations)
        try:
            for index, generation in self.stream(conversations, params):
                out[index] = generation
                if each:
                    each(index, generation)
                if progress:
                    progress(1)
        except Incomplete:
            raise
        except Unreachable as exc:  # keep what finished: the caller may write it
            raise Incomplete(str(exc), {i: g for i, g in enumerate(out) if g is not None}) from None
        missing = [i for i, g in enumerate(out) if g is None]
        if missing:
            raise RuntimeError(f"engine returned no generation for conversations {missing[:5]}")
        return out  # type: ignore[return-value]

    def overflows(self, conversations: Sequence[Conversation], max_new_tokens: int) -> list[str | None]:
        """For each conversation, why its prompt and reply cannot fit the model's context, or None
        (it fits, or the engine cannot know: a server's context is not known here)."""
        return [None] * len(conversations)

    def close(self) -> None:  # noqa: B027 (a hook with a default that does nothing)
        """Release resources (HTTP clients, model weights)."""


#: Control strings of common chat formats (ChatML and Llama 3 `<|...|>`, Llama 2 and Mistral, Gemma):
#: text that a server's tokenizer may read as turn boundaries.
CONTROL_STRINGS = re.compile(r"<\|[^|<>\s]{1,40}\|>|</?s>|\[/?INST\]|<(?:start|end)_of_turn>")


def neutralise(text: str, specials: Sequence[str] = ()) -> str:
    """`text` with every control string (`CONTROL_STRINGS` and the model's own `specials`) broken by a
    zero-width space after its first character, so that a tokenizer reads it as text and a question
    cannot forge chat turns. Text without them is returned unchanged (same tokens as before)."""
    for special in sorted((s for s in specials if len(s) > 1), key=len, reverse=True):
        if special in text:
            text = text.replace(special, f"{special[0]}\u200b{special[1:]}")
    return CONTROL_STRINGS.sub(lambda m: f"{m[0][0]}\u200b{m[0][1:]}", text)


def neutralised(conversation: Conversation, specials: Sequence[str] = ()) -> list[dict[str, str]]:
    """The conversation's messages (role and content only) with `neutralise`d contents."""
    return [{"role": m["role"], "content": neutralise(m["content"], specials)} for m in conversation]


def check_conversation(conversation: Conversation) -> None:
    """Reject a conversation that no chat model can answer, with a message that says why."""
    if not conversation:
        raise SincereError("empty conversation")
    for message in conversation:
        if not isinstance(message, dict) or set(message) < {"role", "content"}:
            raise SincereError(f"chat message must have 'role' and 'content': {message!r:.80}")
        if message["role"] not in ("system", "user", "assistant"):
            raise SincereError(f"unknown chat role {message['role']!r}")
        if not isinstance(message["content"], str):
            raise SincereError("chat message content must be text")
    if conversation[-1]["role"] != "user":
        raise SincereError("a conversation to answer must end with a user message")
