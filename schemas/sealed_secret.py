"""Sealing secrets at rest (export credentials) with GUARD_SECRET_KEY. Pure.

`seal` encrypts with Fernet (AES-128-CBC + HMAC-SHA256, random IV, authenticated) under a key
derived from GUARD_SECRET_KEY by HKDF-SHA256 with a purpose label, so the bearer-token HMAC
key and this encryption key are never the same bytes. The sealed form is ASCII:
`v1:<fernet token>`; the version leaves room for a new scheme or key rotation.

`unseal` with another key (or a tampered value) raises `SealedSecretError`, whose message
never contains the value. Neither the plaintext nor the sealed form is ever logged or
returned by an API.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1:"
_PURPOSE = b"guardstream sealed secret v1"


class SealedSecretError(ValueError):
    """Not sealed with this GUARD_SECRET_KEY (rotated key?), or not a sealed secret at all."""


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    if not secret_key:
        raise SealedSecretError("no secret key to seal with (GUARD_SECRET_KEY)")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(plaintext: str, secret_key: str) -> str:
    """`plaintext` encrypted and authenticated under `secret_key`: `v1:<token>`."""
    return _VERSION + _fernet(secret_key).encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(sealed: str, secret_key: str) -> str:
    """The plaintext of `seal(plaintext, secret_key)`; SealedSecretError for any other input."""
    if not sealed.startswith(_VERSION):
        raise SealedSecretError("not a sealed secret (unknown format)")
    try:
        return _fernet(secret_key).decrypt(sealed[len(_VERSION) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise SealedSecretError("sealed with another GUARD_SECRET_KEY, or altered") from None
