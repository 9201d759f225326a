"""Chat training-data formats: read any of them into one `Example`, write it back the same way.

Detected per record:

- `messages`: `{"messages": [{"role": ..., "content": ...}, ...]}` (OpenAI / TRL conversational);
- `prompt_completion`: `{"prompt": ..., "completion": ...}`, each a string or a message list;
- `preference`: `{"prompt": ..., "chosen": ..., "rejected": ...}` (TRL); `prompt` may be left out
  when `chosen` and `rejected` are whole conversations (TRL's implicit prompt; written back with
  the shared turns as an explicit `prompt`).

A string prompt is a user turn, a string completion an assistant turn. Every other field of the
record (`id`, `original`, `correct`, `incorrect`, `query_type`, `weight`, ...) is kept and
written back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Kind = Literal["messages", "prompt_completion", "preference"]
Message = dict[str, str]
ROLES = frozenset({"system", "user", "assistant"})
SHAPE_FIELDS = ("messages", "prompt", "completion", "chosen", "rejected")


class FormatError(ValueError):
    """A JSON record that is not a chat example; the message says why."""


@dataclass(frozen=True)
class Example:
    """One training example: the prompt, the (chosen) completion and, for preference data, the rejected one.

    For the `messages` format `prompt` is empty and `completion` holds the whole conversation.
    """

    id: str
    kind: Kind
    prompt: tuple[Message, ...]
    completion: tuple[Message, ...]
    rejected: tuple[Message, ...] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    text_prompt: bool = False
    text_completion: bool = False
    source: str = ""

    @property
    def messages(self) -> list[Message]:
        """The conversation (prompt and chosen completion) as chat messages."""
        return [*self.prompt, *self.completion]

    def turns(self, role: str) -> list[str]:
        """The contents of every message with this role, in order."""
        return [m["content"] for m in self.messages if m["role"] == role]

    @property
    def reply(self) -> str:
        """The last assistant turn (the one a model is trained to produce)."""
        replies = self.turns("assistant")
        return replies[-1] if replies else ""

    def map_assistant(self, rewrite: Callable[[int, str], str]) -> Example:
        """A copy with every assistant turn rewritten; `rewrite(position, text)` counts turns across
        prompt, completion and rejected, in that order."""
        counter = iter(range(1 << 30))

        def apply(messages: tuple[Message, ...] | None) -> tuple[Message, ...] | None:
            if messages is None:
                return None
            return tuple(
                {**m, "content": rewrite(next(counter), m["content"])} if m["role"] == "assistant" else m
                for m in messages
            )

        return replace(self, prompt=apply(self.prompt) or (), completion=apply(self.completion) or (),
                       rejected=apply(self.rejected))

    def assistant_texts(self) -> list[str]:
        """Every assistant turn, in the order `map_assistant` counts them."""
        texts: list[str] = []
        self.map_assistant(lambda _, text: texts.append(text) or text)
        return texts

    def to_record(self) -> dict[str, Any]:
        """The record in the example's own format, with its other fields."""
        record = {"id": self.fields["id"]} if "id" in self.fields else {}
        if self.kind == "messages":
            record["messages"] = [dict(m) for m in self.completion]
        else:
            record["prompt"] = _out(self.prompt, self.text_prompt)
        if self.kind == "prompt_completion":
            record["completion"] = _out(self.completion, self.text_completion)
        elif self.kind == "preference":
            record["chosen"] = _out(self.completion, self.text_completion)
            record["rejected"] = _out(self.rejected or (), self.text_completion)
        return record | {k: v for k, v in self.fields.items() if k != "id"}


def _out(messages: tuple[Message, ...], as_text: bool) -> str | list[Message]:
    if as_text and len(messages) == 1:
        return messages[0]["content"]
    return [dict(m) for m in messages]


def _messages(value: Any, name: str, default_role: str) -> tuple[tuple[Message, ...], bool]:
    """A message list from a string (one turn of `default_role`) or a list of chat messages."""
    if isinstance(value, str):
        return ({"role": default_role, "content": value},), True
    if not isinstance(value, list) or not value:
        raise FormatError(f"'{name}' must be text or a non-empty list of chat messages")
    out = []
    for position, message in enumerate(value):
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            raise FormatError(f"'{name}'[{position}] must have 'role' and 'content'")
        if message["role"] not in ROLES:
            raise FormatError(f"'{name}'[{position}]: unknown role {message['role']!r}")
        if not isinstance(message["content"], str):
            raise FormatError(f"'{name}'[{position}]: content must be text")
        out.append({"role": message["role"], "content": message["content"]})
    return tuple(out), False


def _split_implicit(chosen: tuple[Message, ...], rejected: tuple[Message, ...]) -> int:
    """The length of the prompt shared by two whole conversations (TRL's implicit prompt)."""
    shared = 0
    while shared < min(len(chosen), len(rejected)) - 1 and chosen[shared] == rejected[shared]:
        shared += 1
    return shared


def parse(record: dict[str, Any], default_id: str, source: str = "") -> Example:
    """Read one record as an Example; raises FormatError with the reason when it is not one."""
    fields = {k: v for k, v in record.items() if k not in SHAPE_FIELDS}
    ident = str(record.get("id", default_id))
    if "messages" in record:
        messages, _ = _messages(record["messages"], "messages", "user")
        example = Example(ident, "messages", (), messages, fields=fields, source=source)
    elif "chosen" in record or "rejected" in record:
        example = _preference(record, ident, fields, source)
    elif "prompt" in record and "completion" in record:
        prompt, text_prompt = _messages(record["prompt"], "prompt", "user")
        completion, text_completion = _messages(record["completion"], "completion", "assistant")
        example = Example(ident, "prompt_completion", prompt, completion, None, fields, text_prompt,
                          text_completion, source)
    else:
        raise FormatError("needs 'messages', 'prompt' and 'completion', or 'prompt', 'chosen' and 'rejected'")
    if not example.turns("assistant"):
        raise FormatError("has no assistant turn")
    return example


def _preference(record: dict[str, Any], ident: str, fields: dict[str, Any], source: str) -> Example:
    if "chosen" not in record or "rejected" not in record:
        raise FormatError("preference data needs both 'chosen' and 'rejected'")
    chosen, text_chosen = _messages(record["chosen"], "chosen", "assistant")
    rejected, _ = _messages(record["rejected"], "rejected", "assistant")
    if "prompt" in record:
        prompt, text_prompt = _messages(record["prompt"], "prompt", "user")
    else:
        shared = _split_implicit(chosen, rejected)
        prompt, chosen, rejected, text_prompt = chosen[:shared], chosen[shared:], rejected[shared:], False
    return Example(ident, "preference", prompt, chosen, rejected, fields, text_prompt, text_chosen, source)


def originals(example: Example) -> list[str] | None:
    """The texts an example was rewritten from (its `original` field), one per assistant turn.

    `original` may be a string (the one assistant turn), a list of strings, or a list of chat
    messages (their assistant turns are used). None when absent or unreadable.
    """
    value = example.fields.get("original")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return [str(v.get("content", "")) for v in value if v.get("role") == "assistant"]
    return None


def convert(example: Example, kind: Kind | Literal["keep"]) -> Example:
    """The example in another format (conversational: message lists, not strings).

    `messages`; `prompt_completion` (from the last assistant turn on is the completion); `preference`
    only from preference data (for `messages`, the rejected reply is left out). `keep`: unchanged.
    """
    if kind in ("keep", example.kind):
        return example
    if kind == "preference":
        raise FormatError(f"a {example.kind} example has no rejected reply to make preference data")
    messages = tuple(example.messages)
    if kind == "messages":
        return replace(example, kind="messages", prompt=(), completion=messages, rejected=None,
                       text_prompt=False, text_completion=False)
    last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    prompt = messages[:last]
    return replace(example, kind="prompt_completion", prompt=prompt, completion=messages[last:], rejected=None,
                   text_prompt=False, text_completion=False)
