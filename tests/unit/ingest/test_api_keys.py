import pytest

from ingest.api_keys import ApiKeyDirectory, hash_api_key
from ingest.app import build_received
from schemas.api import ScreeningRequest
from schemas.errors import ApiError


def test_known_key_maps_to_its_org() -> None:
    keys = ApiKeyDirectory()
    keys.add("gs_secret_one", "org-1")
    keys.add("gs_secret_two", "org-2")
    assert keys.authenticate("Bearer gs_secret_two").org_id == "org-2"
    assert keys.authenticate("bearer gs_secret_one").key_prefix == "gs_secr"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic gs_secret_one", "Bearer gs_secret_on"])
def test_unknown_or_malformed_keys_are_401(header) -> None:
    keys = ApiKeyDirectory()
    keys.add("gs_secret_one", "org-1")
    with pytest.raises(ApiError) as raised:
        keys.authenticate(header)
    assert raised.value.status == 401


def test_only_digests_are_kept() -> None:
    keys = ApiKeyDirectory()
    keys.add("gs_secret_one", "org-1")
    assert "gs_secret_one" not in repr(keys.__dict__)
    assert hash_api_key("gs_secret_one") in keys._grants


def test_request_id_defaults_to_the_event_id() -> None:
    request = ScreeningRequest.model_validate({"messages": [{"role": "user", "content": "hi"}], "project_id": "p"})
    envelope = build_received(request, "org-1")
    assert envelope.data.request_id == envelope.event_id
    assert (envelope.org_id, envelope.project_id, envelope.type) == ("org-1", "p", "screening.received")
    explicit = build_received(request.model_copy(update={"request_id": "client-42"}), "org-1")
    assert explicit.data.request_id == "client-42"
