"""Sealing export credentials with GUARD_SECRET_KEY (schemas/sealed_secret.py)."""

import pytest

from schemas.sealed_secret import SealedSecretError, seal, unseal

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_round_trip() -> None:
    sealed = seal(SECRET, "key-one")
    assert sealed.startswith("v1:")
    assert SECRET not in sealed
    assert unseal(sealed, "key-one") == SECRET


def test_each_seal_is_different_but_opens_to_the_same() -> None:
    first, second = seal(SECRET, "key-one"), seal(SECRET, "key-one")
    assert first != second  # random IV: equal secrets are not recognisable when sealed
    assert unseal(first, "key-one") == unseal(second, "key-one") == SECRET


def test_a_wrong_key_is_refused_without_showing_the_value() -> None:
    sealed = seal(SECRET, "key-one")
    with pytest.raises(SealedSecretError) as caught:
        unseal(sealed, "key-two")
    assert SECRET not in str(caught.value) and sealed not in str(caught.value)


@pytest.mark.parametrize("bad", ["", "plain text", "v1:not-a-token", "v2:abc"])
def test_anything_not_sealed_is_refused(bad: str) -> None:
    with pytest.raises(SealedSecretError):
        unseal(bad, "key-one")


def test_a_tampered_value_is_refused() -> None:
    sealed = seal(SECRET, "key-one")
    flipped = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(SealedSecretError):
        unseal(flipped, "key-one")


def test_no_key_no_sealing() -> None:
    with pytest.raises(SealedSecretError):
        seal(SECRET, "")
