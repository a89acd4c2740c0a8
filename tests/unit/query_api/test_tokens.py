from query_api.tokens import TokenClaims, sign_token, verify_token


def test_token_round_trip_and_expiry() -> None:
    claims = TokenClaims(sub="a@b.c", org_id="org-1", exp=2_000)
    token = sign_token(claims, "k")
    assert verify_token(token, "k", now=1_000) == claims
    assert verify_token(token, "k", now=2_001) is None


def test_token_rejects_tampering_and_other_keys() -> None:
    token = sign_token(TokenClaims(sub="a@b.c", org_id="org-1", exp=2_000), "k")
    body, mac = token.split(".")
    forged = sign_token(TokenClaims(sub="a@b.c", org_id="org-2", exp=2_000), "other").split(".")[0]
    assert verify_token(f"{forged}.{mac}", "k", now=1_000) is None
    assert verify_token(token, "other", now=1_000) is None
    assert verify_token("garbage", "k", now=1_000) is None
    assert verify_token(f"{body}.", "k", now=1_000) is None


def test_each_token_has_its_own_id_for_logout() -> None:
    first, second = TokenClaims(sub="user-1", org_id="org-1", exp=2_000), TokenClaims(sub="user-1", org_id="org-1", exp=2_000)
    assert first.jti != second.jti
    assert verify_token(sign_token(first, "k"), "k", now=1_000).jti == first.jti
