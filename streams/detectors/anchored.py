"""Anchored patterns: regexes tried only where one of their start words occurs.

Python's `re` has no multi-literal prefilter: a pattern that begins with an alternation of
forty verbs is attempted at every character of the message, ~30-300 µs per 1,000 chars and
pattern. With hundreds of patterns that blows the detectors' latency budget. Most of those
positions cannot start a match, so each pattern here declares the words a match can *start*
with; the token index of the message (built once per view, see normalise.TextView) says
where those words are, and the regex runs only there, with `match`. Context that precedes
the start word (e.g. "never" before "refuses") is checked by `before`, a pattern anchored at
the start position and looking back at most `_LOOKBACK` characters. Non-word starts (`<|`,
`![`, CJK words) are located with `str.find`.

Equivalence with a plain `before + pattern` search is what the unit tests check on the
labelled set (`equivalent_regex`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from streams.detectors.normalise import TextView

_LOOKBACK = 80


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: used as a dict key by PatternIndex
class AnchoredPattern:
    starts: frozenset[str]  # lowercase \w+ tokens a match begins with
    pattern: re.Pattern[str]  # applied with .match() at each start position
    before: re.Pattern[str] | None = None  # must match right before the start (source ends with $)
    literals: tuple[str, ...] = ()  # non-word starts ("<|", "![", CJK words), found with str.find
    cased: bool = False  # match in the case-preserving text (`spellings` gives the cased forms)
    spellings: dict[str, str] | None = None  # lowercase token -> cased spelling, for cased patterns

    def spans(self, view: TextView) -> list[tuple[int, int]]:
        """Spans of the matches in `view` (same code path as PatternIndex, one pattern)."""
        return PatternIndex((self,))._scan(view).get(self, [])

    def search(self, view: TextView) -> bool:
        return bool(self.spans(view))

    def equivalent_regex(self) -> re.Pattern[str]:
        """The plain regex this anchored pattern stands for (used by tests, never at run time)."""
        before = self.before.pattern.removesuffix("$") if self.before is not None else ""
        return re.compile(f"(?:{before})(?:{self.pattern.pattern})", self.pattern.flags)


class PatternIndex:
    """Many anchored patterns behind one start-word table, so a view is scanned once.

    Calling each pattern in turn costs a Python call per pattern even when none of its start
    words occurs; the index intersects the view's tokens with all start words at once and
    only runs the patterns whose start words are present. Results are memoised on the view.
    """

    def __init__(self, patterns: Iterable[AnchoredPattern]) -> None:
        self.patterns = tuple(dict.fromkeys(patterns))
        by_token: dict[str, list[AnchoredPattern]] = {}
        for pattern in self.patterns:
            for token in pattern.starts:
                by_token.setdefault(token, []).append(pattern)
        self._by_token = by_token
        self._starts = frozenset(by_token)
        self._with_literals = tuple(p for p in self.patterns if p.literals)

    def scan(self, view: TextView) -> dict[AnchoredPattern, list[tuple[int, int]]]:
        """Pattern -> spans of its matches in `view`, for the patterns that matched."""
        key = ("scan", id(self))
        memo = view.memo.get(key)
        if memo is None:
            memo = view.memo[key] = self._scan(view)
        return memo  # type: ignore[return-value]

    def _scan(self, view: TextView) -> dict[AnchoredPattern, list[tuple[int, int]]]:
        found: dict[AnchoredPattern, list[tuple[int, int]]] = {}
        for token in self._starts & view.words:
            positions = view.positions(token)
            for pattern in self._by_token[token]:
                if pattern.cased:
                    text = view.cased
                    spelling = pattern.spellings[token] if pattern.spellings else token
                    candidates: list[int] = [p for p in positions if text.startswith(spelling, p)]
                else:
                    text, candidates = view.text, positions
                _try(pattern, text, candidates, found)
        for pattern in self._with_literals:
            text = view.cased if pattern.cased else view.text
            literal_positions: set[int] = set()
            for literal in pattern.literals:
                if literal in text:
                    _occurrences(text, literal, literal_positions)
            if literal_positions:
                _try(pattern, text, sorted(literal_positions), found)
        return found


def _try(pattern: AnchoredPattern, text: str, positions: Iterable[int], found: dict[AnchoredPattern, list[tuple[int, int]]]) -> None:
    match_at = pattern.pattern.match
    before = pattern.before
    for pos in positions:
        match = match_at(text, pos)
        if match is None:
            continue
        if before is not None and before.search(text, max(0, pos - _LOOKBACK), pos) is None:
            continue
        found.setdefault(pattern, []).append(match.span())


def _occurrences(text: str, needle: str, into: set[int]) -> None:
    # In a run of the needle's character ("#####") only the run's first position is tried:
    # patterns starting with such a run consume all of it, and "#" * 10**6 stays linear.
    repeated = needle[0] if len(set(needle)) == 1 else None
    index = text.find(needle)
    while index != -1:
        into.add(index)
        if repeated is not None:
            index += len(needle)
            while index < len(text) and text[index] == repeated:
                index += 1
            index = text.find(needle, index)
        else:
            index = text.find(needle, index + 1)


def anchored(
    starts: str,
    pattern: str,
    before: str | None = None,
    *,
    literals: Iterable[str] = (),
    flags: int = 0,
    cased: bool = False,
) -> AnchoredPattern:
    """Build an AnchoredPattern. `starts` is a space-separated word list; `before` gets `$`.

    For `cased` patterns the start words keep their case ("DAN") and are found as spelled.
    """
    words = starts.split()
    return AnchoredPattern(
        starts=frozenset(w.lower() for w in words),
        pattern=re.compile(pattern, flags),
        before=re.compile(f"(?:{before})$", flags) if before is not None else None,
        literals=tuple(literals),
        cased=cased,
        spellings={w.lower(): w for w in words} if cased else None,
    )
