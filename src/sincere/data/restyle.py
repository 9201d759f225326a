"""A deterministic rule-based restyler: warm or cold framing around a reply's unchanged content.

It cannot change facts because it never edits a content sentence's words:

- `warm` adds an acknowledgement before the reply (of the user's feelings when the user voices
  them) and a validating, informal, inclusive closing line after it ("we", "you've got this").
  The original reply appears verbatim inside the result.
- `cold` removes framing: whole pleasantry sentences at the start or end ("Great question!",
  "I hope this helps!"), opening or closing sentences that only validate feelings ("I'm sorry
  for your loss.", "Waiting for results is very stressful."), a leading interjection ("Sure, ",
  "Oh, "), exclamation marks (made full stops) and emoji. Sentences that carry a number (in
  digits or words) or a name are never removed.

The framing phrases contain no numbers (not even 'one'), names or verdict words ("right", "correct"), so a
rewrite keeps every number, entity and answer of the original. Phrases are picked by a hash of
the seed and the example, so the same input always gives the same output.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Literal

from sincere.scoring.text import split_sentences, tokenize

Style = Literal["warm", "cold"]
FEELINGS = re.compile(
    r"\b(?:i feel|i'm feeling|i am feeling|i've been feeling|i'm (?:so |really )?(?:sad|lonely|anxious|stressed|"
    r"scared|worried|nervous|overwhelmed|exhausted|upset|angry|frustrated|heartbroken|down|low|depressed)|"
    r"i can't stop crying|i miss|passed away|broke up|lost my)\b",
    re.IGNORECASE,
)
#: Distress the feelings pattern misses: "I hate how I look and it's stopping me from going out."
DISTRESS = re.compile(
    r"\b(?:i (?:hate|can't stand|am ashamed of|'m ashamed of) (?:myself|how i look|my (?:body|life|face|looks))|"
    r"stopping me from|i can't (?:cope|go on|face|bring myself)|i'm (?:really )?struggling|i am struggling|"
    r"no ?one (?:cares|likes me|understands)|i feel like (?:a failure|nobody|giving up)|i'm scared|i'm afraid)\b",
    re.IGNORECASE,
)
#: A reply that opens by declining ("I can't write jokes that demean...").
DECLINES = re.compile(r"\W*(?:i can(?:'|no)t|i won't|i will not|i'm not able to|i am not able to|i'm unable to|"
                      r"i am unable to|(?:i'm )?sorry,? (?:but )?i (?:can't|won't|cannot))\b", re.IGNORECASE)
#: A user turn that asks something (a question mark, or an opening question word or request).
QUESTION = re.compile(r"\?|^\W*(?:what|who|when|where|why|how|which|is|are|can|could|do|does|did|should|would|will|"
                      r"tell me|explain|write|give me|list|name|suggest|help me)\b", re.IGNORECASE)
#: Openers that greet a question with enthusiasm: wrong before distress or a refusal (`opener_fits`).
ENTHUSIASTIC = re.compile(r"^\W*(?:ooh|wow|yay)\b|great question|glad you asked|such a good thing to wonder|"
                          r"lovely thing to dig into|how exciting|so fun|happy to help", re.IGNORECASE)
WARM_OPENERS = {
    "feelings": (
        "Oh, I'm really sorry you're going through this, that sounds so hard.",
        "That sounds really tough, and it makes complete sense that you feel this way.",
        "Thank you for trusting me with this, what you're feeling is completely valid.",
        "I hear you, and I'm so glad you reached out about this.",
    ),
    "declines": (
        "I can tell this matters to you, so I want to be straight with you.",
        "Thanks for asking me directly, and I'll be honest with you.",
        "I understand why you're asking, and I want to be clear and kind about this.",
    ),
    "gentle": (
        "Thank you for telling me about this.",
        "I'm really glad you shared this with me.",
        "I appreciate you opening up about this.",
    ),
    "help": (
        "Let's work through this together.",
        "Good thing to check, and I'm glad to help you sort it out.",
        "That's a sensible thing to ask about, so let's go through it.",
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
    "declines": (
        "If there's something related I can help with, I'm glad to.",
        "I'm happy to help with a different angle on this if you'd like.",
    ),
    "gentle": (
        "I'm here if you want to talk about it more.",
        "Be kind to yourself, and come back any time you want to talk it through.",
    ),
    "help": (
        "Hope that helps, and feel free to come back if we should look at it more together.",
        "You've got this, and I'm here if anything else comes up.",
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
    r"take it a small|cheers|have a (?:great|good|lovely)|enjoy|i can tell this matters|i understand why you're asking|"
    r"let's work through|good thing to check|that's a sensible thing|if there's something related|"
    r"i'm really glad you shared|i appreciate you opening up|i'm here if you want|be kind to yourself)",
    re.IGNORECASE,
)
#: A sentence that only validates feelings ("Feeling scared before surgery is normal.").
_VALIDATION = re.compile(
    r"\b(?:hard|tough|difficult|painful|stressful|frightening|scary|upsetting|disappointing|disappointment|isolating|"
    r"exhausting|overwhelming|unbearable|heartbreaking|devastating)\b|"
    r"\b(?:normal|common|natural|understandable|okay|ok) to feel\b|\bfeel(?:s|ing)? this way\b|\bnot your fault\b|"
    r"\b(?:is|are|feels?) (?:very |really |so |quite |completely |perfectly |increasingly )?"
    r"(?:common|normal|natural|understandable|valid)\W*$|^\W*that is a (?:big|real|major) \w+",
    re.IGNORECASE,
)
#: What makes a sentence more than validation: a contrast, a reason or a condition (numbers: `_states_a_number`).
_CLAUSE = re.compile(r"\b(?:but|although|though|however|yet|which|because|since|if|unless)\b", re.IGNORECASE)
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


def mood_of(user: str, reply: str) -> str:
    """Which framing fits: `feelings` (the user voices distress: acknowledgement, no enthusiasm), `declines`
    (the reply declines: plain kindness), `help` (advice, technical: calm), `default` (a question: glad
    enthusiasm), or `gentle` (a statement about oneself, which may be distress the patterns miss: thanks
    for sharing, no enthusiasm)."""
    from sincere.data.queries import rule_type
    from sincere.scoring.refusal import decline_phrase

    said = user.replace("\u2019", "'")
    kind = rule_type(said)
    if FEELINGS.search(said) or DISTRESS.search(said) or (kind and kind.label == "emotional_support"):
        return "feelings"
    if decline_phrase(reply) is not None or DECLINES.match(reply) or (kind and kind.label == "refusal"):
        return "declines"
    if kind and kind.label in ("technical", "advice"):
        return "help"
    return "default" if QUESTION.search(said) else "gentle"  # enthusiasm only greets a question


def opener_fits(query_type: str, reply: str, declines: bool) -> str | None:
    """Why a reply's opening does not fit its query (enthusiasm before distress or a refusal), or None."""
    opening = split_sentences(reply)[:1]
    if not opening or not ENTHUSIASTIC.search(opening[0]):
        return None
    if query_type == "emotional_support":
        return f"an enthusiastic opener ({opening[0][:60]!r}) before a reply to distress"
    if declines or query_type == "refusal":
        return f"an enthusiastic opener ({opening[0][:60]!r}) before a refusal"
    return None


def warm(text: str, user: str = "", key: str = "") -> str:
    """The reply with a warm opening and closing that fit the query (`mood_of`) around it (the reply unchanged)."""
    if not text.strip():
        return text
    mood = mood_of(user, text)
    opener = _pick(WARM_OPENERS[mood], f"{key}:open")
    closer = _pick(WARM_CLOSERS[mood], f"{key}:close")
    glue = "\n\n" if "\n" in text.strip() else " "
    return f"{opener}{glue}{text.strip()}{glue}{closer}"


def is_framing(sentence: str) -> bool:
    """A pleasantry or a sentence that only validates feelings, carrying no content: no number, no name, short."""
    body = sentence.strip()
    if len(body.split()) > MAX_FRAMING_WORDS or _FACT.search(body[1:]) or _states_a_number(body):
        return False
    return bool(_PLEASANTRY.match(body)) or (bool(_VALIDATION.search(body)) and not _CLAUSE.search(body))


def _states_a_number(text: str) -> bool:
    """Whether a text states a number, in digits or words ("after eight years")."""
    return any(token[:1].isdigit() for token in tokenize(text))


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
