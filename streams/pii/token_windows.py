"""Context-word walks that tokenize only a window of the text around each finding.

Presidio's context enhancer reads, for a finding starting at offset `start`, the keywords
among the tokens before it (and the first one from it on). The blank spaCy pipeline would
tokenize the whole message for that (~0.1 ms per KB, most of it on words no finding is
near). `TokenWindows` tokenizes `text[a:b]` around the finding instead, widening the window
until the walk ends inside it or the window is the whole text, and yields the same words:

* spaCy splits the text at whitespace and tokenizes each whitespace-free *chunk* on its
  own (prefix / suffix / infix rules, special cases), so a window that starts and ends at
  chunk boundaries holds exactly the tokens the whole text has there;
* the one step that looks across chunks, special-case matching on the token sequence,
  can only match across a boundary between two adjacent tokens of a special case's own
  tokenization. The window edges used here are single spaces between two chunks made of
  ASCII letters and digits only, and `windows_are_exact` checks (when the engine loads)
  that no special case of the tokenizer has two such tokens side by side; if one does,
  windows are not used.

Presidio's ":" keyword rule depends on every token of the text that holds a ":"; those
are read from a window around each ":". Tests compare the windows with Presidio's own walk
over the whole text at every finding of the labelled set and of generated texts.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from spacy.tokenizer import Tokenizer

# Characters around a finding tokenized first; doubled until the walk fits.
_FIRST_REACH = 128


def _plain_chunk_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def windows_are_exact(tokenizer: Tokenizer) -> bool:
    """Whether no special case of `tokenizer` splits into two adjacent ASCII letter/digit
    tokens (which a special-case match across a window edge would need)."""
    plain = Tokenizer(
        tokenizer.vocab,
        rules={},
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    for special in tokenizer.rules:
        pieces = [token.text for token in plain(special)]
        for left, right in zip(pieces, pieces[1:]):
            if all(map(_plain_chunk_char, left)) and all(map(_plain_chunk_char, right)):
                return False
    return True


def is_window_edge(text: str, position: int) -> bool:
    """Whether `position` starts a chunk of ASCII letters/digits that follows a single space
    after another such chunk: a place where a window may start or end."""
    if not 2 <= position < len(text) or text[position - 1] != " ":
        return False
    if not (_plain_chunk_char(text[position - 2]) and _plain_chunk_char(text[position])):
        return False
    left = position - 2
    while left > 0 and _plain_chunk_char(text[left - 1]):
        left -= 1
    right = position
    while right < len(text) and _plain_chunk_char(text[right]):
        right += 1
    return (left == 0 or text[left - 1].isspace()) and (right == len(text) or text[right].isspace())


# Every window edge at once: the end of "<chunk> " before another chunk, both all ASCII
# letters/digits (`\s` is str.isspace, where spaCy splits too). Same set as is_window_edge.
_EDGE = re.compile(r"(?<!\S)[A-Za-z0-9]+ (?=[A-Za-z0-9]+(?!\S))")


def window_edges(text: str) -> list[int]:
    """Every position where `is_window_edge` holds, ascending."""
    return [match.end() for match in _EDGE.finditer(text)]


def edge_at_or_before(edges: list[int], position: int) -> int:
    """The last of `edges` at or before `position`, else 0 (the text start)."""
    index = bisect.bisect_right(edges, position)
    return edges[index - 1] if index else 0


def edge_at_or_after(edges: list[int], position: int, length: int) -> int:
    """The first of `edges` at or after `position`, else `length` (the text end)."""
    index = bisect.bisect_left(edges, position)
    return edges[index] if index < len(edges) else length


def in_keywords(word: str, passes_filter: bool, colon_parts: frozenset[str]) -> bool:
    """Whether lower-cased lemma `word` is among Presidio's keywords of its text, given
    whether it passes the keyword filter and the ":"-parts of the text's keywords that hold
    a ":" (Presidio then splits every keyword on ":"; empty when none holds one)."""
    if passes_filter:
        return not (colon_parts and ":" in word)
    return bool(colon_parts) and ":" not in word and word in colon_parts


class TokenWindows:
    """Keyword walks (see nlp.TokenWords.keywords_around) over windows of the text.

    `offsets(a, b)` returns the (starts, ends) of the tokens of `text[a:b]`, as offsets into
    `text`; `keyword_filter(word)` is Presidio's keyword filter for one lower-cased lemma.
    The tokens holding a ":" (for Presidio's split) are read from a window around each ":".
    """

    def __init__(
        self,
        text: str,
        offsets: Callable[[int, int], tuple[list[int], list[int]]],
        keyword_filter: Callable[[str], bool],
    ) -> None:
        self.text = text
        self._offsets = offsets
        self._keyword_filter = keyword_filter
        self._around: dict[tuple[int, int, int], frozenset[str]] = {}
        self._colon_parts: frozenset[str] | None = None if ":" in text else frozenset()
        self._edges: list[int] | None = None

    def _window(self, low: int, high: int) -> tuple[int, int]:
        """The smallest window edges around [low, high] (text ends where there are none)."""
        if self._edges is None:
            self._edges = window_edges(self.text)
        return edge_at_or_before(self._edges, low), edge_at_or_after(self._edges, high, len(self.text))

    def is_keyword(self, word: str) -> bool:
        return in_keywords(word, self._keyword_filter(word), self._split_parts())

    def _split_parts(self) -> frozenset[str]:
        """The ":"-parts of the keywords holding a ":" (empty when none does)."""
        if self._colon_parts is None:
            parts: set[str] = set()
            position = self.text.find(":")
            while position != -1:
                # Edges are starts of letter/digit chunks: the window holds the ":"'s chunk.
                low, high = self._window(position, position + 1)
                starts, ends = self._offsets(low, high)
                index = bisect.bisect_right(ends, position)
                if index < len(ends) and starts[index] <= position:
                    word = self.text[starts[index] : ends[index]].lower().lower()
                    if ":" in word and self._keyword_filter(word):
                        parts.update(word.split(":"))
                position = self.text.find(":", position + 1)
            self._colon_parts = frozenset(parts)
        return self._colon_parts

    def keywords_around_offset(self, start: int, before: int, after: int) -> frozenset[str] | None:
        """The walk from the token holding (or first after) `start`; None when the text has
        no token at all. ValueError when no token ends after `start` (as Presidio)."""
        if not self.text:
            return None
        key = (start, before, after)
        if key not in self._around:
            self._around[key] = self._walk(start, before, after)
        return self._around[key]

    def _walk(self, start: int, before: int, after: int) -> frozenset[str]:
        reach = _FIRST_REACH
        while True:
            low, high = self._window(start - reach, start + reach)
            starts, ends = self._offsets(low, high)
            index = bisect.bisect_right(ends, start)
            if index < len(ends):
                words: list[str] = []
                complete = self._collect(starts, ends, index, -1, before + 1, words) or low == 0
                complete = (self._collect(starts, ends, index, 1, after + 1, words) or high == len(self.text)) and complete
                if complete:
                    return frozenset(words)
            elif high == len(self.text):
                raise ValueError(f"no token at offset {start}")
            reach *= 2  # ends at the whole text, where every walk completes

    def _collect(self, starts: list[int], ends: list[int], index: int, step: int, wanted: int, into: list[str]) -> bool:
        """Append up to `wanted` keywords walking from `index` by `step`; True if found all."""
        position = index
        while 0 <= position < len(ends) and wanted > 0:
            word = self.text[starts[position] : ends[position]].lower().lower()
            if self.is_keyword(word):
                into.append(word)
                wanted -= 1
            position += step
        return wanted == 0
