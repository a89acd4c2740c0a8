"""Screening speed and PII recall: our full screening of one message (every detector of the
built-in default policy plus PII masking, `streams.screening.scan_messages`) against vanilla
Presidio (`AnalyzerEngine().analyze` + `AnonymizerEngine().anonymize`, default recognizers) on
the same texts, in one run, single thread.

    make bench            # or: .venv/bin/python -m tests.bench screening

Vanilla Presidio's default NLP engine is spaCy's `en_core_web_lg`, which it downloads on first
use. This machine has no internet and no trained spaCy pipeline installs from PyPI, so vanilla
runs here on `spacy.blank("en")` (tokenizer only): its NER recognizer (PERSON, LOCATION) finds
nothing and, with no lemmas, its context enhancement never fires. Both make it *faster* than
the real thing (NER is the bulk of its time) and its name / address recall zero; the report says
so. tldextract inside Presidio's e-mail recognizer is pointed at its bundled suffix snapshot, and
every socket connect is refused while the benchmark runs (attempts are counted and reported).
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import math
import random
import socket
import string
import time
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from tests.bench.report import machine_line, write_section

SEED = 20240604
N_1K = 2_000  # timed messages of 1,000 characters
N_10K = 200  # timed messages of 10,000 characters
WARMUP = 100  # untimed messages per engine before timing (separate texts, same generator)
BLOCK = 100  # ours and vanilla alternate in blocks, so load drift on shared cores hits both
PII_SHARE = 0.5  # fraction of generated messages that carry PII
LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled_texts.jsonl"

# Presidio entity -> contract detector type, for vanilla's results.
VANILLA_TO_DETECTOR = {
    "PERSON": "pii/name",
    "EMAIL_ADDRESS": "pii/email",
    "PHONE_NUMBER": "pii/phone_number",
    "CREDIT_CARD": "pii/credit_card",
    "IBAN_CODE": "pii/iban_code",
    "IP_ADDRESS": "pii/ip_address",
    "US_SSN": "pii/us_social_security_number",
    "LOCATION": "pii/address",
    "ADDRESS": "pii/address",
}
NO_NER_TYPES = (
    "pii/email", "pii/phone_number", "pii/credit_card", "pii/iban_code", "pii/ip_address",
    "pii/us_social_security_number",
)  # fmt: skip
PII_TYPES = (
    "pii/name", "pii/email", "pii/phone_number", "pii/credit_card", "pii/iban_code",
    "pii/ip_address", "pii/us_social_security_number", "pii/address",
)  # fmt: skip

# ----------------------------------------------------------------------------- texts

BENIGN = (
    "Could you help me rewrite the introduction of my quarterly report so it sounds a little less formal?",
    "I tried running the migration again, but it fails with a timeout after about thirty seconds.",
    "Thanks for the quick answer yesterday, the workaround you suggested fixed the build on our side.",
    "We upgraded the service from version 3.2.1 to 3.4.0 last week and the memory usage doubled.",
    "The order total came to 149.99 including shipping, and the parcel was supposed to arrive on March 3.",
    "Can you summarise the attached meeting notes in five bullet points for the leadership team?",
    "My manager asked for a short comparison of the three vendors before the budget review on Friday.",
    "Please explain the difference between a left join and an inner join with a small example.",
    "The dashboard shows 12 failed jobs since midnight, mostly in the eu-west region.",
    "I'm planning a trip to Lisbon in October; what neighbourhoods are good for a quiet week of remote work?",
    "Write a polite reply declining the invitation, but leave the door open for a call next quarter.",
    "Our customer satisfaction score dropped from 4.6 to 4.1 after the pricing change in Q2.",
    "Is there a way to make this Python loop faster without rewriting everything in NumPy?",
    "The printer on the third floor keeps jamming, and facilities says the replacement part is back-ordered.",
    "Draft a friendly reminder about the team offsite: bus leaves at 8:15, bring warm clothes.",
    "Could you translate this paragraph into Spanish while keeping the tone professional?",
    "I need a checklist for onboarding a new engineer: accounts, laptop, repositories and a first task.",
    "Give me three ideas for a birthday present for a colleague who loves hiking and board games.",
    "The contract renewal is due in 45 days and legal still has comments on section 7.2.",
    "After the last deploy, response times at the 95th percentile went from 180 ms to 420 ms.",
    "What is a reasonable way to structure a weekly one-on-one with a new team lead?",
    "Please proofread the following paragraph and point out anything that sounds ambiguous.",
    "Our warehouse in building B processed 1,240 returns in April, about 8 percent more than in March.",
    "Suggest a name for an internal tool that reconciles invoices against purchase orders.",
    "Summarise the pros and cons of moving our nightly batch jobs to a managed scheduler.",
    "The workshop went well; most participants asked for more hands-on exercises next time.",
)

FIRST = (
    "James", "Maria", "Wei", "Aisha", "Oliver", "Sofia", "Lukas", "Priya", "Mateo", "Chloe",
    "Hiroshi", "Fatima", "Daniel", "Elena", "Noah", "Ingrid", "Rahul", "Grace", "Tomasz", "Amara",
)  # fmt: skip
LAST = (
    "Smith", "Garcia", "Chen", "Khan", "Brown", "Rossi", "Muller", "Patel", "Fernandez", "Martin",
    "Tanaka", "Haddad", "Wilson", "Petrova", "Johnson", "Larsen", "Sharma", "Taylor", "Kowalski", "Okafor",
)  # fmt: skip
MAIL_DOMAINS = ("gmail.com", "outlook.com", "example.org", "acme-corp.co.uk", "fastmail.fm", "yahoo.de")
STREETS = ("Maple", "Oak", "Cedar", "Washington", "Lake", "Hillcrest", "Sunset", "Park", "Elm", "River")
STREET_SUFFIXES = ("Street", "St.", "Avenue", "Ave", "Road", "Drive", "Lane", "Boulevard")
CITIES = (
    ("Springfield", "IL"), ("Austin", "TX"), ("Portland", "OR"), ("Denver", "CO"), ("Boston", "MA"),
    ("Seattle", "WA"), ("Columbus", "OH"), ("Raleigh", "NC"),
)  # fmt: skip


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these get doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _card(rng: random.Random) -> str:
    prefix, length, groups = rng.choice(
        [("4", 16, (4, 4, 4, 4)), (str(rng.randint(51, 55)), 16, (4, 4, 4, 4)), ("37", 15, (4, 6, 5))]
    )
    number = _luhn_complete(prefix, length, rng)
    sep = rng.choice([" ", "-", ""])
    parts, at = [], 0
    for g in groups:
        parts.append(number[at : at + g])
        at += g
    return sep.join(parts)


def _iban(rng: random.Random) -> str:
    country, bban = rng.choice(
        [
            ("DE", "".join(rng.choice(string.digits) for _ in range(18))),
            ("GB", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + "".join(rng.choice(string.digits) for _ in range(14))),
            ("NL", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + "".join(rng.choice(string.digits) for _ in range(10))),
            ("ES", "".join(rng.choice(string.digits) for _ in range(20))),
        ]
    )
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if rng.random() < 0.6 else iban


def _phone(rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    area = rng.choice(["212", "415", "646", "312", "617", "206"])
    exchange = str(rng.randint(200, 999))
    return rng.choice(
        [
            f"+1 ({area}) {exchange}-{d(4)}",
            f"{area}-{exchange}-{d(4)}",
            f"({area}) {exchange} {d(4)}",
            f"+44 20 7946 0{d(3)}",
            f"+49 30 {d(8)}",
            f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}",
        ]
    )


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _ip(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return f"2001:db8:{rng.randint(0, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
    return f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _address(rng: random.Random) -> str:
    city, state = rng.choice(CITIES)
    return (
        f"{rng.randint(10, 9899)} {rng.choice(STREETS)} {rng.choice(STREET_SUFFIXES)}, "
        f"{city}, {state} {rng.randint(10000, 99999)}"
    )


def _pii_sentence(kind: str, rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if kind == "name":
        return rng.choice(
            [
                f"My name is {first} {last} and I joined the team last month.",
                f"Please forward this to {first} {last} in accounting before Thursday.",
                f"Hi, this is {first} {last} from the billing team, following up on my earlier note.",
            ]
        )
    if kind == "email":
        mail = f"{first.lower()}.{last.lower()}@{rng.choice(MAIL_DOMAINS)}"
        return rng.choice([f"You can reach me at {mail} if anything is unclear.", f"Send the invoice copy to {mail}, please."])
    if kind == "phone":
        return rng.choice([f"Call me on {_phone(rng)} after five.", f"My mobile number is {_phone(rng)} in case the line drops."])
    if kind == "card":
        return f"The charge on my card {_card(rng)} appeared twice this month."
    if kind == "iban":
        return f"Please refund the amount to IBAN {_iban(rng)} instead of the card."
    if kind == "ip":
        return f"The login attempts all came from {_ip(rng)} according to the access log."
    if kind == "ssn":
        return f"For the tax form, my social security number is {_ssn(rng)}."
    return rng.choice([f"Ship the replacement to {_address(rng)}.", f"I moved last month; my new address is {_address(rng)}."])


PII_KINDS = ("name", "email", "phone", "card", "iban", "ip", "ssn", "address")


def make_text(rng: random.Random, length: int, with_pii: bool) -> str:
    """Chat prose of exactly `length` characters; with PII of several kinds when asked
    (2-4 items per 1,000 characters), every PII sentence whole inside the cut."""
    pii: list[str] = []
    if with_pii:
        per_kb = rng.randint(2, 4)
        count = max(2, per_kb * length // 1000)
        kinds = rng.sample(PII_KINDS, k=min(per_kb, len(PII_KINDS)))
        pii = [_pii_sentence(kinds[i % len(kinds)], rng) for i in range(count)]
    for _ in range(50):
        sentences: list[str] = []
        remaining = list(pii)
        size = 0
        while size < length:
            room = max(1.0, (length - size - 150) / 95)  # sentences that still fit, roughly
            if remaining and rng.random() < len(remaining) / room:
                sentences.append(remaining.pop())
            else:
                sentences.append(rng.choice(BENIGN))
            size += len(sentences[-1]) + 1
        text = " ".join(sentences)[:length]
        if all(p in text for p in pii):
            return text
    raise RuntimeError("could not place the PII sentences inside the message")


def make_texts(count: int, length: int, seed: int) -> tuple[list[str], int]:
    """`count` messages of `length` characters and how many of them carry PII."""
    rng = random.Random(seed)
    flags = [rng.random() < PII_SHARE for _ in range(count)]
    return [make_text(rng, length, flag) for flag in flags], sum(flags)


# ----------------------------------------------------------------------------- engines


@contextlib.contextmanager
def sockets_refused() -> Iterator[list[str]]:
    """Refuse (and record) every outbound connection and DNS lookup in this process."""
    attempts: list[str] = []

    def refuse(what: str) -> Callable[..., object]:
        def _refuse(*args: object, **kwargs: object) -> object:
            attempts.append(f"{what}{args[1:2] if what == 'connect' else args[:1]}")
            raise OSError(f"benchmark runs offline: {what} refused")

        return _refuse

    with (
        mock.patch.object(socket.socket, "connect", refuse("connect")),
        mock.patch.object(socket.socket, "connect_ex", refuse("connect")),
        mock.patch.object(socket, "getaddrinfo", refuse("getaddrinfo")),
    ):
        yield attempts


@contextlib.contextmanager
def offline_presidio_email() -> Iterator[None]:
    """Presidio's e-mail recognizer validates domains with the module-level
    `tldextract.extract`, which fetches the Public Suffix List over HTTP; while this is
    active it uses an extractor that reads only the snapshot bundled in tldextract's wheel."""
    import tldextract
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    offline = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)
    with mock.patch.object(email_recognizer, "tldextract", SimpleNamespace(extract=offline)):
        yield


def build_vanilla() -> tuple[Callable[[str], list], Callable[[str, list], str]]:
    """Presidio's default analyzer (every predefined recognizer + the spaCy NER recognizer)
    over a blank English pipeline, and the default anonymizer."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        """SpacyNlpEngine whose load() uses spacy.blank("en") instead of downloading a model."""

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    nlp_engine = BlankSpacyNlpEngine()
    nlp_engine.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine)
    anonymizer = AnonymizerEngine()

    def analyze(text: str) -> list:
        return analyzer.analyze(text=text, language="en")

    def anonymize(text: str, results: list) -> str:
        return anonymizer.anonymize(text=text, analyzer_results=results).text

    analyze.recognizers = [r.name for r in registry.recognizers]  # type: ignore[attr-defined]
    return analyze, anonymize


# ----------------------------------------------------------------------------- measuring


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def timed(run: Callable[[str], object], texts: Sequence[str], out: list[float]) -> None:
    clock = time.perf_counter
    for text in texts:
        started = clock()
        run(text)
        out.append(clock() - started)


def measure(engines: dict[str, Callable[[str], object]], texts: Sequence[str], warmup: Sequence[str]) -> dict[str, list[float]]:
    """Per-message seconds of each engine over `texts`, engines alternating in blocks."""
    for run in engines.values():
        for text in warmup:
            run(text)
    gc.collect()
    durations: dict[str, list[float]] = {name: [] for name in engines}
    for at in range(0, len(texts), BLOCK):
        block = texts[at : at + BLOCK]
        for name, run in engines.items():
            timed(run, block, durations[name])
    return durations


def summary(durations: Sequence[float]) -> dict[str, float]:
    ordered = sorted(durations)
    return {
        "per_s": len(ordered) / sum(ordered),
        "p50_ms": percentile(ordered, 0.50) * 1000,
        "p95_ms": percentile(ordered, 0.95) * 1000,
    }


def recall(labelled: list[dict], found_by: Callable[[str], set[str]]) -> tuple[dict[str, tuple[int, int]], int]:
    """Per type (hits, pairs) over texts labelled with that type, and the number of texts
    without any pii/* label in which the engine masked one of the eight types."""
    per_type: dict[str, list[int]] = {t: [0, 0] for t in PII_TYPES}
    unlabelled_masked = 0
    for item in labelled:
        wanted = {label for label in item["labels"] if label.startswith("pii/")}
        found = found_by(item["text"])
        if not wanted:
            unlabelled_masked += bool(found)
        for pii_type in wanted:
            per_type[pii_type][1] += 1
            per_type[pii_type][0] += pii_type in found
    return {t: (hit, total) for t, (hit, total) in per_type.items()}, unlabelled_masked


def main() -> None:
    from schemas.screening import Message
    from streams.pii import apply_masks, default_analyzer, find_pii
    from streams.screening import scan_messages

    texts_1k, pii_1k = make_texts(N_1K, 1_000, SEED)
    texts_10k, pii_10k = make_texts(N_10K, 10_000, SEED + 1)
    warm_1k, _ = make_texts(WARMUP, 1_000, SEED + 2)
    warm_10k, _ = make_texts(WARMUP // 10, 10_000, SEED + 3)
    labelled = [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]
    started = time.perf_counter()

    with sockets_refused() as network_attempts, offline_presidio_email():
        build_started = time.perf_counter()
        scan_messages([Message(role="user", content="warm up")], policy=None)  # builds the analyzer
        ours_build_s = time.perf_counter() - build_started
        build_started = time.perf_counter()
        analyze, anonymize = build_vanilla()
        vanilla_build_s = time.perf_counter() - build_started

        def ours(text: str) -> list[Message]:
            return scan_messages([Message(role="user", content=text)], policy=None)[0]

        def ours_masking(text: str) -> str:
            return apply_masks(text, find_pii(text)).text

        def vanilla(text: str) -> str:
            return anonymize(text, analyze(text))

        small = measure({"ours": ours, "masking": ours_masking, "vanilla": vanilla}, texts_1k, warm_1k)
        large = measure({"ours": ours, "vanilla": vanilla}, texts_10k, warm_10k)

        def ours_types(text: str) -> set[str]:
            return {s.detector_type for s in scan_messages([Message(role="user", content=text)], policy=None)[1]}

        def vanilla_types(text: str) -> set[str]:
            return {VANILLA_TO_DETECTOR[r.entity_type] for r in analyze(text) if r.entity_type in VANILLA_TO_DETECTOR}

        ours_recall, ours_fp = recall(labelled, ours_types)
        vanilla_recall, vanilla_fp = recall(labelled, vanilla_types)
        masks_ours = sum(len(scan_messages([Message(role="user", content=t)], policy=None)[1]) for t in texts_1k[:500])
        masks_vanilla = sum(len(analyze(t)) for t in texts_1k[:500])
    elapsed = time.perf_counter() - started
    ours_model = default_analyzer().engine.nlp_engine.model
    ours_pipeline = (
        "the same blank pipeline (no trained spaCy pipeline installed); its names come from its\n"
        "offline lexicon recognizer"
        if ours_model == "blank"
        else f"the installed trained pipeline `{ours_model}` (lexicon names + its NER)"
    )

    s_ours, s_mask, s_van = summary(small["ours"]), summary(small["masking"]), summary(small["vanilla"])
    l_ours, l_van = summary(large["ours"]), summary(large["vanilla"])
    speedup = s_ours["per_s"] / s_van["per_s"]

    def tick(ok: bool) -> str:
        return "**pass**" if ok else "**miss**"

    def rec(hit_total: Sequence[tuple[int, int]]) -> tuple[int, int, str]:
        hit, total = sum(h for h, _ in hit_total), sum(t for _, t in hit_total)
        return hit, total, f"{hit / total:.1%} ({hit}/{total})" if total else "–"

    rows = []
    for pii_type in PII_TYPES:
        (oh, ot), (vh, _) = ours_recall[pii_type], vanilla_recall[pii_type]
        if ot:
            rows.append(f"| `{pii_type}` | {ot} | {oh / ot:.1%} ({oh}) | {vh / ot:.1%} ({vh}) |")
    o_hit, o_total, o_cell = rec(list(ours_recall.values()))
    v_hit, _, v_cell = rec(list(vanilla_recall.values()))
    # The types vanilla can find without an NER model: like for like.
    _, no_ner_total, o_no_ner = rec([ours_recall[t] for t in NO_NER_TYPES])
    _, _, v_no_ner = rec([vanilla_recall[t] for t in NO_NER_TYPES])
    recall_ok = o_hit >= v_hit
    unlabelled = sum(1 for item in labelled if not any(x.startswith("pii/") for x in item["labels"]))
    rows_text = "\n".join(rows)

    body = f"""## Screening throughput and PII recall (ours vs vanilla Presidio)

`make bench` → `python -m tests.bench screening` · {machine_line()}

**ours** = the whole screening of one user message as the `screen` agent runs it:
`streams.screening.scan_messages([Message(role="user", content=text)], policy=None)` — every
detector of the built-in default policy (prompt_attack, moderated_content/*, unknown_links,
pii/*) plus PII masking. **vanilla** = Presidio {version("presidio-analyzer")} /
presidio-anonymizer {version("presidio-anonymizer")}: `AnalyzerEngine.analyze(text, language="en")`
with every default predefined recognizer (`RecognizerRegistry().load_predefined_recognizers()`:
{len(analyze.recognizers)} recognizers incl. the spaCy NER one) + `AnonymizerEngine().anonymize(text, results)`.

**Caveat — vanilla runs without a trained spaCy model.** Presidio's default NLP engine loads
`en_core_web_lg` and downloads it when missing; these machines have no internet and no trained
spaCy pipeline installs from PyPI, so vanilla's `SpacyNlpEngine` is given `spacy.blank("en")`
(spaCy {version("spacy")}, tokenizer only). Its NER therefore finds no PERSON / LOCATION (its name
and address recall below is 0 for that reason) and, with no lemmas, its context enhancement never
fires. With a trained pipeline, spaCy's NER is usually the bulk of Presidio's per-message time,
so **this setup favours vanilla's speed**; a stock install would be slower. Ours runs on
{ours_pipeline}. tldextract in Presidio's e-mail recognizer reads only its bundled suffix
snapshot; every socket connect and DNS
lookup was refused during the run ({len(network_attempts)} attempts).

Method: deterministic synthetic chat prose (seed {SEED}), exactly 1,000 or 10,000 characters per
message; {pii_1k:,} of the {N_1K:,} 1 KB and {pii_10k} of the {N_10K} 10 KB messages carry PII of 2-4 kinds (names, e-mails, US/UK/DE/FR phones,
Luhn-valid cards, mod-97-valid IBANs, IPv4/IPv6, SSNs, US street addresses; 2-4 items per 1,000
characters), the rest benign prose with numbers and dates. Single process, single thread,
`time.perf_counter` around each message; {WARMUP} (1 KB) / {WARMUP // 10} (10 KB) untimed warm-up
messages per engine first; ours and vanilla alternate in blocks of {BLOCK} messages so load drift
on the shared cores hits both. {N_1K:,} timed messages at 1,000 characters, {N_10K} at 10,000.
Throughput per core = messages / summed per-message time. Engine build time (not in the
figures): ours {ours_build_s:.2f} s, vanilla {vanilla_build_s:.2f} s. Whole run {elapsed:.0f} s.

| | ours | vanilla Presidio | ours / vanilla | target | |
| --- | ---: | ---: | ---: | --- | --- |
| throughput, 1,000 chars (messages/s per core) | {s_ours["per_s"]:,.0f} | {s_van["per_s"]:,.0f} | {speedup:.2f}x | ≥ 5x | {tick(speedup >= 5)} |
| p50, 1,000 chars (ms) | {s_ours["p50_ms"]:.2f} | {s_van["p50_ms"]:.2f} | {s_ours["p50_ms"] / s_van["p50_ms"]:.2f} | | |
| p95, 1,000 chars (ms) | {s_ours["p95_ms"]:.2f} | {s_van["p95_ms"]:.2f} | {s_ours["p95_ms"] / s_van["p95_ms"]:.2f} | < 5 ms | {tick(s_ours["p95_ms"] < 5)} |
| p50, 10,000 chars (ms) | {l_ours["p50_ms"]:.2f} | {l_van["p50_ms"]:.2f} | {l_ours["p50_ms"] / l_van["p50_ms"]:.2f} | | |
| p95, 10,000 chars (ms) | {l_ours["p95_ms"]:.2f} | {l_van["p95_ms"]:.2f} | {l_ours["p95_ms"] / l_van["p95_ms"]:.2f} | | |
| PII recall, labelled set (all types) | {o_cell} | {v_cell} | | ≥ vanilla | {tick(recall_ok)} |

Of ours' time at 1,000 characters, PII detection + masking alone (`find_pii` + `apply_masks`,
measured in the same blocks) takes p50 {s_mask["p50_ms"]:.2f} ms / p95 {s_mask["p95_ms"]:.2f} ms
({s_mask["per_s"]:,.0f} messages/s); the rest is the other detectors and the verdict inputs.
Findings on the first 500 1 KB messages: ours masked {masks_ours}, vanilla returned
{masks_vanilla} (vanilla also reports types outside the eight, e.g. DATE_TIME, URL).

PII recall on tests/data/labelled_texts.jsonl ({len(labelled)} texts, {sum(1 for i in labelled if any(x.startswith("pii/") for x in i["labels"]))} with
pii/* labels): for each text and each pii/* type it is labelled with, whether the engine found
that type anywhere in the text. Ours: the masked spans of `scan_messages`. Vanilla: every result
`analyze` returns (default score threshold 0, i.e. everything its anonymizer masks), entity names
mapped PERSON→name, EMAIL_ADDRESS→email, PHONE_NUMBER→phone_number, CREDIT_CARD→credit_card,
IBAN_CODE→iban_code, IP_ADDRESS→ip_address, US_SSN→us_social_security_number,
LOCATION/ADDRESS→address.

| type | labelled (text, type) pairs | ours | vanilla Presidio |
| --- | ---: | ---: | ---: |
{rows_text}
| **all types** | {o_total} | {o_cell} | {v_cell} |
| the six types vanilla finds without NER (all but name, address) | {no_ner_total} | {o_no_ner} | {v_no_ner} |
| texts without pii/* labels where one of the eight types was masked | {unlabelled} | {ours_fp} | {vanilla_fp} |
"""
    write_section("screening", body)
    print(body)
