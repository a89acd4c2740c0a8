"""Unknown-links detector: URLs whose host is not an allowed domain or a subdomain of one.

What counts as a link:
- anything with a scheme (`https://`, `http://`, `ftp://`, `wss://`, …), including IP
  literals and `[IPv6]` hosts; `user@host` userinfo is skipped (http://lakera.ai@evil.com
  goes to evil.com);
- `www.` host names;
- bare host names with a known TLD (`example.org/path`, `support.acme-helpdesk.com`); TLDs
  that double as file extensions or code attributes (`main.py`, `logger.info`, `user.id`)
  count only when a path follows. E-mail domains, file paths and ALL-CAPS product names
  (`ASP.NET`) are not links; a bare IP address is only a link with a path
  (`10.0.0.12, port 5432` is an address, `45.77.12.9/login` is a link).

Hosts are compared in IDNA (punycode) form, so a look-alike Unicode host never equals the
ASCII domain it imitates. Allowed-domain entries are normalised the same way; an entry that
is itself a public suffix ("co.uk", "github.io") is ignored, since it would allow everyone.
Pure parsing with a small shipped suffix list (data/public_suffixes.txt, data/tlds.txt).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from schemas.screening import ConfidenceLevel


def _data_lines(name: str) -> list[str]:
    text = resources.files("streams.detectors").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")]


MULTI_PART_SUFFIXES = frozenset(_data_lines("public_suffixes.txt"))
_TLD_LINES = _data_lines("tlds.txt")
BARE_TLDS = frozenset(line.lstrip("!") for line in _TLD_LINES)
AMBIGUOUS_TLDS = frozenset(line[1:] for line in _TLD_LINES if line.startswith("!"))
# Product names written like host names, and code receivers (`self.ge`, `os.name`): a dotted
# word starting with one of these is attribute access, not a host.
_NOT_HOSTS = frozenset({"asp.net", "ado.net", "vb.net", "dot.net"})
_CODE_RECEIVERS = frozenset(
    "self this cls os sys np pd re json math obj ctx req res request response app args kwargs config settings logger logging "
    "datetime dateutil module window document console process".split()
)

# The patterns are tried with .match() only where str.find located "://", "www" or ".<tld>":
# a full regex scan of every message costs more than all the rest of link detection.
_SCHEME_URL = re.compile(
    r"(?:https?|ftps?|sftp|wss?|file|git|ssh|smb)://"
    r"(?:[^\s/@?#\[\]]{0,256}@)?"  # userinfo, ignored
    r"(\[[0-9a-fA-F:.]{2,45}\]|[^\s/:?#\[\]()<>\"'`|\\,;]{1,253})"  # host
    r"(?::\d{1,5})?([/?#][^\s\"'<>`]{0,2048})?",
    re.IGNORECASE,
)
_WWW_HOST = re.compile(
    r"(www\d?(?<![\w.@/-]www)(?<![\w.@/-]www\d)\.[\w-]{1,63}(?:\.[\w-]{1,63}){1,10})(?::\d{1,5})?([/?#][^\s\"'<>`]{0,2048})?", re.IGNORECASE
)
# Dotted words: candidates for bare host names. Preceded by @ (e-mail), / or \ (path), a dot
# or a word character means it is part of something else.
_DOTTED = re.compile(r"(?<![\w.@/\\$:%\]-])((?:[\w-]{1,63}\.){1,10}[\w-]{1,63})(?::\d{1,5})?(/[^\s\"'<>`]{0,2048})?(?![\w@(])")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_TOKEN = re.compile(r"\w+")
# A bare host needs one of these tokens; the ambiguous ones only with a path ("/").
_PLAIN_TLDS = BARE_TLDS - AMBIGUOUS_TLDS
# Zero-width and bidi characters hide inside host names ("evil\u200b.com").
_INVISIBLE_SET = frozenset("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e")
_INVISIBLE = {ord(c): None for c in _INVISIBLE_SET}
_TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True, slots=True)
class Link:
    host: str  # IDNA-encoded, lowercase
    explicit: bool  # scheme or www.: certainly meant as a link
    has_path: bool

    @property
    def is_ip(self) -> bool:
        return _is_ip(self.host)

    @property
    def registrable_domain(self) -> str:
        return registrable_domain(self.host)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)
def normalise_host(host: str) -> str:
    """Lowercase, no trailing dot, IDNA (punycode) for non-ASCII labels; '' when invalid."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        return host
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def registrable_domain(host: str) -> str:
    """The domain a registrant controls: last two labels, three under a multi-part suffix."""
    if _is_ip(host):
        return host
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in MULTI_PART_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def link_text(text: str) -> str:
    """NFKC (full-width `ｅｖｉｌ．ｃｏｍ` becomes ASCII, as browsers do) without invisible
    characters. Look-alike letters are deliberately *not* folded: `lаkera.ai` with a Cyrillic
    `а` is a different host and must stay one."""
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_INVISIBLE) if not _INVISIBLE_SET.isdisjoint(text) else text


def find_links(text: str, words: frozenset[str] | None = None) -> list[Link]:
    """Every link in `text`, by kind of link (duplicates kept).

    `words`, the lowercase \\w+ tokens of the text, spares callers that already tokenised
    it a second tokenisation (bare hosts are only looked for where a TLD token occurs).
    """
    text = link_text(text)
    links: list[Link] = []
    taken = bytearray(len(text))  # 1 where a link was already found: overlap tests stay O(length)
    for start in _scheme_starts(text):
        match = _SCHEME_URL.match(text, start)
        if match is not None:
            raw = match.group(1)
            host = normalise_host(raw if raw.startswith("[") else raw.rstrip(_TRAILING))
            if host:
                links.append(Link(host, True, bool(match.group(2))))
                _take(taken, match.span())
    lowered = text.lower()
    for start in _find_all(lowered, "www"):
        match = _WWW_HOST.match(text, start)
        if match is not None and not _overlaps(match.span(), taken):
                host = normalise_host(match.group(1))
                if host:
                    links.append(Link(host, True, bool(match.group(2))))
                    _take(taken, match.span())
    if words is None:
        words = frozenset(_TOKEN.findall(lowered))
    tlds = words & (BARE_TLDS if "/" in text else _PLAIN_TLDS)
    for start in sorted(_dotted_starts(lowered, tlds)):
        match = _DOTTED.match(text, start)
        if match is None or _overlaps(match.span(), taken):
            continue
        link = _bare_link(match.group(1), match.group(2))
        if link is not None:
            links.append(link)
            _take(taken, match.span())
    return links


def _find_all(text: str, needle: str) -> list[int]:
    found = []
    index = text.find(needle)
    while index != -1:
        found.append(index)
        index = text.find(needle, index + 1)
    return found


def _scheme_starts(text: str) -> list[int]:
    """Where a `scheme://` begins: found from each "://" (str.find) back over the letters, so
    the URL pattern is only tried there."""
    starts = []
    for index in _find_all(text, "://"):
        start = index
        while start > 0 and index - start < 6 and text[start - 1].isalpha():
            start -= 1
        if start < index and not (start and text[start - 1].isalnum()):
            starts.append(start)
    return starts


def _dotted_starts(lowered: str, tlds: Iterable[str]) -> set[int]:
    """Starts of the dotted words ending in one of `tlds`, found with str.find on ".tld", so
    the bare-host pattern only runs where a host name can be."""
    starts: set[int] = set()
    for tld in tlds:
        needle = "." + tld
        index = lowered.find(needle)
        previous, previous_start = -1, -1
        while index != -1:
            start = index
            # Walk back over host characters, at most 253 (the longest host name) and never
            # past the previous occurrence, whose walk already covered that stretch: linear.
            while start > previous + 1 and index - start < 253 and _is_host_char(lowered[start - 1]):
                start -= 1
            if start == previous + 1 and previous_start != -1 and previous >= 0:
                start = previous_start
            starts.add(start)
            previous, previous_start = index, start
            index = lowered.find(needle, index + 1)
    return starts


def _is_host_char(char: str) -> bool:
    return char.isalnum() or char in "-_."


def _overlaps(span: tuple[int, int], taken: bytearray) -> bool:
    return taken.find(1, span[0], span[1]) != -1


def _take(taken: bytearray, span: tuple[int, int]) -> None:
    taken[span[0] : span[1]] = b"\x01" * (span[1] - span[0])


def _bare_link(candidate: str, path: str | None) -> Link | None:
    """A bare `host[/path]` if the dotted word looks like one, else None."""
    has_path = bool(path and len(path) > 1)
    if _IPV4.match(candidate):
        return Link(candidate, False, True) if has_path and _is_ip(candidate) else None
    if candidate.isupper() or candidate.lower() in _NOT_HOSTS:
        return None  # ASP.NET, README.MD: names, not hosts
    host = normalise_host(candidate)
    labels = host.split(".")
    if labels[0] in _CODE_RECEIVERS:
        return None
    tld = labels[-1]
    if tld not in BARE_TLDS or any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        return None
    if not any(c.isalpha() for c in labels[-2]):
        return None  # version numbers and the like
    if tld in AMBIGUOUS_TLDS and not has_path:
        return None
    if not has_path and len(labels[-2]) < 2:
        return None
    return Link(host, False, has_path)


def normalise_allowed(allowed_domains: Iterable[str]) -> tuple[str, ...]:
    """Allowed entries as bare IDNA hosts; URLs and `*.`/`www.` prefixes tolerated, public
    suffixes (which would allow every site under them) dropped."""
    hosts = []
    for entry in allowed_domains:
        entry = entry.strip().lower()
        if "://" in entry:
            entry = entry.split("://", 1)[1]
        entry = entry.split("/")[0].rsplit("@", 1)[-1]
        if not entry.startswith("["):
            entry = entry.split(":")[0]
        entry = entry.removeprefix("*.").removeprefix(".").removeprefix("www.")
        host = normalise_host(entry)
        if _is_ip(host) or (host and "." in host and host not in MULTI_PART_SUFFIXES):
            hosts.append(host)
    return tuple(hosts)


def is_allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    """True when `host` equals an allowed host or is a subdomain of one (label boundary:
    `evil-lakera.ai` is not under `lakera.ai`)."""
    allowed = allowed_hosts if isinstance(allowed_hosts, (set, frozenset)) else frozenset(allowed_hosts)
    labels = host.split(".")
    # host itself and each parent domain: O(labels) set lookups, however long the allow-list.
    return any(".".join(labels[i:]) in allowed for i in range(len(labels)))


def unknown_links(text: str, allowed_domains: Sequence[str], words: frozenset[str] | None = None) -> list[Link]:
    allowed = frozenset(normalise_allowed(allowed_domains))
    return [link for link in find_links(text, words) if not is_allowed(link.host, allowed)]


def detect_unknown_links(text: str, allowed_domains: Sequence[str], *, words: frozenset[str] | None = None) -> ConfidenceLevel:
    """l1 for an unknown link written as a URL (scheme, www., IP or a path), l2 for a bare
    unknown host name, l5 when every link is allowed (or there is none).

    `words` (optional) are the text's lowercase tokens when the caller has them already.
    """
    unknown = unknown_links(text, allowed_domains, words)
    if not unknown:
        return ConfidenceLevel.L5_UNLIKELY
    if any(link.explicit or link.has_path or link.is_ip for link in unknown):
        return ConfidenceLevel.L1_CONFIDENT
    return ConfidenceLevel.L2_VERY_LIKELY
