"""Text normalisation shared by the detectors: undo the cheap tricks attackers use to hide words.

Detectors match on lowercase ASCII-ish text. Attackers know that, so they write `1gn0r3`,
`I g n o r e`, `Іgnоrе` (Cyrillic letters), insert zero-width characters, use full-width
forms, or ship the payload base64/hex/percent encoded. `screening_views(text)` returns every
readable *view* of a message the detectors should scan, each tagged with how it was obtained,
so a detector can both scan the hidden text and count the hiding itself as evidence.

Everything here is pure and cheap: plain ASCII messages (the common case) skip the Unicode
steps entirely, and decoded views are only produced when a candidate run is present.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

# Characters that render as nothing but split words for a regex: zero-width space/joiners,
# word joiner, BOM, soft hyphen, bidi controls, Mongolian vowel separator. A deletion table:
# str.translate is much cheaper than a regex substitution.
_INVISIBLE_CHARS = "\u00ad\u034f\u061c\u115f\u1160\u180e" + "".join(
    chr(c) for r in ((0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x206A, 0x206F)) for c in range(r[0], r[1] + 1)
) + "\ufeff"
_DELETE_INVISIBLE = {ord(c): None for c in _INVISIBLE_CHARS}
_INVISIBLE_SET = frozenset(_INVISIBLE_CHARS)

# Unicode "tag" characters (U+E0020..U+E007E) mirror printable ASCII and are invisible in
# most UIs, yet LLM tokenizers read them: a known way to smuggle instructions.
_TAG_RUN = re.compile("[\U000e0020-\U000e007e]+")

# Cyrillic and Greek letters that look like Latin ones. Only applied inside words that also
# contain Latin letters, so genuine Russian or Greek text is left alone.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
        "ԁ": "d", "ɡ": "g", "ո": "n", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H",
        "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J",
        "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)
_HOMOGLYPH_CHARS = frozenset(chr(c) for c in _HOMOGLYPHS)

# Leetspeak digits/symbols; `1` is both `i` and `l` (`1nstruct10ns`, `ru13s`): see fold_leet.
_LEET_I = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"})
_LEET_L = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"})
# A word that mixes letters and leet symbols (`4ll`, `@ll`, `pr3v10u5`), at most 20 chars so
# base64 runs and hashes are left to the decoders.
_LEET_WORD = re.compile(r"(?<![\w@$!|])(?=[\w@$!|]*[a-z])(?=[\w@$!|]*[0-9@$!|])[\w@$!|]{2,20}(?![\w@$!|])", re.IGNORECASE)
# Only a symbol *between* letters proves leetspeak (`y0ur`, `1gn0r3`, `d4n`): `base64`, `q3`,
# `mp4`, `2pm` and `10am` are ordinary tokens. Lowercase only, and `@` is no proof: uppercase
# codes (IBANs, postcodes) and e-mail addresses are not leetspeak.
_LEET_PROOF = re.compile(r"[a-z][0-9$|]+[a-z]")

# `I g n o r e`, `i.g.n.o.r.e`, `d-i-s-r-e-g-a-r-d`: three or more single characters joined by
# the same separator. Wider gaps (two or more spaces) are where the real word breaks were.
_SPACED_RUN = re.compile(r"(?<![\w.\-*'’])[^\W\d_]([ .\-_*])[^\W\d_](?:\1[^\W\d_])+(?!\w)")
_SPACED_SEP = re.compile(r"[ .\-_*]")
# `ig-nore prev-ious in-structions`: hyphens splitting words. Ordinary prose has hyphenated
# compounds, so hyphens are only removed where three split words come close together.
_SPLIT_WORD = re.compile(r"(?<=[a-z])-(?=[a-z]{2})", re.IGNORECASE)
_SPLIT_STRETCH = re.compile(r"\b[a-z]+-[a-z]+\s+(?:\w+\s+)?[a-z]+-[a-z]+\s+(?:\w+\s+)?[a-z]+-[a-z]+\b", re.IGNORECASE)

# Encoded payload candidates. Base64 runs must be long enough to carry a sentence (short ones
# are ordinary words and ids); hex runs likewise.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{20,}={0,2}")
_HEX_RUN = re.compile(r"\b(?:[0-9a-fA-F]{2}){10,}\b")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")

# Reversed or ROT13 text is recognised by common English words written that way ("eht" =
# "the", "gur" = "the" in ROT13); those views are only built then, since each costs a scan.
_REVERSED_WORDS = frozenset({"eht", "dna", "uoy", "ruoy", "lla", "snoitcurtsni", "tpmorp", "metsys", "erongi", "laever"})
_ROT13_WORDS = frozenset({"gur", "naq", "lbh", "lbhe", "nyy", "vafgehpgvbaf", "cebzcg", "flfgrz", "vtaber", "erirny"})

# Words attackers hide with leetspeak, spacing, reversal or ROT13. Decides which `1` reading
# wins in fold_leet, and whether an unfolded view is worth scanning at all.
LEET_VOCABULARY = frozenset(
    """rules rule all filters filter filtered unfiltered developer model level tell leak leaks reveal
    unlock unlocked jailbreak jailbroken evil illegal ignore instructions instruction initial
    previous prior system prompt disregard forget limits limit unlimited policy policies safety
    guidelines role hidden secret password admin mode dan now override bypass restrictions
    unrestricted uncensored pretend act print show output say pwned hacked
    kill bomb weapon drugs hate sex porn fuck shit""".split()
)
# Leet attacks are a few words; a message with hundreds of digit-letter tokens (hashes, ids)
# and no leet vocabulary among the first of them is not hiding words that way.
_MAX_LEET_CANDIDATES = 200
# Derived views keep only the sentences an unfolding changed.
_SEGMENT_END = re.compile(r"(?<=[.!?])\s+|\n+")


# Letters that occur alone in ordinary text ("a", "I", contractions like it's / don't / I'd /
# I'm); three other distinct single letters hint at s p a c e d  o u t  words.
_SINGLE_LETTERS = frozenset("bcefghjklnopqruvwxyz")
_WORD_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class TextView:
    """One readable rendering of a message.

    `how` is "plain" for the folded text itself; anything else ("unicode", "base64", "hex",
    "leet", …) means the sender obfuscated something to produce it. The first view is always
    the whole message; it is "unicode" when invisible, tag or look-alike characters were undone.
    """

    how: str
    text: str  # lowercase
    cased: str  # same content, original case (some signals, like `DAN`, need it)
    words: frozenset[str]  # the \w+ tokens of `text`: lets detectors skip patterns cheaply
    # Per-view memo: token positions and pattern-index scans (see anchored.PatternIndex).
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def positions(self, word: str) -> list[int]:
        """Start offsets of `word` as a whole \\w+ token of `text`. ASCII text is searched
        per word asked for (detectors ask for the ~20 of their start words a message has,
        out of ~180 tokens per KB); other text indexes every token in one pass."""
        index: dict[str, list[int]] | None = self.memo.get("positions")  # type: ignore[assignment]
        if index is None:
            index = self.memo["positions"] = {} if self.text.isascii() else _token_index(self.text)
            self.memo["spaced"] = f" {self.text.translate(_NON_WORD_TO_SPACE)} " if self.text.isascii() else None
        found = index.get(word)
        if found is None:
            spaced: str | None = self.memo["spaced"]  # type: ignore[assignment]
            if spaced is None or word not in self.words:
                return _NONE  # not a token (a complete index has every token)
            found = index[word] = _whole_word_offsets(spaced, word)
        return found


_NONE: list[int] = []
# ASCII characters outside \w, mapped to spaces: the translated text keeps every offset,
# and its whitespace-separated words are exactly the \w+ tokens.
_NON_WORD_TO_SPACE = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")}


def _token_set(text: str) -> frozenset[str]:
    """The \\w+ tokens of `text` (without a regex scan when it is ASCII)."""
    if text.isascii():
        return frozenset(text.translate(_NON_WORD_TO_SPACE).split())
    return frozenset(_WORD_TOKEN.findall(text))


def _whole_word_offsets(spaced: str, word: str) -> list[int]:
    """Offsets of `word` in the text that `spaced` (" " + translated text + " ") renders."""
    needle = f" {word} "
    offsets = []
    index = spaced.find(needle)
    while index != -1:
        offsets.append(index)  # the word starts at index + 1 in `spaced`, at index in the text
        index = spaced.find(needle, index + len(word) + 1)  # its closing space may open the next
    return offsets


def _token_index(text: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for match in _WORD_TOKEN.finditer(text):
        index.setdefault(match.group(), []).append(match.start())
    return index


def fold_unicode(text: str) -> tuple[str, bool]:
    """NFKC, tag characters decoded, invisible characters removed, mixed-script words folded.

    Returns the folded text (case preserved) and whether any of those hiding tricks were
    present. NFKC alone does not count: full-width forms are normal in CJK input.
    """
    if text.isascii():
        return text, False
    tricked = False
    if _TAG_RUN.search(text):
        text = _TAG_RUN.sub(lambda m: " " + "".join(chr(ord(c) - 0xE0000) for c in m.group()) + " ", text)
        tricked = True
    # NFKC turns full-width `Ｉｇｎｏｒｅ`, ligatures and styled maths letters into ASCII.
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    visible = text
    if not _INVISIBLE_SET.isdisjoint(text):
        visible = text.translate(_DELETE_INVISIBLE)
        tricked = True
    if not _HOMOGLYPH_CHARS.isdisjoint(visible):
        folded = _WORD_TOKEN.sub(_fold_mixed_script_word, visible)
        tricked = tricked or folded != visible
        visible = folded
    return visible, tricked


def _fold_mixed_script_word(match: re.Match[str]) -> str:
    word = match.group()
    if word.isascii() or not any("a" <= c.lower() <= "z" for c in word):
        return word
    return word.translate(_HOMOGLYPHS)


def fold_leet(text: str) -> str | None:
    """Leet words folded to letters, or None when the text has no leet word.

    `1` reads as `i` (`1gn0r3`) or `l` (`ru13s`); the spelling that yields a word of the
    attack vocabulary wins, otherwise `i` (the more common reading).
    """
    if not _LEET_PROOF.search(text):
        return None
    return _LEET_WORD.sub(_fold_leet_word, text)


def _fold_leet_word(match: re.Match[str]) -> str:
    word = match.group()
    as_i = word.translate(_LEET_I)
    if "1" not in word or as_i.lower() in LEET_VOCABULARY:
        return as_i
    as_l = word.translate(_LEET_L)
    return as_l if as_l.lower() in LEET_VOCABULARY else as_i


def join_spaced_letters(text: str) -> str | None:
    """`I g n o r e` / `ig-nore` joined back into words, or None when nothing was split."""
    joined = _SPACED_RUN.sub(lambda m: _SPACED_SEP.sub("", m.group()), text)
    if joined.count("-") >= 3 and _SPLIT_STRETCH.search(joined):
        joined = _SPLIT_WORD.sub("", joined)
    return joined if joined != text else None


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    good = sum(1 for c in text if c.isprintable() or c in "\n\t")
    return good / len(text)


def _looks_like_prose(decoded: str) -> bool:
    """Decoded bytes worth scanning: mostly printable text with some spaces or punctuation.

    Random ids and hashes decode to binary garbage; JSON tokens decode to JSON, which is fine
    to scan too.
    """
    return len(decoded) >= 8 and _printable_ratio(decoded) > 0.95 and any(c.isalpha() for c in decoded)


def decode_base64_runs(text: str) -> list[str]:
    """Every base64 (standard or URL-safe) run in `text` that decodes to readable text."""
    found: list[str] = []
    for match in _BASE64_RUN.finditer(text):
        run = match.group()
        # Pure-letter runs are ordinary long words or identifiers; real payloads mix case and
        # usually digits.
        if run.isalpha() and (run.islower() or run.isupper()):
            continue
        body = run.rstrip("=")
        padded = body + "=" * (-len(body) % 4)
        try:
            raw = base64.b64decode(padded, altchars=b"-_" if ("-" in run or "_" in run) else None, validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if _looks_like_prose(decoded):
            found.append(decoded)
    return found


def decode_hex_runs(text: str) -> list[str]:
    found: list[str] = []
    for match in _HEX_RUN.finditer(text):
        try:
            decoded = bytes.fromhex(match.group()).decode("utf-8")
        except ValueError:
            continue
        if _looks_like_prose(decoded):
            found.append(decoded)
    return found


def screening_views(text: str, *, max_depth: int = 2) -> list[TextView]:
    """All renderings of `text` a detector should scan, the plain one first.

    Decoded payloads are themselves unfolded again (up to `max_depth` levels), so base64
    inside percent-encoding, or leetspeak inside base64, is still reached.
    """
    views: list[TextView] = []
    seen: set[str] = set()
    _add_views(text, "plain", views, seen, max_depth)
    return views


def _add_views(text: str, how: str, views: list[TextView], seen: set[str], depth: int) -> None:
    folded, tricked = fold_unicode(text)
    lower = folded.lower()
    if lower in seen:
        return
    seen.add(lower)
    # The token set, for cheap "is this word here" tests; where the tokens occur is looked
    # up when anchored patterns ask (TextView.positions).
    words = _token_set(lower)
    view = TextView("unicode" if tricked and how == "plain" else how, lower, folded, words)
    views.append(view)
    # Obfuscations of the words themselves: each yields one more view of the same content.
    # Cheap gates first, so ordinary text never pays for the regexes, and a view is only kept
    # when the unfolding produced a word attackers hide (see LEET_VOCABULARY).
    derived_how = how if how != "plain" else None
    # Only the sentences that change are kept in these views: the rest was already scanned.
    if _leet_reveals_vocabulary(folded):
        _add_derived(_changed_segments(folded, fold_leet), derived_how or "leet", views, seen, words)
    if _split_reveals_vocabulary(folded, words):
        _add_derived(_changed_segments(folded, join_spaced_letters), derived_how or "spaced", views, seen, words)
    if not _REVERSED_WORDS.isdisjoint(words):
        _add_derived(lower[::-1], "reversed", views, seen, words)
    if len(_ROT13_WORDS.intersection(words)) >= 2:
        _add_derived(codecs.decode(lower, "rot13"), "rot13", views, seen, words)
    if depth <= 0:
        return
    if "%" in folded and _PERCENT.search(folded):
        _add_views(unquote(folded), "percent", views, seen, depth - 1)
    # Payloads are long tokens that are not plain words: base64 has digits (or mixed case),
    # hex has digits. Checking the token set first spares ordinary text two regex scans.
    if max(map(len, words), default=0) >= 16 and any(
        len(token) >= 16 and (_has_digit_and_letter(token) or token.isalpha() and _mixed_case(folded, lower, token))
        for token in words
    ):
        for decoded in decode_base64_runs(folded):
            _add_views(decoded, "base64", views, seen, depth - 1)
        for decoded in decode_hex_runs(folded):
            _add_views(decoded, "hex", views, seen, depth - 1)


def _leet_reveals_vocabulary(text: str) -> bool:
    """Whether some leet word of `text` reads as a LEET_VOCABULARY word. Only the few words
    around a digit-between-letters are folded, so ordinary text (`utf8mb4`) costs one scan."""
    match = _LEET_PROOF.search(text)
    checked = 0
    while match is not None and checked < _MAX_LEET_CANDIDATES:
        checked += 1
        start, end = match.span()
        # Leet words are short (<= 20 chars): bounded walks keep long digit-letter runs linear.
        while start > 0 and match.start() - start < 20 and (text[start - 1].isalnum() or text[start - 1] in "@$!|"):
            start -= 1
        while end < len(text) and end - match.end() < 20 and (text[end].isalnum() or text[end] in "@$!|"):
            end += 1
        word = text[start:end].lower()
        if word.translate(_LEET_I) in LEET_VOCABULARY or word.translate(_LEET_L) in LEET_VOCABULARY:
            return True
        match = _LEET_PROOF.search(text, end)
    return False


def _split_reveals_vocabulary(text: str, words: frozenset[str]) -> bool:
    """Whether joining s p a c e d or hy-phen-ated letters yields a LEET_VOCABULARY word."""
    if len(_SINGLE_LETTERS.intersection(words)) >= 3:
        for match in _SPACED_RUN.finditer(text):
            if _SPACED_SEP.sub("", match.group()).lower() in LEET_VOCABULARY:
                return True
    index = text.find("-")
    while index != -1:  # a handful of hyphens per message: cheaper than a regex scan
        start, end = index, index + 1
        while start > 0 and index - start < 20 and text[start - 1].isalpha():
            start -= 1
        while end < len(text) and end - index < 40 and (text[end].isalpha() or text[end] == "-" and end + 1 < len(text) and text[end + 1].isalpha()):
            end += 1
        if start < index < end - 1 and text[start:end].replace("-", "").lower() in LEET_VOCABULARY:
            return True
        index = text.find("-", end)
    return False


def _changed_segments(text: str, unfold: Callable[[str], str | None]) -> str | None:
    """The sentences of `text` that `unfold` changes, unfolded, one per line (None if none)."""
    changed = [u for u in map(unfold, _SEGMENT_END.split(text)) if u is not None]
    return "\n".join(changed) if changed else None


def _has_digit_and_letter(token: str) -> bool:
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def _mixed_case(cased_text: str, lower_text: str, token: str) -> bool:
    """Whether `token` (lowercase) appears in the cased text with inner capitals (`SGVsbG8`)."""
    index = lower_text.find(token)
    original = cased_text[index : index + len(token)] if index != -1 else token
    return not (original.islower() or original.isupper() or original[1:].islower())


def _add_derived(cased: str | None, how: str, views: list[TextView], seen: set[str], plain_words: frozenset[str]) -> None:
    if cased is None:
        return
    lower = cased.lower()
    if lower in seen:
        return
    seen.add(lower)
    words = _token_set(lower)
    if LEET_VOCABULARY.isdisjoint(words - plain_words):
        return  # the unfolding revealed no word worth hiding: scanning it again is wasted time
    views.append(TextView(how, lower, cased, words))
