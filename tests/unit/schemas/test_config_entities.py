"""The config entities and events of issue 3: validation rules and the topic record layout."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.config import (
    BUILTIN_DETECTOR_TYPES,
    COMMUNITY_MONTHLY_QUOTA,
    ApiKey,
    CustomDetector,
    DetectorSetting,
    Organization,
    Policy,
    PolicyRules,
    User,
    api_key_sha256,
    default_detectors,
    user_id_for,
)
from schemas.config_events import (
    API_KEY_USED,
    PROJECT_DELETED,
    USER_UPSERTED,
    ApiKeyUsed,
    ConfigEventError,
    ProjectDeleted,
    UserUpserted,
    config_event,
    config_records,
    parse_config_event,
)

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_community_orgs_have_the_fixed_10k_quota_enterprise_any() -> None:
    community = Organization(id="org-c", name="C", plan="community", created_at=NOW)
    assert community.monthly_quota == COMMUNITY_MONTHLY_QUOTA == 10_000
    with pytest.raises(ValidationError, match="quota of 10000"):
        Organization(id="org-c", name="C", plan="community", monthly_quota=50_000, created_at=NOW)
    assert Organization(id="org-e", name="E", plan="enterprise", created_at=NOW).monthly_quota is None
    assert Organization(id="org-e", name="E", plan="enterprise", monthly_quota=2_000_000, created_at=NOW).monthly_quota == 2_000_000


@pytest.mark.parametrize("bad_id", ["", "has/slash", "-leading", "x" * 101, "spa ce"])
def test_entity_ids_never_break_topic_keys(bad_id: str) -> None:
    with pytest.raises(ValidationError):
        Organization(id=bad_id, name="X", plan="enterprise", created_at=NOW)


def test_detector_types_and_thresholds() -> None:
    assert len(BUILTIN_DETECTOR_TYPES) == 16  # prompt_attack, unknown_links, 6 moderation, 8 PII
    with pytest.raises(ValidationError, match="unknown detector type"):
        DetectorSetting(type="pii/passport")
    with pytest.raises(ValidationError, match="l1_confident..l4_less_likely"):
        DetectorSetting(type="prompt_attack", threshold="l5_unlikely")
    assert DetectorSetting(type="pii/email", threshold="l4_less_likely").threshold == "l4_less_likely"
    with pytest.raises(ValidationError, match="once"):
        PolicyRules(name="p", detectors=[DetectorSetting(type="prompt_attack")] * 2)


def test_custom_detectors_and_allowed_domains_are_validated() -> None:
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        CustomDetector(name="bad", pattern="([a-z")
    assert CustomDetector(name="ticket-id", pattern=r"TCK-\d{6}").detector_type == "custom/ticket-id"
    with pytest.raises(ValidationError, match="unique"):
        PolicyRules(name="p", custom_detectors=[CustomDetector(name="a", pattern="x")] * 2)
    rules = PolicyRules(name="p", allowed_domains=["Lakera.AI", "*.example.com"])
    assert rules.allowed_domains == ["lakera.ai", "*.example.com"]
    with pytest.raises(ValidationError):
        PolicyRules(name="p", allowed_domains=["not a domain"])


def test_default_policy_turns_every_builtin_detector_on() -> None:
    detectors = default_detectors()
    assert sorted(d.type for d in detectors) == sorted(BUILTIN_DETECTOR_TYPES)
    assert all(d.enabled for d in detectors)


def test_user_ids_derive_from_the_email_and_hashes_stay_out_of_repr() -> None:
    user = User(id=user_id_for(" Ada@Example.com"), email="ada@example.com ", password_hash="$argon2id$secret", created_at=NOW)
    assert user.email == "ada@example.com" and user.id == user_id_for("ADA@example.com")
    assert "argon2" not in repr(user)
    with pytest.raises(ValidationError, match="user_id_for"):
        User(id="user-other", email="ada@example.com", password_hash="h", created_at=NOW)
    with pytest.raises(ValidationError, match="email"):
        User(id=user_id_for("nope"), email="nope", password_hash="h", created_at=NOW)


def test_api_keys_hold_only_the_sha256_and_check_their_scope() -> None:
    key = ApiKey(
        id="key-1", org_id="org-1", name="k", prefix="gs_abcde", sha256=api_key_sha256("gs_secret"),
        project_ids=["project-a"], created_by="system", created_at=NOW,
    )
    assert "gs_secret" not in key.model_dump_json()
    assert key.allows_project("project-a") and not key.allows_project("project-b") and not key.allows_project(None)
    assert key.model_copy(update={"project_ids": None}).allows_project("anything")


def test_an_upsert_is_an_entity_record_plus_an_audit_record() -> None:
    user = User(id=user_id_for("a@b.co"), email="a@b.co", password_hash="h", created_at=NOW)
    event = config_event(USER_UPSERTED, "org-1", UserUpserted(actor="system", user=user))
    (entity_key, entity_value), (audit_key, audit_value) = config_records(event)
    assert entity_key == f"user/{user.id}" and audit_key == f"audit/{event.event_id}"
    assert entity_value == audit_value == event.to_bytes()
    assert parse_config_event(entity_value) == event


def test_a_deletion_is_a_tombstone_plus_an_audit_record() -> None:
    event = config_event(PROJECT_DELETED, "org-1", ProjectDeleted(actor="user-1", project_id="project-a"))
    assert config_records(event) == [("project/project-a", None), (f"audit/{event.event_id}", event.to_bytes())]


def test_usage_reports_are_not_audited() -> None:
    event = config_event(API_KEY_USED, "org-1", ApiKeyUsed(actor="system", key_id="key-1", last_used_at=NOW))
    assert [key for key, _ in config_records(event)] == ["api_key_usage/key-1"]


def test_payload_must_match_the_event_type() -> None:
    with pytest.raises(TypeError):
        config_event(USER_UPSERTED, "org-1", ProjectDeleted(actor="system", project_id="p"))


def test_undecodable_records_are_refused_without_echoing_their_content() -> None:
    with pytest.raises(ConfigEventError, match="unknown config event type"):
        parse_config_event(b'{"type": "config.nope"}')
    with pytest.raises(ConfigEventError, match="not JSON"):
        parse_config_event(b"\xff")
    user = User(id=user_id_for("a@b.co"), email="a@b.co", password_hash="$argon2id$SECRETHASH", created_at=NOW)
    raw = config_event(USER_UPSERTED, "org-1", UserUpserted(actor="system", user=user)).to_bytes()
    broken = raw.replace(b'"status":"active"', b'"status":"bogus"')
    with pytest.raises(ConfigEventError) as raised:
        parse_config_event(broken)
    assert "SECRETHASH" not in str(raised.value)


def test_a_policys_rules_are_derived_once_and_follow_a_copy_with_other_fields() -> None:
    policy = Policy.model_validate(Policy.model_json_schema()["examples"][0])
    assert policy.rules is policy.rules  # derived once per policy version, not per screening
    assert [d.type for d in policy.rules.detectors] == ["prompt_attack", "pii/email"]
    narrowed = policy.model_copy(update={"detectors": policy.detectors[:1], "version": 3})
    assert [d.type for d in narrowed.rules.detectors] == ["prompt_attack"]
    assert "rules" not in policy.model_dump()
