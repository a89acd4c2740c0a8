"""Export targets (streams/archiver/target.py): where an org's objects go, the probe on a local
directory, and how object-store errors are classified. The S3 cases run against moto in
tests/integration/test_export_settings.py."""

from datetime import UTC, datetime
import socket
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from s3fs.errors import translate_boto_error

from schemas.environment import GuardEnvironment
from schemas.export import ExportTarget
from schemas.sealed_secret import seal
from streams.archiver.target import PROBE_TIMEOUTS, TargetError, classify_error, open_target, probe

NOW = datetime(2026, 1, 6, tzinfo=UTC)


def env(tmp_path: Path, archive_url: str | None = None) -> GuardEnvironment:
    return GuardEnvironment(data_dir=tmp_path, secret_key="key-one", archive_url=archive_url)


def s3_error(code: str, operation: str = "PutObject") -> BaseException:
    """What s3fs raises for an S3 error response: a translated OSError caused by ClientError."""
    error = ClientError({"Error": {"Code": code, "Message": f"{code} says the server"}}, operation)
    return translate_boto_error(error)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("InvalidAccessKeyId", "bad_credentials"),
        ("SignatureDoesNotMatch", "bad_credentials"),
        ("ExpiredToken", "bad_credentials"),
        ("NoSuchBucket", "no_such_bucket"),
        ("AccessDenied", "access_denied"),
        ("AllAccessDisabled", "access_denied"),
        ("InternalError", "write_failed"),
    ],
)
def test_s3_error_codes(code: str, reason: str) -> None:
    assert classify_error(s3_error(code))[0] == reason


def test_connection_failures_are_unreachable() -> None:
    refused = EndpointConnectionError(endpoint_url="http://127.0.0.1:9/b/k")
    wrapped = OSError("wrapped")
    wrapped.__cause__ = refused
    assert classify_error(refused)[0] == "endpoint_unreachable"
    assert classify_error(wrapped)[0] == "endpoint_unreachable"
    assert classify_error(ConnectionRefusedError(111, "Connection refused"))[0] == "endpoint_unreachable"
    assert classify_error(TimeoutError())[0] == "endpoint_unreachable"


def test_missing_credentials_are_bad_credentials() -> None:
    assert classify_error(NoCredentialsError())[0] == "bad_credentials"


def test_local_errors() -> None:
    assert classify_error(PermissionError(13, "Permission denied", "/archive/x"))[0] == "access_denied"
    reason, message = classify_error(OSError(28, "No space left on device", "/archive/x"))
    assert reason == "write_failed" and "No space left" in message


def test_default_target_is_the_orgs_folder_under_the_data_dir(tmp_path: Path) -> None:
    location = open_target(None, "org-a", env(tmp_path))
    assert location.kind == "default"
    assert location.root == str((tmp_path / "archive" / "org-a").resolve())
    assert location.url == f"file://{location.root}"


def test_default_target_prefix_stays_inside_the_orgs_folder(tmp_path: Path) -> None:
    target = ExportTarget(org_id="org-a", prefix="guard/logs", updated_at=NOW)
    location = open_target(target, "org-a", env(tmp_path, archive_url=f"file://{tmp_path}/shared"))
    assert location.root == f"{tmp_path}/shared/org-a/guard/logs"


def test_probe_on_the_default_target_writes_reads_and_deletes(tmp_path: Path) -> None:
    location = open_target(None, "org-a", env(tmp_path))
    result = probe(location)
    assert result.ok and result.reason is None, result.message
    assert "wrote, read back and deleted" in result.message
    assert list(Path(location.root).iterdir()) == []  # the probe object is gone


def test_probe_on_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "archive").write_text("not a directory")
    result = probe(open_target(None, "org-a", env(tmp_path)))
    assert not result.ok and result.reason == "write_failed", result


def test_s3_target_location(tmp_path: Path) -> None:
    target = ExportTarget(
        org_id="org-a", bucket="acme-logs", prefix="guard", endpoint_url="http://127.0.0.1:9",
        access_key_id="AKIA1", secret_access_key_sealed=seal("s1", "key-one"), updated_at=NOW,
    )
    location = open_target(target, "org-a", env(tmp_path))
    assert (location.kind, location.root, location.url) == ("s3", "acme-logs/guard", "s3://acme-logs/guard")
    assert "s1" not in repr(location)


def test_a_secret_sealed_with_another_key_is_bad_credentials(tmp_path: Path) -> None:
    target = ExportTarget(
        org_id="org-a", bucket="acme-logs", access_key_id="AKIA1",
        secret_access_key_sealed=seal("s1", "old-key"), updated_at=NOW,
    )
    with pytest.raises(TargetError) as caught:
        open_target(target, "org-a", env(tmp_path))
    assert classify_error(caught.value)[0] == "bad_credentials"
    assert "GUARD_SECRET_KEY" in caught.value.message


def test_a_silent_endpoint_fails_fast(tmp_path: Path) -> None:
    """A loopback socket that accepts connections and never answers: an S3 PUT waits for
    `100 Continue` with no read timeout, so only the operation bound ends it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        target = ExportTarget(
            org_id="org-a", bucket="acme-logs", endpoint_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            access_key_id="AKIA1", updated_at=NOW,
        )
        location = open_target(target, "org-a", env(tmp_path), timeouts=PROBE_TIMEOUTS, secret_access_key="s1")
        result = probe(location)
    assert (result.ok, result.reason) == (False, "endpoint_unreachable"), result
    assert "did not answer in time" in result.message
