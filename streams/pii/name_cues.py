"""Cue words for the offline name recognizer (names.py), and the cheap checks that spare
their regexes.

A cue is a phrase that ends right before a capitalised segment ("my name is", "Dear",
"Dr.", "Regards,\\n" are strong; "hi", "I'm", "contact", "my colleague" are weak), or that
introduces a lower-case name ("my name is david haber"). The cue regexes are searched
case-insensitively in the 40 characters before each segment, several times per message;
`cue_before` first looks at the one word they could end with, and only runs them when it
is a cue's last word; `lowercase_name_matches` tries the lower-case pattern only where a
cue word starts. Neither skips a place where a regex can match (tests/unit/streams/test_pii_recognizers.py
checks this on every segment of the labelled set and generated texts).
"""

from __future__ import annotations

import regex as re

TITLES = frozenset(
    "mr mrs ms mx miss dr prof professor sir madam madame dame lord lady rev reverend fr capt captain "
    "sgt officer judge senator mme mlle herr frau señor senor sr sra srta dott".split()
)
_TITLE_PATTERN = "|".join(sorted(TITLES, key=len, reverse=True))
# A cue must end right before the segment (only spaces / punctuation between).
STRONG_CUE = re.compile(
    r"(?:\bmy\s+name\s+is|\bmy\s+name's|\bname\s*:|\bnamed|\bcall\s+me|\bsigned(?:\s+by)?|\bdear"
    rf"|\b(?:{_TITLE_PATTERN})\.?"
    r"|\b(?:regards|sincerely|cheers|thanks|thank\s+you|best|yours(?:\s+truly)?|love),?[ \t]*\n)"
    r"[ \t]*[:,-]?[ \t]*$",
    re.IGNORECASE,
)
WEAK_CUE = re.compile(
    r"\b(?:i\s+am|i'm|i’m|this\s+is|it's|it\s+is|hi|hello|hey|thanks|thank\s+you|contact|ask|tell"
    r"|meet|met|called|cc|attn|ping|email|call|text|message|patient|customer|client|employee|user"
    r"|ceo|cto|cfo|founder|president|manager|director|colleague|boss|friend|wife|husband|partner"
    r"|son|daughter|mother|father|brother|sister|mom|dad|uncle|aunt|doctor|nurse|lawyer|teacher|assistant)"
    r"[ \t]*[:,]?[ \t]*$",
    re.IGNORECASE,
)
LOWERCASE_NAME = re.compile(
    r"\b(?:(my\s+name\s+is|my\s+name's|name\s*:|call\s+me)|i\s+am|i'm|i’m)"
    r"\s+([a-z][a-z'-]+)(?:\s+([a-z][a-z'-]+))?",
    re.IGNORECASE,
)
CUE_WINDOW = 40  # characters of preceding text searched for a cue

# The last word of every cue above that does not end in a line break (those are
# always searched): "is" (my name is), "s" (name's, it's), "m" (I'm), "me" (call me), ...
CUE_LAST_WORDS = TITLES | frozenset(
    """is s name named me signed by dear am m hi hello hey thanks you contact ask tell meet met
    called cc attn ping email call text message patient customer client employee user ceo cto
    cfo founder president manager director colleague boss friend wife husband partner son
    daughter mother father brother sister mom dad uncle aunt doctor nurse lawyer teacher
    assistant""".split()
)
# What may sit between a cue and the segment ([ \t]*[:,-]?[ \t]*), plus a title's ".".
_CUE_TAIL = " \t:,-."


def _may_end_with_cue(before: str) -> bool:
    """False only when no cue regex can match at the end of `before` (ASCII only: the
    regexes ignore case the Unicode way)."""
    if not before.isascii():
        return True
    trimmed = before.rstrip(_CUE_TAIL)
    if not trimmed:
        return False  # nothing but spaces and punctuation: no cue word
    if not trimmed[-1].isalpha():
        return True  # a line break (sign-offs) or another character: let the regexes judge
    start = len(trimmed) - 1
    while start and trimmed[start - 1].isalpha():
        start -= 1
    return trimmed[start:].lower() in CUE_LAST_WORDS


def cue_before(text: str, start: int) -> str | None:
    """The cue ending right before `text[start]`: "strong", "weak" or None."""
    before = text[max(0, start - CUE_WINDOW) : start]
    if not _may_end_with_cue(before):
        return None
    if STRONG_CUE.search(before):
        return "strong"
    if WEAK_CUE.search(before):
        return "weak"
    return None


def lowercase_name_matches(text: str) -> list[re.Match[str]]:
    """`LOWERCASE_NAME.finditer(text)`, trying the regex only where a match can start.

    In ASCII text every match starts at "my", "name", "call", "i'm" or an "i" followed by
    whitespace and "am" (any case); the regex is tried at those positions in order, each
    after the previous match, which is what finditer finds. Other text is scanned whole.
    """
    if not text.isascii():
        return list(LOWERCASE_NAME.finditer(text))
    lower = text.lower()
    starts: set[int] = set()
    for cue in ("my", "name", "call", "i'm"):
        _add_occurrences(lower, cue, starts)
    am = lower.find("am")
    while am != -1:
        space = am
        while space > 0 and lower[space - 1].isspace():
            space -= 1
        if space < am and space > 0 and lower[space - 1] == "i":
            starts.add(space - 1)
        am = lower.find("am", am + 1)
    matches = []
    end = 0
    for start in sorted(starts):
        if start >= end and (match := LOWERCASE_NAME.match(text, start)) is not None:
            matches.append(match)
            end = match.end()
    return matches


def _add_occurrences(text: str, needle: str, into: set[int]) -> None:
    index = text.find(needle)
    while index != -1:
        into.add(index)
        index = text.find(needle, index + 1)
