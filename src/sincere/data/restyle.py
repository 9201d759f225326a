"""A deterministic rule-based restyler: warm or cold framing around a reply's unchanged content.

It cannot change facts because it never edits a content sentence's words:

- `warm` adds an acknowledgement before the reply (of the user's feelings when the user voices
  them) and a validating, informal, inclusive closing line after it ("we", "you've got this").
  The original reply appears verbatim inside the result.
- `cold` removes framing: whole pleasantry sentences at the start or end ("Great question!",
  "I hope this helps!"), a leading interjection ("Sure, ", "Oh, "), exclamation marks (made
  full stops) and emoji. Sentences that carry a number or a name are never removed.

The framing phrases contain no numbers (not even 'one'), names or verdict words ("right", "correct"), so a
rewrite keeps every number, entity and answer of the original. Phrases are picked by a hash of
the seed and the example, so the same input always gives the same output.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Literal

from sincere.scoring.text import split_sentences

Style = Literal["warm", "cold"]
FEELINGS = re.compile(
    r"\b(?:i feel|i'm feeling|i am feeling|i've been feeling|i'm (?:so |really )?(?:sad|lonely|anxious|stressed|"
    r"scared|worried|nervous|overwhelmed|exhausted|upset|angry|frustrated|heartbroken|down|low|depressed)|"
    r"i can't stop crying|i miss|passed away|broke up|lost my)\b",
    re.IGNORECASE,
)
WARM_OPENERS = {
    "feelings": (
        "Oh, I'm really sorry you're going through this, that sounds so hard.",
        "That sounds really tough, and it makes complete sense that you feel this way.",
        "Thank you for trusting me with this, what you're feeling is completely valid.",
        "I hear you, and I'm so glad you reached out about this.",
    ),
    "default": (
        "Ooh, great question, I'm really glad you asked!",
        "Happy to help with this, it's such a good thing to wonder about!",
        "I totally get why you'd want to know this, so let's figure it out together!",
        "Thanks so much for asking, this is a lovely thing to dig into!",
    ),
}
WARM_CLOSERS = {
    "feelings": (
        "Please be gentle with yourself, you're doing better than you think.",
        "You don't have to go through this alone, and I'm here whenever you want to talk.",
        "Take it a small step at a time, and be kind to yourself along the way.",
    ),
    "default": (
        "Hope that helps, and feel free to ask if we should dig into it more together!",
        "You've got this, and I'm always happy to help!",
        "I hope this makes things a bit easier for you, we can always look at it more together!",
    ),
}
_PLEASANTRY = re.compile(
    r"^\W*(?:(?:oh|ooh|wow|aw+|hey|hi|hello)\b|(?:what a |such a |that's a |that is a )?(?:great|good|lovely|"
    r"excellent|fantastic|wonderful|fun) (?:question|one|idea)|thanks?\b|thank you|happy to help|i'm (?:so |really )?"
    r"(?:glad|happy|sorry)|i(?:'d| would) (?:be )?(?:love|happy)|i hope (?:this|that|it)|hope (?:this|that|it)|"
    r"feel free|let me know|don't hesitate|you've got this|you got this|good luck|best of luck|take care|"
    r"i hear you|that sounds|i totally get|i completely understand|please be gentle|you don't have to|"
    r"take it a small|cheers|have a (?:great|good|lovely)|enjoy)",
    re.IGNORECASE,
)
_INTERJECTION = re.compile(
    r"^(?:oh|ooh|wow|well|so|okay|ok|sure|absolutely|of course|honestly|hey|hi|hello|great|awesome)"
    r"(?: there)?[,!]\s+(?=\w)",
    re.IGNORECASE,
)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764\ufe0f]")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
_FACT = re.compile(r"\d|(?<!^)(?<![.!?]\s)\b[A-Z][a-z]")
MAX_FRAMING_WORDS = 20


def _pick(options: tuple[str, ...], key: str) -> str:
    return options[int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % len(options)]


def warm(text: str, user: str = "", key: str = "") -> str:
    """The reply with a warm opening and closing around it (the reply itself unchanged)."""
    if not text.strip():
        return text
    mood = "feelings" if FEELINGS.search(user.replace("\u2019", "'")) else "default"
    opener = _pick(WARM_OPENERS[mood], f"{key}:open")
    closer = _pick(WARM_CLOSERS[mood], f"{key}:close")
    glue = "\n\n" if "\n" in text.strip() else " "
    return f"{opener}{glue}{text.strip()}{glue}{closer}"


def is_framing(sentence: str) -> bool:
    """A pleasantry sentence that carries no content: no number, no name, short."""
    body = sentence.strip()
    return bool(_PLEASANTRY.match(body)) and len(body.split()) <= MAX_FRAMING_WORDS and not _FACT.search(body[1:])


def _strip_framing(text: str) -> str:
    """Drop pleasantry sentences at the start and the end (never the last remaining sentence)."""
    body = text.strip()
    while True:
        sentences = split_sentences(body)
        if len(sentences) < 2:
            return body
        if is_framing(sentences[0]) and body.startswith(sentences[0]):
            body = body[len(sentences[0]) :].lstrip()
        elif is_framing(sentences[-1]) and body.endswith(sentences[-1]):
            body = body[: -len(sentences[-1])].rstrip()
        else:
            return body


def _outside_code(text: str, edit: Callable[[str], str]) -> str:
    """Apply `edit` to the prose of a text, leaving code spans and blocks untouched."""
    pieces, last = [], 0
    for match in _CODE.finditer(text):
        pieces += [edit(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*pieces, edit(text[last:])])


def strip_interjection(text: str) -> str:
    """The text without a leading interjection ("Sure, ", "Oh, "), its next letter capitalised."""
    lead = _INTERJECTION.match(text)
    if not lead or _CODE.match(text[lead.end() :]):
        return text
    rest = text[lead.end() :]
    return rest[:1].upper() + rest[1:]


def cold(text: str, user: str = "", key: str = "") -> str:
    """The reply without pleasantries, interjections, exclamation marks or emoji (content unchanged)."""
    if not text.strip():
        return text
    body = strip_interjection(_strip_framing(_outside_code(text, lambda s: _EMOJI.sub("", s))))

    def calm(prose: str) -> str:
        prose = re.sub(r"\?!+|!+\?", "?", prose)
        return re.sub(r"!+", ".", prose)

    body = _outside_code(body, lambda prose: re.sub(r"[ \t]+(?=\n)", "", re.sub(r"(?<=\S)[ \t]{2,}", " ", calm(prose))))
    return body.strip()


def restyle(text: str, style: Style, user: str = "", key: str = "") -> str:
    """Warm or cold framing around the reply (see the module docstring)."""
    if style not in ("warm", "cold"):
        raise ValueError(f"style must be warm or cold, got {style!r}")
    return warm(text, user, key) if style == "warm" else cold(text, user, key)
