"""Export settings, "Test authentication" and alerts (query_api/export_routes.py), on the real
broker, against a real moto S3 server that checks credentials and IAM policies, and a closed port.

The moto server here is a process of its own, started with IAM authentication on after its
users are created (`/moto-api/reset-auth`): the session's shared `s3_endpoint` accepts any
credentials, as the archiver's tests need, and stays untouched.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
import httpx
import pytest

from schemas.config_events import ACTOR_SYSTEM, config_event
from schemas.export import EXPORT_ALERT_UPSERTED, ExportAlert, ExportAlertUpserted
from schemas.sealed_secret import unseal

pytestmark = pytest.mark.integration

SECRET_KEY = "test-secret"  # tests/integration/conftest.py's, which control_plane runs with
BUCKET = "guard-export"


@dataclass(frozen=True)
class AuthS3:
    url: str
    writer: tuple[str, str]  # access key id, secret: s3:* on everything
    reader: tuple[str, str]  # may read and list, never write

    def body(self, keys: tuple[str, str], **changes: object) -> dict[str, object]:
        return {
            "enabled": True,
            "endpoint_url": self.url,
            "region": "us-east-1",
            "bucket": BUCKET,
            "prefix": "guard",
            "access_key_id": keys[0],
            "secret_access_key": keys[1],
        } | changes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def auth_s3() -> Iterator[AuthS3]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        setup = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
        boto3.client("s3", **setup).create_bucket(Bucket=BUCKET)
        iam = boto3.client("iam", **setup)

        def user(name: str, actions: list[str]) -> tuple[str, str]:
            iam.create_user(UserName=name)
            policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
            iam.put_user_policy(UserName=name, PolicyName="export", PolicyDocument=json.dumps(policy))
            key = iam.create_access_key(UserName=name)["AccessKey"]
            return key["AccessKeyId"], key["SecretAccessKey"]

        s3 = AuthS3(url=url, writer=user("writer", ["s3:*"]), reader=user("reader", ["s3:GetObject", "s3:ListBucket"]))
        # from now on every request is authenticated and authorised
        httpx.post(url + "/moto-api/reset-auth", content=b"0", timeout=5).raise_for_status()
        yield s3
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="module")
def org(seed_org):
    return seed_org()


@pytest.fixture(scope="module")
def admin(control_plane, org, login_as) -> dict[str, str]:
    return login_as(control_plane, org.emails["admin"])


def probe(client, headers, body) -> dict:
    response = client.post("/v1/settings/export/test", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_defaults_and_the_default_target(control_plane, seed_org, login_as) -> None:
    fresh = seed_org()
    headers = login_as(control_plane, fresh.emails["admin"])
    view = control_plane.get("/v1/settings/export", headers=headers).json()
    assert view == {
        "enabled": True, "endpoint_url": None, "region": None, "bucket": None, "prefix": "", "access_key_id": None,
        "secret_set": False, "target": "default", "tested_at": None, "updated_at": None,
    }
    result = probe(control_plane, headers, {"enabled": True})
    assert result["ok"] is True and result["reason"] is None, result
    assert f"/archive/{fresh.org_id}/" in result["message"]  # the org's own folder under GUARD_DATA_DIR
    saved = control_plane.put("/v1/settings/export", json={"enabled": True, "prefix": "guard"}, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["target"] == "default" and saved.json()["prefix"] == "guard" and saved.json()["tested_at"]


def test_test_authentication_succeeds_with_good_credentials(control_plane, admin, auth_s3) -> None:
    result = probe(control_plane, admin, auth_s3.body(auth_s3.writer))
    assert result["ok"] is True and result["reason"] is None, result
    assert f"s3://{BUCKET}/guard/.guardstream-probe-" in result["message"]
    # the probe object was deleted again
    client = boto3.client(
        "s3", endpoint_url=auth_s3.url, region_name="us-east-1",
        aws_access_key_id=auth_s3.writer[0], aws_secret_access_key=auth_s3.writer[1],
    )
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


@pytest.mark.parametrize(
    ("case", "reason", "words"),
    [
        ("wrong secret", "bad_credentials", "secret access key does not match"),
        ("unknown key id", "bad_credentials", "access key id is not known"),
        ("no such bucket", "no_such_bucket", "does not exist"),
        ("read-only user", "access_denied", "access denied"),
        ("closed port", "endpoint_unreachable", "cannot connect to http://127.0.0.1:"),
    ],
)
def test_test_authentication_says_what_is_wrong(control_plane, admin, auth_s3, case, reason, words) -> None:
    key_id, secret = auth_s3.writer
    body = {
        "wrong secret": auth_s3.body((key_id, secret + "x")),
        "unknown key id": auth_s3.body(("AKIAUNKNOWN000000000", secret)),
        "no such bucket": auth_s3.body(auth_s3.writer, bucket="no-such-bucket"),
        "read-only user": auth_s3.body(auth_s3.reader),
        "closed port": auth_s3.body(auth_s3.writer, endpoint_url=f"http://127.0.0.1:{free_port()}"),
    }[case]
    result = probe(control_plane, admin, body)
    assert (result["ok"], result["reason"]) == (False, reason), result
    assert words in result["message"], result
    assert secret not in json.dumps(result)


def test_saving_needs_a_passing_test_and_seals_the_secret(control_plane, config_writer, admin, org, auth_s3, capsys) -> None:
    key_id, secret = auth_s3.writer
    refused = control_plane.put("/v1/settings/export", json=auth_s3.body(auth_s3.reader), headers=admin)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "export_test_failed" and error["message"].startswith("access_denied: ") and error["field"] is None
    assert config_writer.sync().export_target(org.org_id) is None  # nothing stored

    saved = control_plane.put("/v1/settings/export", json=auth_s3.body(auth_s3.writer), headers=admin)
    assert saved.status_code == 200, saved.text
    view = saved.json()
    assert (view["target"], view["bucket"], view["access_key_id"], view["secret_set"]) == ("s3", BUCKET, key_id, True)
    assert view["tested_at"] is not None

    stored = config_writer.sync().export_target(org.org_id)
    assert stored is not None and stored.secret_access_key_sealed is not None
    assert secret not in stored.model_dump_json()
    assert unseal(stored.secret_access_key_sealed, SECRET_KEY) == secret

    # the secret is in no response, audit entry or log line
    for path in ("/v1/settings/export", "/v1/audit", "/v1/alerts"):
        text = control_plane.get(path, headers=admin).text
        assert secret not in text and stored.secret_access_key_sealed not in text, path
    audit = control_plane.get("/v1/audit", params={"entity_type": "export_target"}, headers=admin).json()["items"]
    assert audit and audit[0]["type"] == "config.export_target.upserted" and audit[0]["actor"] == org.user_id("admin")
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err

    # the stored secret is used when none is sent, for the same key id
    again = control_plane.put(
        "/v1/settings/export", json=auth_s3.body(auth_s3.writer, secret_access_key=None, prefix="other"), headers=admin
    )
    assert again.status_code == 200 and again.json()["prefix"] == "other", again.text
    assert probe(control_plane, admin, auth_s3.body(auth_s3.writer, secret_access_key=None))["ok"] is True
    # a different key id needs its own secret
    other_id = control_plane.post(
        "/v1/settings/export/test", json=auth_s3.body((auth_s3.reader[0], ""), secret_access_key=None), headers=admin
    )
    assert other_id.status_code == 422 and other_id.json()["error"]["field"] == "secret_access_key"

    # turning the export off needs no passing test (a broken bucket can still be switched off)
    off = control_plane.put("/v1/settings/export", json=auth_s3.body(auth_s3.reader, enabled=False), headers=admin)
    assert off.status_code == 200 and off.json()["enabled"] is False and off.json()["tested_at"] is None, off.text


def test_orgs_never_see_each_others_settings_or_alerts(control_plane, config_writer, seed_org, login_as, auth_s3) -> None:
    org_a, org_b = seed_org(), seed_org()
    admin_a = login_as(control_plane, org_a.emails["admin"])
    admin_b = login_as(control_plane, org_b.emails["admin"])
    saved = control_plane.put("/v1/settings/export", json=auth_s3.body(auth_s3.writer, prefix="org-a"), headers=admin_a)
    assert saved.status_code == 200, saved.text
    now = datetime.now(UTC)
    alert = ExportAlert(
        org_id=org_a.org_id, reason="access_denied", message="writing s3://guard-export/org-a/...: access denied",
        since=now, last_seen=now, held_events=12,
    )
    config_writer.run(config_writer.log.append(
        [config_event(EXPORT_ALERT_UPSERTED, org_a.org_id, ExportAlertUpserted(actor=ACTOR_SYSTEM, alert=alert))]
    ))

    alerts_a = control_plane.get("/v1/alerts", headers=admin_a).json()["alerts"]
    assert [(a["org_id"], a["reason"], a["held_events"], a["open"]) for a in alerts_a] == [
        (org_a.org_id, "access_denied", 12, True)
    ]
    assert control_plane.get("/v1/alerts", headers=admin_b).json() == {"alerts": []}
    view_b = control_plane.get("/v1/settings/export", headers=admin_b).json()
    assert view_b["bucket"] is None and view_b["target"] == "default"
    user_a = login_as(control_plane, org_a.emails["user"])
    assert control_plane.get("/v1/alerts", headers=user_a).status_code == 403
    assert control_plane.get("/v1/settings/export", headers=user_a).status_code == 403
