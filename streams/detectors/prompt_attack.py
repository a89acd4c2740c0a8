"""Prompt-attack detector: weighted phrase signals over every normalised view of a message.

How a level is reached:
1. `screening_views` yields the message as written plus every de-obfuscated rendering
   (leetspeak, spaced letters, zero-width/homoglyph folding, base64/hex/percent/ROT13/reversed).
2. Each signal (attack_phrases.py, attack_context.py, multilingual_phrases.py) is searched in
   every view. Signals belong to a *family* (override, persona, extraction, delimiter,
   indirect, encoding); a family scores the weight of its strongest hit.
3. The strongest family counts fully, the others add 60 % of theirs: several independent
   tricks in one message are more convincing than one.
4. Boosters add evidence that means little alone (asks for a secret, "verbatim", hid the
   attack in an encoding); dampeners cut the score when the message *talks about* attacks
   (quoted phrases in a security discussion, code, refusals, questions about chat templates).
5. Score thresholds map to Lakera's confidence levels (see `_LEVELS`).

Pure and deterministic: no I/O, all patterns compiled at import.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from schemas.screening import ConfidenceLevel
from streams.detectors import attack_context as ctx
from streams.detectors import attack_phrases as en
from streams.detectors import multilingual_phrases as i18n
from streams.detectors.anchored import AnchoredPattern, PatternIndex
from streams.detectors.normalise import TextView, screening_views


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    family: str
    weight: float
    patterns: tuple[AnchoredPattern, ...]


# Weights: 2.5 = one hit is an attack on its own (l2); 1.5-2.0 = attack-shaped but needs
# support to reach l1; <= 1.0 = context that only counts together with something else.
SIGNALS: tuple[Signal, ...] = (
    Signal("override", "override", 2.5, en.override + i18n.override_i18n),
    Signal("rules_gone", "override", 2.5, en.rules_gone + i18n.rules_gone_i18n),
    Signal("new_orders", "override", 1.5, en.new_orders),
    Signal("jailbreak_mode", "persona", 2.5, en.jailbreak_mode),
    Signal("jailbreak_persona", "persona", 2.5, en.jailbreak_persona),
    Signal("no_limits", "persona", 1.5, en.no_limits + i18n.no_limits_i18n),
    Signal("never_refuse", "persona", 1.5, en.never_refuse),
    Signal("reveal_prompt", "extraction", 2.5, en.reveal_prompt + i18n.reveal_prompt_i18n),
    Signal("instructions_given", "extraction", 2.0, en.instructions_given),
    Signal("context_dump", "extraction", 2.0, en.context_dump),
    Signal("chat_tokens", "delimiter", 1.5, ctx.chat_tokens),
    Signal("role_line", "delimiter", 1.5, ctx.role_line),
    Signal("boundary", "delimiter", 1.5, ctx.boundary),
    Signal("ai_address", "indirect", 1.5, ctx.ai_address),
    Signal("hostile_action", "indirect", 1.0, ctx.hostile_action),
    Signal("hidden_markup", "indirect", 1.0, ctx.hidden_markup),
    Signal("markdown_exfil", "indirect", 2.0, ctx.markdown_exfil),
    Signal("decode_and_obey", "encoding", 2.0, ctx.decode_and_obey),
)
_FAMILY = {signal.name: signal.family for signal in SIGNALS}
_WEIGHT = {signal.name: signal.weight for signal in SIGNALS}
_SIGNAL_OF = {pattern: signal for signal in SIGNALS for pattern in signal.patterns}
_PERSONA_FRAME = en.persona_frame + i18n.persona_frame_i18n
# Every pattern this detector reads, behind one start-word index (anchored.PatternIndex).
_INDEX = PatternIndex(
    [*_SIGNAL_OF, *_PERSONA_FRAME, en.JAILBREAK_NAME, ctx.harmful_topic, en.secrets, en.verbatim, *ctx.meta_discussion, *ctx.refusal]
)
_INDIRECT_PARTS = frozenset({"ai_address", "hostile_action", "hidden_markup"})
# Quoted stretches: "…", '…' (not apostrophes), `…`, “…”, «…», and fenced code blocks. One
# pattern per opening character, each starting with that literal (a fast scan), and only
# run when the character occurs at all.
_QUOTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("```", re.compile(r"```.*?```", re.DOTALL)),
    ("`", re.compile(r"`[^`\n]+`")),
    ('"', re.compile(r'"[^"\n]{3,}"')),
    # A single quote with a letter before it opens nothing (don't, it's): checked right after
    # the literal so the scan still starts with it.
    ("'", re.compile(r"'(?<!\w')[^'\n]{3,}?'(?!\w)")),
    ("“", re.compile(r"“[^”\n]{3,}”")),
    ("‘", re.compile(r"‘[^’\n]{3,}’")),
    ("«", re.compile(r"«[^»\n]{3,}»")),
)
_CODE_LINE = re.compile(r"^\s*(?:def |class |import |\w+ = )", re.MULTILINE)

# Lower bound of the score for each level, most confident first.
_LEVELS: tuple[tuple[float, ConfidenceLevel], ...] = (
    (3.0, ConfidenceLevel.L1_CONFIDENT),
    (2.0, ConfidenceLevel.L2_VERY_LIKELY),
    (1.2, ConfidenceLevel.L3_LIKELY),
    (0.5, ConfidenceLevel.L4_LESS_LIKELY),
)


@dataclass(slots=True)
class _Hit:
    weight: float
    quoted: bool  # every match of this signal sat inside quotes / code
    hidden: bool  # found only in a de-obfuscated view


def _quoted_ranges(text: str) -> list[tuple[int, int]]:
    ranges = []
    for opener, pattern in _QUOTES:
        if opener in text:
            ranges.extend(match.span() for match in pattern.finditer(text))
    return ranges


class _Ranges:
    """Quoted ranges with a bisect lookup: long messages have many quotes and many matches."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        ranges.sort()
        self.starts = [start for start, _ in ranges]
        self.max_end: list[int] = []  # furthest end among ranges starting at or before i
        furthest = -1
        for _, end in ranges:
            furthest = max(furthest, end)
            self.max_end.append(furthest)

    def __bool__(self) -> bool:
        return bool(self.starts)

    def contains(self, span: tuple[int, int]) -> bool:
        i = bisect_right(self.starts, span[0]) - 1
        return i >= 0 and self.max_end[i] >= span[1]


def collect_hits(views: list[TextView]) -> dict[str, _Hit]:
    """Signal name -> how it was found, over all views (exposed for evaluation/debugging)."""
    hits: dict[str, _Hit] = {}
    plain = views[0]
    quoted: _Ranges | None = None  # computed on the first hit only
    for view in views:
        spans_by_signal: dict[str, list[tuple[int, int]]] = {}
        for pattern, spans in _INDEX.scan(view).items():
            signal = _SIGNAL_OF.get(pattern)
            if signal is not None:
                spans_by_signal.setdefault(signal.name, []).extend(spans)
        for name, spans in spans_by_signal.items():
            is_quoted = False
            if view is plain:  # positions only line up with quotes in the message as written
                if quoted is None:
                    quoted = _Ranges(_quoted_ranges(plain.text))
                is_quoted = bool(quoted) and all(quoted.contains(span) for span in spans)
            previous = hits.get(name)
            if previous is None:
                hits[name] = _Hit(_WEIGHT[name], is_quoted, view is not plain)
            else:
                previous.quoted = previous.quoted and is_quoted
                previous.hidden = previous.hidden and view is not plain
    return hits


def _in_any_view(patterns: tuple[AnchoredPattern, ...] | AnchoredPattern, views: list[TextView]) -> bool:
    group = patterns if isinstance(patterns, tuple) else (patterns,)
    return any(pattern in _INDEX.scan(view) for view in views for pattern in group)


def attack_score(text: str) -> float:
    """The raw evidence score behind `detect_prompt_attack` (useful for evaluation)."""
    if not text or not text.strip():
        return 0.0
    return score_views(screening_views(text))


def score_views(views: list[TextView]) -> float:
    """`attack_score` for already-normalised views (detect_all shares them with moderation)."""
    hits = collect_hits(views)
    plain = views[0]

    family_best: dict[str, float] = {}
    for name, hit in hits.items():
        family = _FAMILY[name]
        family_best[family] = max(family_best.get(family, 0.0), hit.weight)

    # Completions: weak pieces that together make a known attack shape.
    def framed() -> bool:
        return _in_any_view(_PERSONA_FRAME, views) or _in_any_view(en.JAILBREAK_NAME, views[:1])

    if "persona" in family_best:
        if framed():
            family_best["persona"] += 1.0
    elif _in_any_view(ctx.harmful_topic, views) and any(ctx.detail_request.search(v.text) for v in views) and framed():
        # Role play or "hypothetically" wrapped around a request for dangerous instructions.
        family_best["persona"] = 2.0
    indirect = _INDIRECT_PARTS.intersection(hits)
    if len(indirect) >= 2 or (indirect and len(family_best) > 1):
        family_best["indirect"] += 1.0
    if "delimiter" in family_best and len(family_best) > 1:
        family_best["delimiter"] += 0.5

    if not family_best:
        return 0.0
    ranked = sorted(family_best.values(), reverse=True)
    score = ranked[0] + 0.6 * sum(ranked[1:])

    # Boosters, only on top of a real signal: a README with an HTML comment and the word
    # "password" is not an attack.
    if ranked[0] >= 1.5 and _in_any_view(en.secrets, views):
        score += 0.5
    if "extraction" in family_best and _in_any_view(en.verbatim, views):
        score += 0.5
    if all(h.hidden for h in hits.values()):
        score += 1.0  # the attack only appears once decoded: hiding it is evidence too
    elif plain.how != "plain" or any(h.hidden for h in hits.values()):
        score += 0.5

    # Dampeners: talking about attacks is not attacking.
    plain_found = _INDEX.scan(plain)
    if any(pattern in plain_found for pattern in ctx.refusal):
        score *= 0.3
    meta = sum(len(plain_found.get(pattern, ())) for pattern in ctx.meta_discussion)
    if meta:
        visible = [h for h in hits.values() if not h.hidden]
        if visible and all(h.quoted for h in visible):
            score *= 0.25 if meta == 1 else 0.15
        else:
            score *= 0.6
    if all(h.quoted for h in hits.values() if not h.hidden) and _is_code(plain.text):
        score *= 0.4  # attack strings as data in a code snippet
    if set(family_best) == {"delimiter"} and ctx.template_question.search(plain.text):
        score *= 0.3
    if set(hits) == {"jailbreak_mode"} and ctx.device_context.search(plain.text):
        score *= 0.3
    return score


def _is_code(text: str) -> bool:
    return "`" in text or bool(_CODE_LINE.search(text))


def detect_prompt_attack(text: str) -> ConfidenceLevel:
    """Confidence that `text` tries to hijack, jailbreak or extract the model's instructions."""
    return level_for(attack_score(text))


def level_for(score: float) -> ConfidenceLevel:
    for floor, level in _LEVELS:
        if score >= floor:
            return level
    return ConfidenceLevel.L5_UNLIKELY
