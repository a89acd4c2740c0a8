"""Custom detectors: a project's own regular expression, compiled safely.

Python's `re` backtracks and has no timeout, so a pattern like `(a+)+$` takes exponential
time on `aaaa…b` and would stall a stream worker for every message. Patterns are therefore
rejected up front when their parsed form contains the shapes that cause catastrophic
backtracking:

- a repeated group whose body can itself repeat a variable number of times: `(a+)+`,
  `(\\w*)*`, `(x+y?)+`, `(.*a){20}` (nested quantifiers), or can match nothing: `(a?){30}`;
- a repeated alternation whose branches can start with the same character: `(a|a)*`,
  `(a|ab)+`, `(x|y|xy)*` (the engine tries every split of the input between them;
  single-character alternatives like `(\\w|\\d)` are merged into a class by the parser and
  are safe);
- more than three unbounded quantifiers in a row that can match the same characters
  (`\\d+\\d+\\d+\\d+`, `.*a.*b.*c.*d`: polynomial blow-up); `\\d+\\.\\d+\\.\\d+\\.\\d+` is fine.

The check reads the pattern tree produced by CPython's own parser (`re._parser`, the module
the engine compiles from), which is exact where a hand-written scanner of regex syntax would
not be. It is conservative: a few safe patterns are refused too (`(ab+c)+`); fixed counts
(`(\\d{3}-)+`), small bounded repeats (`(\\d{1,3}\\.){3}`), possessive quantifiers and atomic
groups, which never backtrack, are accepted. "Repeated" means unbounded or more than ten times.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+: the parser the `re` module compiles from.
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

from schemas.screening import ConfidenceLevel

MAX_PATTERN_LENGTH = 1000
# A counted repeat (`{n,m}`) this large behaves like an unbounded one for backtracking.
_LARGE_REPEAT = 10
_MAX_ADJACENT_UNBOUNDED = 3

_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT}
_NON_BACKTRACKING = {getattr(_sre, "POSSESSIVE_REPEAT", None), getattr(_sre, "ATOMIC_GROUP", None)} - {None}
_ANY_CHAR = "any"  # stands for "any character" in first-character sets


def compile_custom_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a user-supplied pattern, or raise ValueError saying why it is refused."""
    if not isinstance(pattern, str):
        raise ValueError("custom pattern must be a string")
    if not pattern:
        raise ValueError("custom pattern must not be empty")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"custom pattern is {len(pattern)} characters long; the limit is {MAX_PATTERN_LENGTH}")
    try:
        compiled = re.compile(pattern)
        tree = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ValueError(f"invalid custom pattern: {exc}") from exc
    problem = _backtracking_problem(list(tree))  # same check as backtracking_problem()
    if problem:
        raise ValueError(f"custom pattern refused, it could take exponential time (ReDoS): {problem}")
    # A pattern that can match the empty string anywhere (`a*`, `x?`) would flag every message.
    if compiled.search("") is not None and compiled.search("an ordinary message") is not None:
        raise ValueError("custom pattern matches every text (it can match an empty string)")
    return compiled


def detect_custom(text: str, pattern: re.Pattern[str]) -> ConfidenceLevel:
    """l1 when the project's pattern matches the text, l5 otherwise."""
    return ConfidenceLevel.L1_CONFIDENT if pattern.search(text) else ConfidenceLevel.L5_UNLIKELY


def backtracking_problem(pattern: str) -> str | None:
    """Why `pattern` could backtrack catastrophically, or None (also used by the tests to hold
    the shipped detector patterns to the same rule)."""
    return _backtracking_problem(list(_sre_parse.parse(pattern)))


# ---------------------------------------------------------------- analysis of the parse tree


_SINGLE_CHAR_OPS = (_sre.LITERAL, _sre.IN, _sre.ANY, _sre.NOT_LITERAL, _sre.CATEGORY)


def _backtracking_problem(items: list[Any], inside_repeat: bool = False) -> str | None:
    # A "run": unbounded repeats that can trade characters with each other (`.*a.*b.*c.*d`,
    # `\\d+\\d+`). A character the run cannot match (`\\d+\\.\\d+`) ends it.
    run, run_chars = 0, set()
    for op, arg in items:
        if op in _REPEATS:
            low, high, body = arg
            body_items = list(body)
            unbounded = high == _sre.MAXREPEAT or high > _LARGE_REPEAT
            if unbounded:
                if _can_repeat(body_items):
                    return "nested quantifiers (a repeated group that itself contains + or *)"
                if _first_chars(body_items) is None:
                    return "a repeated group that can match an empty string, like (a?){30}"
                if _has_overlapping_branches(body_items):
                    return "a repeated alternation whose branches can match the same text"
            if unbounded:
                chars = _body_chars(body_items)
                run = run + 1 if run and _overlap(run_chars, chars) else 1
                run_chars = run_chars | chars if run > 1 else chars
            if run > _MAX_ADJACENT_UNBOUNDED:
                return "too many unbounded quantifiers in a row over the same characters"
            problem = _backtracking_problem(body_items, inside_repeat or unbounded)
            if problem:
                return problem
            continue
        if op not in _SINGLE_CHAR_OPS or not _overlap(run_chars, _body_chars([(op, arg)])):
            run, run_chars = 0, set()
        for child in _children(op, arg):
            problem = _backtracking_problem(child, inside_repeat)
            if problem:
                return problem
    return None


def _children(op: Any, arg: Any) -> list[list[Any]]:
    """Sub-sequences of a node (groups, branches, lookarounds, conditionals)."""
    if op in _NON_BACKTRACKING:
        return []  # atomic / possessive: the engine never re-enters them
    if op == _sre.SUBPATTERN:
        return [list(arg[-1])]
    if op == _sre.BRANCH:
        return [list(branch) for branch in arg[1]]
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [list(arg[1])]
    if op == _sre.GROUPREF_EXISTS:
        return [list(part) for part in arg[1:] if part is not None]
    return []


def _can_repeat(items: list[Any]) -> bool:
    """Whether a sequence contains a quantifier of variable length (`+`, `*`, `{2,5}`): a
    fixed count like `\\d{3}` leaves the engine no choice to backtrack over."""
    for op, arg in items:
        if op in _REPEATS and arg[1] > 1 and arg[0] != arg[1]:
            return True
        if any(_can_repeat(child) for child in _children(op, arg)):
            return True
    return False


def _has_overlapping_branches(items: list[Any]) -> bool:
    """Whether an alternation directly in this sequence has branches that can start alike."""
    for op, arg in items:
        if op == _sre.BRANCH:
            firsts = [_first_chars(list(branch)) for branch in arg[1]]
            for i, first in enumerate(firsts):
                for other in firsts[i + 1 :]:
                    if first is None or other is None or _ANY_CHAR in first or _ANY_CHAR in other or first & other:
                        return True
        elif op == _sre.SUBPATTERN and _has_overlapping_branches(list(arg[-1])):
            return True
    return False


def _first_chars(items: list[Any]) -> set[Any] | None:
    """Characters a sequence can start with ({'any'} when unknown); None if it can be empty."""
    for op, arg in items:
        if op == _sre.LITERAL:
            return {arg}
        if op == _sre.NOT_LITERAL or op == _sre.ANY or op == _sre.CATEGORY:
            return {_ANY_CHAR}
        if op == _sre.IN:
            return _class_chars(arg)
        if op == _sre.SUBPATTERN:
            return _first_chars(list(arg[-1]))
        if op == _sre.BRANCH:
            union: set[Any] = set()
            for branch in arg[1]:
                first = _first_chars(list(branch))
                if first is None:
                    return None
                union |= first
            return union
        if op in _REPEATS:
            first = _first_chars(list(arg[2]))
            if arg[0] == 0 or first is None:
                return None  # optional: the branch may start with what follows
            return first
        if op == _sre.AT or op in (_sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero-width: look at the next item
        return {_ANY_CHAR}
    return None


def _body_chars(items: list[Any]) -> set[Any]:
    """Characters a simple repeated body can consume ({'any'} when not a plain class)."""
    chars: set[Any] = set()
    for op, arg in items:
        if op == _sre.LITERAL:
            chars.add(arg)
        elif op in (_sre.IN, _sre.CATEGORY):
            chars |= _class_chars(arg if op == _sre.IN else [(op, arg)])
        else:
            return {_ANY_CHAR}
    return chars


def _overlap(left: set[Any], right: set[Any]) -> bool:
    return bool(left and right) and (_ANY_CHAR in left or _ANY_CHAR in right or bool(left & right))


# \d, \s, \w as ASCII code points: enough to tell `\d+\.` (disjoint) from `\w+\d+` (not).
_CATEGORY_CHARS = {
    _sre.CATEGORY_DIGIT: set(range(0x30, 0x3A)),
    _sre.CATEGORY_SPACE: {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20},
    _sre.CATEGORY_WORD: set(range(0x30, 0x3A)) | set(range(0x41, 0x5B)) | set(range(0x61, 0x7B)) | {0x5F},
}


def _class_chars(arg: list[Any]) -> set[Any]:
    chars: set[Any] = set()
    for op, value in arg:
        if op == _sre.LITERAL:
            chars.add(value)
        elif op == _sre.RANGE and value[1] - value[0] < 256:
            chars.update(range(value[0], value[1] + 1))
        elif op == _sre.CATEGORY and value in _CATEGORY_CHARS:
            chars |= _CATEGORY_CHARS[value]
        else:  # NEGATE, \D / \S / \W, wide ranges
            return {_ANY_CHAR}
    return chars
