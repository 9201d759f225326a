"""The engine contract: batched conversations in, generations out, streamed as they finish."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TypedDict

from sincere.errors import SincereError


class Message(TypedDict):
    """One chat message, as in the OpenAI and Hugging Face chat formats."""

    role: str
    content: str


Conversation = list[Message]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class GenParams:
    """Generation parameters; greedy by default, seeded sampling when temperature > 0."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise SincereError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise SincereError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise SincereError(f"top_p must be in (0, 1], got {self.top_p}")

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
    ) -> list[Generation]:
        """Generate a reply to every conversation, in input order."""
        params = params or GenParams()
        out: list[Generation | None] = [None] * len(conversations)
        for index, generation in self.stream(conversations, params):
            out[index] = generation
            if progress:
                progress(1)
        missing = [i for i, g in enumerate(out) if g is None]
        if missing:
            raise RuntimeError(f"engine returned no generation for conversations {missing[:5]}")
        return out  # type: ignore[return-value]

    def close(self) -> None:  # noqa: B027 (a hook with a default that does nothing)
        """Release resources (HTTP clients, model weights)."""


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
