"""Street-address recognizer (Presidio PatternRecognizer, regex only).

Presidio has no street-address recognizer; vanilla setups lean on spaCy NER,
which only tags city/country names. Lakera's `pii/address` is about postal
addresses, so we match their common written shapes:

* US/UK/AU style: "1600 Pennsylvania Avenue NW, Washington, DC 20500",
  "221B Baker Street, London NW1 6XE", "42 W. 5th St., Apt 3B"
* German/Dutch/Nordic: "Hauptstraße 5, 10115 Berlin", "Keizersgracht 123"
* French/Spanish/Italian/Portuguese: "12 rue de la Paix, 75002 Paris",
  "Via Roma 10", "Calle Mayor 5"
* PO boxes: "P.O. Box 1234"

A bare street line scores 0.55; with a city, state, ZIP or postcode it scores
0.85 (both above the mask threshold). Matching is case-sensitive on purpose:
street names are capitalised, and "3 apples on the street" is not an address.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer

from streams.pii import entities

_NUMBER = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"
_DIRECTION = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?"
# A street-name word: Capitalised ("Baker", "O'Neil", "St.") or an ordinal ("5th").
_WORD = r"(?:\p{Lu}[\p{L}'’.-]*|\d{1,3}(?:st|nd|rd|th))"
_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|"
    r"Place|Pl|Plaza|Square|Sq|Terrace|Ter|Way|Parkway|Pkwy|Circle|Cir|Highway|Hwy|"
    r"Trail|Trl|Crescent|Cres|Close|Row|Walk|Alley|Loop|Path|Pike|Route|Rte|"
    r"Expressway|Expy|Freeway|Fwy|Causeway|Grove|Gardens|Mews|Heights|Broadway|"
    r"STREET|AVENUE|ROAD|BOULEVARD|LANE|DRIVE)"
)
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room|Bldg|Building|#)\.?\s*#?\s*[A-Za-z0-9-]{1,6}\b)"
_STATES = (
    r"(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|"
    r"MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)"
)
_ZIP = r"\d{5}(?:-\d{4})?"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}"
# No "." inside city words, or "Berlin. FR" would read as a two-word city.
_CITY = r"(?:(?:St|Ste|Mt|Ft)\.\s)?\p{Lu}[\p{L}'’-]+(?:\s\p{Lu}[\p{L}'’-]+){0,2}"
# What may follow a street line to make it a full postal address.
_LOCALITY = (  # longest alternatives first: the first that matches wins
    rf"(?:,\s*{_CITY},?\s+{_STATES}\b(?:,?\s+{_ZIP}\b)?"  # ", Springfield, IL 62701"
    rf"|,\s*{_CITY},?\s+(?:{_ZIP}|{_UK_POSTCODE})\b"  # ", London NW1 6XE"
    rf"|,?\s*(?:{_ZIP}|\d{{4}})\s+{_CITY}"  # ", 75002 Paris", ", 1010 Wien"
    rf"|,?\s+(?:{_ZIP}|{_UK_POSTCODE})\b"  # ", 10115" or " NW1 6XE"
    rf"|,\s*{_CITY}(?=\s*(?:[.;!?)\n]|$)))"  # ", London." at the end of a clause
)

# "1600 Pennsylvania Avenue NW", "42 W. 5th St. Apt 3B": number, 1-4 words, suffix.
_US_STREET = (
    rf"\b{_NUMBER}\s+(?:{_DIRECTION}\s+)?(?:{_WORD}\s+){{1,4}}?{_SUFFIX}\b\.?"
    rf"(?:\s+{_DIRECTION}(?!\w))?{_UNIT}?"
)
# "Hauptstraße 5", "Keizersgracht 123", "Berliner Straße 12a". The compound must
# start with a capital so "during 5" never reads as "...ring 5".
_GERMANIC_STREET = (
    r"\b(?:\p{Lu}[\p{L}-]*?(?:straße|strasse|str\.|weg|gasse|platz|allee|straat|laan|plein|gracht|"
    r"gatan|vägen|vej|veien)"
    r"|\p{Lu}[\p{L}-]*[ -](?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee))"
    r"\s+\d{1,4}(?:\s?[a-zA-Z](?!\p{L}))?(?!\d)"
)
_ROMANCE_NUMBER_FIRST = (
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+"
    r"(?:rue|Rue|avenue|Avenue|boulevard|Boulevard|bd|place|Place|chemin|Chemin|allée|Allée|impasse|quai|Quai)\s+"
    r"(?:(?:de|du|des|la|le|l'|l’|d'|d’)\s*)*\p{Lu}[\p{L}'’-]*(?:\s\p{Lu}[\p{L}'’-]*){0,3}"
)
_ROMANCE_NAME_FIRST = (
    r"\b(?:Via|Viale|Piazza|Corso|Calle|Avenida|Rua|Carrer|Paseo|Plaza)\s+"
    r"(?:(?:de|del|della|di|da|do|dos|das|la)\s+)*\p{Lu}[\p{L}'’-]*(?:\s\p{Lu}[\p{L}'’-]*){0,2},?\s+\d{1,4}[a-z]?\b"
)
_PO_BOX = r"\b(?:P\.?\s?O\.?\s?Box|PO\sBox|Post\sOffice\sBox|Postfach)\s+\d{1,8}\b"

# The gate (`may_hold_address`): what every street line contains, wherever it is. Number-first
# lines (US/UK, French) have a house number, whitespace, then a capital, an ordinal or a
# French street word; the others a street word right before their number, or a leading
# Italian/Spanish/Portuguese street word.
_NUMBER_THEN_STREET = re.compile(
    r"\d[A-Za-z]?(?:\s?(?:bis|ter))?,?\s+"
    r"(?:\p{Lu}|\d{1,3}(?:st|nd|rd|th)|rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai)"
)
_DIGIT_AFTER_SPACE = re.compile(r"(?<=\s)\d")
_WORDS_BEFORE_NUMBER = (
    "straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "straat", "laan", "plein", "gracht",
    "gatan", "vägen", "vej", "veien", "Straße", "Strasse", "Str.", "Weg", "Gasse", "Platz", "Allee",
    "Box", "Postfach",
)  # fmt: skip
_LEADING_STREET_WORDS = ("Via", "Piazza", "Corso", "Calle", "Avenida", "Rua", "Carrer", "Paseo", "Plaza")

_ANY_STREET_LINE = "|".join((_US_STREET, _GERMANIC_STREET, _ROMANCE_NUMBER_FIRST, _ROMANCE_NAME_FIRST, _PO_BOX))
_YEAR_FIRST = re.compile(r"(?:19|20)\d\d\s")
_ANY_DIGIT = re.compile(r"\d")



def may_hold_address(text: str) -> bool:
    """False only when no address pattern can match `text` (then the recognizer is skipped).

    A superset of every street line's shape (see the comment above `_NUMBER_THEN_STREET`);
    prose with numbers ("version 3.2.1", "12 failed jobs") has none of them.
    """
    if _NUMBER_THEN_STREET.search(text):
        return True
    for digit in _DIGIT_AFTER_SPACE.finditer(text):
        space = digit.start() - 1
        while space > 0 and text[space - 1].isspace():  # back to the start of the whitespace run
            space -= 1
        if text.endswith(_WORDS_BEFORE_NUMBER, 0, space):
            return True
    return any(word in text for word in _LEADING_STREET_WORDS)


STREET_LINE_SCORE = 0.55
FULL_ADDRESS_SCORE = 0.85


class StreetAddressRecognizer(PatternRecognizer):
    """Postal addresses written in the common US/UK/EU shapes (see module doc)."""

    PATTERNS = [
        Pattern("street line + locality", rf"(?:{_ANY_STREET_LINE}){_LOCALITY}", FULL_ADDRESS_SCORE),
        Pattern("street line (number first)", _US_STREET, STREET_LINE_SCORE),
        Pattern("street line (germanic)", _GERMANIC_STREET, STREET_LINE_SCORE),
        Pattern("street line (romance)", rf"{_ROMANCE_NUMBER_FIRST}|{_ROMANCE_NAME_FIRST}", STREET_LINE_SCORE),
        Pattern("po box", _PO_BOX, STREET_LINE_SCORE),
    ]
    CONTEXT = ["address", "live", "living", "reside", "located", "ship", "deliver", "mail", "street", "home"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=entities.ADDRESS,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            # Case-sensitive: capitalisation is the main signal that words form a street name.
            global_regex_flags=re.MULTILINE,
        )

    def invalidate_result(self, pattern_text: str) -> bool:
        # "In 2023 Google Drive grew": a year, then capitalised words ending in a
        # street suffix. Only a house number with nothing after it that a real
        # address would have (unit, ZIP, postcode) is dropped.
        return bool(_YEAR_FIRST.match(pattern_text)) and not _ANY_DIGIT.search(pattern_text, 5)
