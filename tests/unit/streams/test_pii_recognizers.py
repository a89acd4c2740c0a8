"""streams.pii detection quality per PII type: what must be masked and what must not."""

from __future__ import annotations

import random

import pytest
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from streams.pii import find_pii, mask_pii
from streams.pii.phone import WindowedPhoneRecognizer
from streams.pii.recognizers import luhn_valid


def masked_values(text: str) -> list[tuple[str, str]]:
    """(detector_type, raw value) for each finding."""
    return [(f.detector_type, text[f.start : f.end]) for f in find_pii(text)]


def assert_masked_as(text: str, value: str, detector: str) -> None:
    assert (detector, value) in masked_values(text), masked_values(text)
    assert value not in mask_pii(text).text


def assert_not_masked(text: str, value: str) -> None:
    assert value in mask_pii(text).text, masked_values(text)


# --------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    "email",
    [
        "support@lakera.ai",
        "jane.doe@mail.example.co.uk",
        "john+newsletter@example.com",
        "First.Last@Sub.Domain.Example.ORG",
        "o'brien@example.ie",
        "ops@build.internal",  # private TLD: still someone's mailbox
    ],
)
def test_email_formats(email: str) -> None:
    assert_masked_as(f"Contact: {email}.", email, "pii/email")


@pytest.mark.parametrize("text", ["user@localhost", "ping me @john", "version 2@3.x", "foo@bar"])
def test_not_emails(text: str) -> None:
    assert not [d for d, _ in masked_values(text) if d == "pii/email"]


# ---------------------------------------------------------------------- credit card


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",  # Visa, spaces
        "4111-1111-1111-1111",  # dashes
        "4111111111111111",  # plain
        "5555 5555 5555 4444",  # Mastercard
        "2223 0031 2200 3222",  # Mastercard 2-series (Presidio's pattern misses it)
        "3782 822463 10005",  # Amex 4-6-5
        "6011111111111117",  # Discover
        "4111 1111 1111 1111 003",  # 19 digits
    ],
)
def test_credit_card_formats(card: str) -> None:
    assert luhn_valid(card.replace(" ", "").replace("-", ""))
    assert_masked_as(f"my card is {card} thanks", card, "pii/credit_card")


@pytest.mark.parametrize("number", ["4111 1111 1111 1112", "4111111111111112", "1234 5678 9012 3456"])
def test_card_failing_luhn_is_not_masked(number: str) -> None:
    assert not luhn_valid(number.replace(" ", ""))
    assert_not_masked(f"Card: {number}.", number)


# ----------------------------------------------------------------------------- IBAN


@pytest.mark.parametrize(
    "iban",
    [
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91ABNA0417164300",
        "ES91 2100 0418 4502 0005 1332",
        "CH93 0076 2011 6238 5295 7",
        "IT60 X054 2811 1010 0000 0123 456",
    ],
)
def test_iban_countries(iban: str) -> None:
    assert_masked_as(f"Please wire it to {iban} today.", iban, "pii/iban_code")


@pytest.mark.parametrize("bad", ["DE89 3704 0044 0532 0130 01", "GB83 WEST 1234 5698 7654 32"])
def test_iban_with_bad_checksum_is_not_masked(bad: str) -> None:
    assert not [d for d, _ in masked_values(f"IBAN {bad}") if d == "pii/iban_code"]


# ---------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "phone",
    [
        "(212) 555-0187",
        "212-555-0187",
        "212.555.0187",
        "+1 212 555 0187",
        "+44 20 7946 0958",
        "020 7946 0958",
        "+49 30 12345678",
        "+33 1 42 68 53 00",
        "+91 98765 43210",
        "555-123-4567",  # fictional, rejected by libphonenumber, still phone-shaped
    ],
)
def test_phone_formats(phone: str) -> None:
    assert_masked_as(f"Call me on {phone} after 5pm.", phone, "pii/phone_number")


def test_plain_numbers_are_not_phones() -> None:
    for text in ["We sold 1200 units in 2024.", "Order 42 shipped on 2024-01-15.", "Pi is 3.14159."]:
        assert mask_pii(text).text == text


def test_windowed_phone_matching_equals_presidio_on_realistic_text() -> None:
    # The windowing is a speed-up only: it must find what Presidio's recognizer finds.
    numbers = ["+1 (212) 555-0187", "212-555-0187", "020 7946 0958", "+44 20 7946 0958", "030 12345678",
               "+49 30 12345678", "01 23 45 67 89", "03-1234567", "+91 98765 43210", "(11) 91234-5678",
               "1-800-555-0199", "4111 1111 1111 1111", "2024", "234-56-7890", "192.168.1.1", "12:30",
               "+1 212 555 0187 ext. 12"]
    words = "call me at or the number is phone room on March in and please order id ref".split()
    rng = random.Random(5)
    presidio, ours = PhoneRecognizer(), WindowedPhoneRecognizer()
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 8)):
            parts += [rng.choice(numbers), " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))]
        text = " ".join(parts)
        expected = {(r.start, r.end) for r in presidio.analyze(text, ["PHONE_NUMBER"])}
        assert {(r.start, r.end) for r in ours.analyze(text, ["PHONE_NUMBER"])} == expected, text


# ------------------------------------------------------------------------------- IP


@pytest.mark.parametrize(
    "ip", ["192.168.1.10", "10.0.0.255", "8.8.8.8", "2001:db8::8a2e:370:7334", "fe80::1ff:fe23:4567:890a", "::1"]
)
def test_ip_addresses(ip: str) -> None:
    assert_masked_as(f"The host {ip} answered.", ip, "pii/ip_address")


@pytest.mark.parametrize(
    "text", ["999.1.1.1", "version 1.2.3", "at 12:30:45", "pip classifiers: Programming Language :: Python :: 3"]
)
def test_not_ip_addresses(text: str) -> None:
    assert not [d for d, _ in masked_values(text) if d == "pii/ip_address"]


# ------------------------------------------------------------------------------ SSN


@pytest.mark.parametrize(
    ("text", "ssn"),
    [
        ("SSN 234-56-7890 on file", "234-56-7890"),
        ("number 234 56 7890 on file", "234 56 7890"),
        ("my social security number is 234567890", "234567890"),
        ("ssn: 536-22-1234", "536-22-1234"),
    ],
)
def test_ssn_formats(text: str, ssn: str) -> None:
    assert_masked_as(text, ssn, "pii/us_social_security_number")


@pytest.mark.parametrize(
    "invalid",
    [
        "000-12-3456",  # area 000 never issued
        "666-12-3456",  # area 666 never issued
        "923-45-6789",  # areas 900-999 never issued
        "234-00-7890",  # group 00
        "234-56-0000",  # serial 0000
        "111-11-1111",  # one repeated digit
        "078-05-1120",  # the famous Woolworth sample card
    ],
)
def test_invalid_ssns_are_not_masked(invalid: str) -> None:
    assert not [d for d, _ in masked_values(f"SSN {invalid}") if d == "pii/us_social_security_number"]


def test_bare_nine_digits_need_ssn_context() -> None:
    assert not [d for d, _ in masked_values("Invoice 234567890 paid") if d == "pii/us_social_security_number"]


# -------------------------------------------------------------------------- address


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Ship to 1600 Pennsylvania Avenue NW, Washington, DC 20500 asap.",
            "1600 Pennsylvania Avenue NW, Washington, DC 20500",
        ),
        ("I live at 42 Main St, Springfield, IL 62701.", "42 Main St, Springfield, IL 62701"),
        (
            "Office: 350 Fifth Avenue, Suite 3300, New York, NY 10118",
            "350 Fifth Avenue, Suite 3300, New York, NY 10118",
        ),
        ("Send it to 42 W. 5th St. Apt 3B please", "42 W. 5th St. Apt 3B"),
        ("We met at 221B Baker Street, London NW1 6XE.", "221B Baker Street, London NW1 6XE"),
        ("Adresse: Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"),
        ("Bureau au 12 rue de la Paix, 75002 Paris.", "12 rue de la Paix, 75002 Paris"),
        ("Mail P.O. Box 1234, Springfield, IL 62701", "P.O. Box 1234, Springfield, IL 62701"),
    ],
)
def test_street_addresses(text: str, address: str) -> None:
    assert_masked_as(text, address, "pii/address")


@pytest.mark.parametrize(
    "text",
    [
        "I bought 3 apples on the street.",
        "In 2023 Google Drive grew fast.",
        "It took 5 days during the move.",
        "Read chapter 4 of the Way of Kings.",
    ],
)
def test_not_addresses(text: str) -> None:
    assert not [d for d, _ in masked_values(text) if d == "pii/address"]


# ---------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("My name is David Haber.", "David Haber"),
        ("my name is david haber", "david haber"),
        ("Dear Mr. Thompson, thanks.", "Thompson"),
        ("Dr. Grant will see you.", "Grant"),
        ("Dr. German will see you.", "German"),
        ("Best regards,\nMaria Garcia", "Maria Garcia"),
        ("Hi, this is Satya Nadella from sales.", "Satya Nadella"),
        ("John Smith will join the call.", "John Smith"),
        ("Forward it to Will Smith.", "Will Smith"),
        ("Please ask Priya about it.", "Priya"),
        ("Ludwig van Beethoven wrote nine symphonies.", "Ludwig van Beethoven"),
        ("Mary-Jane O'Neil called.", "Mary-Jane O'Neil"),
        ("Meeting with Jean-Luc Picard and John F. Kennedy.", "John F. Kennedy"),
        ("Jennifer's laptop is broken.", "Jennifer"),
        ("JOHN SMITH, 12 JUNE", "JOHN SMITH"),
    ],
)
def test_names(text: str, name: str) -> None:
    assert_masked_as(text, name, "pii/name")


@pytest.mark.parametrize(
    "text",
    [
        "Will you mark the date in May?",
        "We fly to Jordan and Paris in August.",
        "Hope is not a strategy.",
        "Grant access to Chase Bank.",
        "The API returns JSON from Python on Linux.",
        "Lives in St. Louis; San Jose is nice.",
        "Thanks, Team!",
        "I am happy to help.",
        "Help you monitor your AI apps.",
        "def hi(name: Annotated[int, Len(3)]) -> Mark: ...",
        "An AI-drafted reply; see annotated_types.Len and `Grace()`.",
        "Translate 'where is the train station' into German.",
        "Answer in plain English, then in French and Dutch.",
    ],
)
def test_words_that_look_like_names_are_not_masked(text: str) -> None:
    assert mask_pii(text).text == text, masked_values(text)


def test_the_cheap_gate_never_skips_a_recognizer_that_would_find_something() -> None:
    """`entities_for` skips recognizers by the shapes their matches need; running every
    recognizer on the labelled set and on generated texts finds nothing the gate left out."""
    import json
    from pathlib import Path

    from streams.pii import entities
    from streams.pii.analyzer import LANGUAGE, default_analyzer
    from tests.bench.bench_screening import make_texts

    analyzer = default_analyzer()
    labelled = Path(__file__).resolve().parents[2] / "data" / "labelled_texts.jsonl"
    texts = [json.loads(line)["text"] for line in labelled.read_text().splitlines() if line.strip()]
    texts += make_texts(300, 1000, seed=7)[0]
    everything = list(entities.ENTITY_TO_DETECTOR)
    for text in texts:
        gated = set(analyzer.entities_for(text))
        for result in analyzer.engine.analyze(text=text, language=LANGUAGE, entities=everything):
            if result.score >= entities.MASK_SCORE_THRESHOLD:
                assert result.entity_type in gated, (result.entity_type, text[result.start : result.end])
