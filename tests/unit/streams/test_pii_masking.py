"""streams.pii public API: masks, offsets, overlaps, determinism, offline operation."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.screening import PiiSpan
from streams.pii import (
    PII_MASKS,
    MaskedText,
    PiiFinding,
    apply_masks,
    build_analyzer,
    find_pii,
    mask_pii,
    resolve_overlaps,
)

REPO = Path(__file__).resolve().parents[3]
SEED = "My name is David Haber, please email me at support@lakera.ai"


def assert_spans_point_at_masks(result: MaskedText) -> None:
    previous_end = 0
    for span in result.spans:
        assert result.text[span.start : span.end] == PII_MASKS[span.detector_type]
        assert span.start >= previous_end, "spans must be sorted and disjoint"
        previous_end = span.end


# --------------------------------------------------------------------------- contract


def test_seed_example_is_masked_exactly() -> None:
    result = mask_pii(SEED)
    assert result.text == "My name is <NAME>, please email me at <EMAIL>"
    assert result.spans == [
        PiiSpan(detector_type="pii/name", start=11, end=17, message_index=0),
        PiiSpan(detector_type="pii/email", start=38, end=45, message_index=0),
    ]


def test_masks_are_the_contract_ones() -> None:
    assert PII_MASKS == {
        "pii/name": "<NAME>",
        "pii/email": "<EMAIL>",
        "pii/phone_number": "<PHONE_NUMBER>",
        "pii/credit_card": "<CREDIT_CARD>",
        "pii/iban_code": "<IBAN_CODE>",
        "pii/ip_address": "<IP_ADDRESS>",
        "pii/us_social_security_number": "<US_SSN>",
        "pii/address": "<ADDRESS>",
    }


def test_find_pii_returns_raw_spans_sorted_and_disjoint() -> None:
    findings = find_pii(SEED)
    assert [(f.detector_type, SEED[f.start : f.end]) for f in findings] == [
        ("pii/name", "David Haber"),
        ("pii/email", "support@lakera.ai"),
    ]
    assert all(isinstance(f, PiiFinding) and isinstance(f.score, float) and 0 < f.score <= 1 for f in findings)
    with pytest.raises(AttributeError):
        findings[0].start = 0  # type: ignore[misc]  # frozen


def test_every_detector_type_has_a_mask_and_spans_use_them() -> None:
    text = (
        "Hi, I'm Sarah Johnson (sarah.johnson@example.com, +1 212 555 0187). Card 4111 1111 1111 1111, "
        "IBAN DE89 3704 0044 0532 0130 00, SSN 234-56-7890, laptop 192.168.1.20, "
        "home 1600 Pennsylvania Avenue NW, Washington, DC 20500."
    )
    result = mask_pii(text)
    assert {s.detector_type for s in result.spans} == set(PII_MASKS)
    assert_spans_point_at_masks(result)


# ------------------------------------------------------------------------ positions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("support@lakera.ai", "<EMAIL>"),
        ("David Haber wrote this", "<NAME> wrote this"),
        ("write to support@lakera.ai", "write to <EMAIL>"),
        ("a@example.com,b@example.org", "<EMAIL>,<EMAIL>"),
        ("support@lakera.ai 4111111111111111", "<EMAIL> <CREDIT_CARD>"),
        ("(212) 555-0187\n192.168.0.1", "<PHONE_NUMBER>\n<IP_ADDRESS>"),
    ],
)
def test_pii_at_start_end_and_adjacent(text: str, expected: str) -> None:
    result = mask_pii(text)
    assert result.text == expected
    assert_spans_point_at_masks(result)


def test_offsets_shift_correctly_with_masks_longer_and_shorter_than_values() -> None:
    text = "x a@b.io y 4111 1111 1111 1111 z Sarah Johnson w 10.0.0.1 v"
    result = mask_pii(text)
    assert result.text == "x <EMAIL> y <CREDIT_CARD> z <NAME> w <IP_ADDRESS> v"
    assert [(s.start, s.end) for s in result.spans] == [(2, 9), (12, 25), (28, 34), (37, 49)]


def test_offsets_are_python_string_indices_with_non_ascii_text() -> None:
    result = mask_pii("🙂 Grüße! Mail: jürgen@example.de")
    assert result.text == "🙂 Grüße! Mail: <EMAIL>"
    assert_spans_point_at_masks(result)


def test_message_index_is_copied_onto_spans() -> None:
    messages = ["Hello, my name is David Haber.", "No PII here.", "Mail me at support@lakera.ai"]
    spans = [span for index, message in enumerate(messages) for span in mask_pii(message, message_index=index).spans]
    assert [(s.detector_type, s.message_index) for s in spans] == [("pii/name", 0), ("pii/email", 2)]


@pytest.mark.parametrize("text", ["", " ", "\n\t", "Summarise the attached quarterly report in three bullet points."])
def test_text_without_pii_is_unchanged(text: str) -> None:
    assert mask_pii(text) == MaskedText(text=text, spans=[])
    assert find_pii(text) == []


def test_raw_values_never_survive_masking() -> None:
    values = [
        "David Haber",
        "support@lakera.ai",
        "+44 20 7946 0958",
        "4111-1111-1111-1111",
        "GB82 WEST 1234 5698 7654 32",
        "2001:db8::8a2e:370:7334",
        "234-56-7890",
        "221B Baker Street, London NW1 6XE",
    ]
    text = "Dear team, " + "; ".join(values) + ". Thanks!"
    masked = mask_pii(text).text
    for value in values:
        assert value not in masked
    # Not even a fragment of a number with 4+ digits survives.
    for token in ("1111", "0958", "5698", "7890", "8a2e"):
        assert token not in masked


def test_same_input_same_output_across_calls_and_fresh_engines() -> None:
    text = "Call Maria Garcia at 212-555-0187 or email maria@example.com; ship to 42 Main St, Springfield, IL 62701."
    first = mask_pii(text)
    assert mask_pii(text) == first
    assert build_analyzer("blank").mask(text) == first


# ------------------------------------------------------------------------- overlaps


def finding(detector: str, start: int, end: int, score: float) -> PiiFinding:
    return PiiFinding(detector_type=detector, start=start, end=end, score=score)


def test_overlap_higher_score_wins() -> None:
    low = finding("pii/phone_number", 0, 10, 0.4)
    high = finding("pii/credit_card", 5, 20, 1.0)
    assert resolve_overlaps([low, high]) == [high]


def test_overlap_equal_score_longer_span_wins() -> None:
    short = finding("pii/name", 3, 8, 0.85)
    long = finding("pii/address", 0, 30, 0.85)
    assert resolve_overlaps([short, long]) == [long]


def test_overlap_exact_tie_is_deterministic() -> None:
    a = finding("pii/name", 0, 5, 0.7)
    b = finding("pii/address", 0, 5, 0.7)
    assert resolve_overlaps([a, b]) == resolve_overlaps([b, a]) == [a]


def test_touching_spans_both_kept_and_sorted() -> None:
    a = finding("pii/email", 10, 20, 1.0)
    b = finding("pii/name", 0, 10, 0.5)
    assert resolve_overlaps([a, b]) == [b, a]


def test_apply_masks_rejects_overlaps_and_computes_offsets() -> None:
    text = "0123456789abcdef"
    result = apply_masks(text, [finding("pii/name", 2, 4, 1.0), finding("pii/email", 10, 16, 1.0)], message_index=3)
    assert result.text == "01<NAME>456789<EMAIL>"
    assert result.spans == [
        PiiSpan(detector_type="pii/name", start=2, end=8, message_index=3),
        PiiSpan(detector_type="pii/email", start=14, end=21, message_index=3),
    ]
    with pytest.raises(ValueError):
        apply_masks(text, [finding("pii/name", 0, 5, 1.0), finding("pii/email", 4, 8, 1.0)])


def test_finding_rejects_unknown_detector_and_empty_span() -> None:
    with pytest.raises(ValueError):
        finding("pii/passport", 0, 1, 1.0)
    with pytest.raises(ValueError):
        finding("pii/name", 3, 3, 1.0)


# -------------------------------------------------------------------------- offline


def test_works_with_the_network_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("streams.pii tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    analyzer = build_analyzer()  # fresh engine: spaCy pipeline, suffix list, recognizers
    assert analyzer.mask(SEED).text == "My name is <NAME>, please email me at <EMAIL>"
    assert analyzer.mask("mail a.b@sub.example.co.uk").text == "mail <EMAIL>"


def test_import_and_first_use_are_offline_in_a_fresh_process(tmp_path: Path) -> None:
    # Blocks sockets before anything is imported, and points HOME/XDG caches at
    # an empty directory so nothing can come from a previous download either.
    code = (
        "import socket\n"
        "def boom(*a, **k): raise SystemExit('network used')\n"
        "socket.socket.connect = boom; socket.create_connection = boom; socket.getaddrinfo = boom\n"
        "from streams.pii import mask_pii\n"
        f"print(mask_pii({SEED!r}).text)\n"
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(REPO)}
    env.pop("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", None)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "My name is <NAME>, please email me at <EMAIL>"
    assert not (tmp_path / "cache").exists(), "nothing may be cached on disk"


def test_missing_spacy_model_falls_back_to_blank_without_download(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy.cli

    from streams.pii.nlp import BLANK, resolve_model

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("must never download a spaCy model")

    monkeypatch.setattr(spacy.cli, "download", no_download)
    assert resolve_model("blank") == BLANK
    assert resolve_model("en_core_web_does_not_exist") == BLANK
    analyzer = build_analyzer("en_core_web_does_not_exist")
    assert analyzer.mask(SEED).text == "My name is <NAME>, please email me at <EMAIL>"


def test_trained_pipeline_path_adds_spacy_person_entities(tmp_path: Path) -> None:
    # Stand-in for en_core_web_sm (not installable offline): a saved pipeline
    # whose entity ruler tags PERSON, loaded through the same code path.
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": [{"LOWER": "zorblax"}, {"LOWER": "quux"}]}])
    nlp.to_disk(tmp_path / "pipeline")

    analyzer = build_analyzer(str(tmp_path / "pipeline"))
    assert analyzer.engine.nlp_engine.is_trained
    text = "The ticket was filed by Zorblax Quux and sent to support@lakera.ai."
    assert analyzer.mask(text).text == "The ticket was filed by <NAME> and sent to <EMAIL>."
    assert mask_pii(text).text == "The ticket was filed by Zorblax Quux and sent to <EMAIL>."  # lexicons alone miss it


def test_nlp_engine_bounds_spacy_string_store_without_changing_tokens() -> None:
    from streams.pii.nlp import OfflineSpacyNlpEngine

    engine = OfflineSpacyNlpEngine("blank", max_strings=3_000)
    engine.load()
    probe = "Call Maria at 212-555-0187, ok?"
    before = engine.process_text(probe, "en")
    first_pipeline = engine.nlp["en"]
    for i in range(400):
        engine.process_text(f"token{i}a token{i}b token{i}c token{i}d token{i}e", "en").tokens  # force compute
    assert engine.nlp["en"] is not first_pipeline, "pipeline should have been refreshed"
    assert len(engine.nlp["en"].vocab.strings) <= 3_000 + 50
    after = engine.process_text(probe, "en")
    assert (after.tokens, after.lemmas, after.tokens_indices) == (before.tokens, before.lemmas, before.tokens_indices)


def test_no_file_io_imports_or_sockets_at_call_time() -> None:
    # Audit hooks cannot be removed, so this runs in its own process: after the
    # engine is built, masking texts from many countries must not open files,
    # import modules (e.g. phonenumbers' per-country metadata) or touch sockets.
    code = (
        "import sys\n"
        "from streams.pii import build_analyzer\n"
        "analyzer = build_analyzer('blank')\n"
        "events = []\n"
        "def hook(event, args):\n"
        "    if event in ('open', 'import', 'socket.connect', 'socket.getaddrinfo', 'subprocess.Popen'):\n"
        "        events.append((event, str(args[0])[:80]))\n"
        "sys.addaudithook(hook)\n"
        "for text in [\n"
        "    'Call +81 3-1234-5678, +86 10 1234 5678, +7 495 123-45-67, +61 2 9374 4000, 020 7946 0958',\n"
        "    'IBAN NO93 8601 1117 947, PT50 0002 0123 1234 5678 9015 4, SA03 8000 0000 6080 1016 7519',\n"
        "    'Hi Zoë Müller, mail jörg@example.de or x@y.co.jp; IP fe80::1; SSN 234-56-7890',\n"
        "    '221B Baker Street, London NW1 6XE; card 4111 1111 1111 1111',\n"
        "]:\n"
        "    analyzer.mask(text)\n"
        "print(events)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
