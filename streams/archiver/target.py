"""An org's export target as an fsspec filesystem and root path, the "Test authentication"
probe, and the classification of object-store errors. Shared by the archiver (writes) and
query_api (POST /v1/settings/export/test, PUT /v1/settings/export).

* `open_target(target, org_id, settings)` → `ExportLocation(fs, root, url, kind)`: an
  `s3fs.S3FileSystem` with the org's endpoint, region and (unsealed) credentials, rooted at
  `bucket/prefix`; or, for an org without a bucket, the deployment's default target
  (`GUARD_ARCHIVE_URL`, default `file://$GUARD_DATA_DIR/archive`) rooted at `<org_id>` or
  `<org_id>/<prefix>` — an org's objects never land outside its own folder there.
* `probe(location)` writes, reads back and deletes a small object and says what failed.
* `classify_error(exc)` → `(reason, message)`: bad_credentials | no_such_bucket |
  access_denied | endpoint_unreachable | write_failed. Messages never hold a secret.

Timeouts are short and retries few, so a closed port or a black-holed endpoint answers in
seconds: `PROBE_TIMEOUTS` keep the whole probe under 10 s.
"""

from __future__ import annotations

import asyncio
import errno
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import fsspec
from fsspec.asyn import AsyncFileSystem
from fsspec.spec import AbstractFileSystem

from schemas.environment import GuardEnvironment
from schemas.export import ExportFailure, ExportTarget, ExportTestResult, TargetKind
from schemas.sealed_secret import SealedSecretError, unseal

ProbeResult = ExportTestResult  # ok, reason, message, elapsed_ms: the API body as it is

PROBE_DEADLINE_S = 10.0
PROBE_PREFIX = ".guardstream-probe-"  # never ends in .jsonl: readers' globs skip it


@dataclass(frozen=True)
class Timeouts:
    connect_s: float
    read_s: float
    attempts: int  # botocore's total attempts per request (1 = no retry)
    # a whole operation: an S3 PUT waits for `100 Continue` without any read timeout, so a
    # silent endpoint would hold it forever
    operation_s: float


ARCHIVE_TIMEOUTS = Timeouts(connect_s=5, read_s=60, attempts=3, operation_s=300)
PROBE_TIMEOUTS = Timeouts(connect_s=2, read_s=3, attempts=1, operation_s=4)


@dataclass(frozen=True)
class ExportLocation:
    """Where an org's objects go: `fs` paths under `root`. `url` is for messages (no secrets)."""

    fs: AbstractFileSystem
    root: str
    url: str
    kind: TargetKind
    operation_s: float | None = None  # bound on one put/cat/rm of an async filesystem (S3)

    def path(self, key: str) -> str:
        return f"{self.root.rstrip('/')}/{key}" if self.root else key

    def put(self, path: str, data: bytes) -> None:
        """Write a whole object in one request (blocking), within `operation_s`."""
        self.fs.pipe_file(path, data, **self._bounded())

    def cat(self, path: str) -> bytes:
        return self.fs.cat_file(path, **self._bounded())

    def rm(self, path: str) -> None:
        self.fs.rm_file(path, **self._bounded())

    def _bounded(self) -> dict[str, Any]:
        # fsspec's sync wrappers of async filesystems take `timeout` (FSTimeoutError after it)
        return {"timeout": self.operation_s} if self.operation_s and isinstance(self.fs, AsyncFileSystem) else {}

    def __repr__(self) -> str:  # the filesystem holds credentials: never print it
        return f"ExportLocation(url={self.url!r}, kind={self.kind!r})"


class TargetError(Exception):
    """An export target that cannot even be opened (e.g. its secret cannot be unsealed)."""

    def __init__(self, reason: ExportFailure, message: str) -> None:
        super().__init__(message)
        self.reason: ExportFailure = reason
        self.message = message


def open_target(
    target: ExportTarget | None,
    org_id: str,
    settings: GuardEnvironment,
    *,
    timeouts: Timeouts = ARCHIVE_TIMEOUTS,
    secret_access_key: str | None = None,
) -> ExportLocation:
    """The org's export location. `secret_access_key` (plaintext) overrides the sealed one:
    "Test authentication" probes a secret before it is stored. Raises TargetError when the
    stored secret cannot be unsealed (GUARD_SECRET_KEY changed)."""
    if target is None or target.bucket is None:
        return _default_location(org_id, target.prefix if target else "", settings, timeouts)
    secret = secret_access_key
    if secret is None and target.secret_access_key_sealed is not None:
        try:
            secret = unseal(target.secret_access_key_sealed, settings.require_secret_key())
        except SealedSecretError:
            raise TargetError(
                "bad_credentials",
                "the stored secret access key cannot be decrypted (was GUARD_SECRET_KEY changed?); enter it again",
            ) from None
    fs = s3_filesystem(
        endpoint_url=target.endpoint_url,
        region=target.region,
        key=target.access_key_id,
        secret=secret,
        timeouts=timeouts,
    )
    root = "/".join(part for part in (target.bucket, target.prefix) if part)
    return ExportLocation(fs=fs, root=root, url=f"s3://{root}", kind="s3", operation_s=timeouts.operation_s)


def s3_filesystem(
    *, endpoint_url: str | None, region: str | None, key: str | None, secret: str | None, timeouts: Timeouts
) -> AbstractFileSystem:
    """A fresh (never cached) S3FileSystem. Without a key: botocore's default chain (an AWS
    deployment's instance role), never anonymous."""
    import s3fs

    client_kwargs: dict[str, Any] = {}
    if endpoint_url:
        client_kwargs["endpoint_url"] = endpoint_url
    if region:
        client_kwargs["region_name"] = region
    fs = s3fs.S3FileSystem(
        key=key,
        secret=secret,
        client_kwargs=client_kwargs,
        config_kwargs={
            "connect_timeout": timeouts.connect_s,
            "read_timeout": timeouts.read_s,
            "retries": {"total_max_attempts": timeouts.attempts, "mode": "standard"},
        },
        skip_instance_cache=True,
        use_listings_cache=False,
    )
    fs.retries = timeouts.attempts  # s3fs's own retry loop around botocore's (a class default of 5)
    return fs


def _default_location(org_id: str, prefix: str, settings: GuardEnvironment, timeouts: Timeouts) -> ExportLocation:
    fs, base = fsspec.core.url_to_fs(settings.default_archive_url)
    root = "/".join(part for part in (base.rstrip("/"), org_id, prefix) if part)
    if base.startswith("/") and not root.startswith("/"):
        root = "/" + root
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    scheme = "file" if _is_local(fs) else protocol
    return ExportLocation(fs=fs, root=root, url=f"{scheme}://{root}", kind="default", operation_s=timeouts.operation_s)


# --- the probe ------------------------------------------------------------------------------


def probe(location: ExportLocation) -> ProbeResult:
    """Write, read back and delete a probe object (blocking; run it in a thread). Each step's
    failure is classified; the probe object is removed even when reading it back fails."""
    started = time.monotonic()
    path = location.path(f"{PROBE_PREFIX}{uuid.uuid4().hex[:12]}")
    payload = f"guardstream export probe {uuid.uuid4()}\n".encode()
    step = "writing"
    written = False
    try:
        if _is_local(location.fs):
            location.fs.makedirs(location.root, exist_ok=True)
        location.put(path, payload)
        written = True
        step = "reading back"
        if location.cat(path) != payload:
            return _result(started, "write_failed", f"{_display(location, path)} read back different bytes")
        step = "deleting"
        location.rm(path)
        written = False
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reason, nothing escapes
        reason, message = classify_error(exc)
        return _result(started, reason, f"{step} {_display(location, path)}: {message}")
    finally:
        if written:
            _try_remove(location, path)
    return ExportTestResult(
        ok=True,
        reason=None,
        message=f"wrote, read back and deleted {_display(location, path)}",
        elapsed_ms=_elapsed_ms(started),
    )


async def probe_within(location: ExportLocation, deadline_s: float = PROBE_DEADLINE_S) -> ProbeResult:
    """`probe` in a thread, answering `endpoint_unreachable` if it has not finished in time."""
    started = time.monotonic()
    try:
        return await asyncio.wait_for(asyncio.to_thread(probe, location), deadline_s)
    except TimeoutError:
        return _result(started, "endpoint_unreachable", f"{location.url}: no answer within {deadline_s:g} s")


def _result(started: float, reason: ExportFailure, message: str) -> ProbeResult:
    return ExportTestResult(ok=False, reason=reason, message=message[:1000], elapsed_ms=_elapsed_ms(started))


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _display(location: ExportLocation, path: str) -> str:
    if location.kind == "s3":
        return f"s3://{path}"
    return location.url.rstrip("/") + path[len(location.root.rstrip("/")) :] if path.startswith(location.root) else path


def _is_local(fs: AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" in protocol or "local" in protocol


def _try_remove(location: ExportLocation, path: str) -> None:
    try:
        location.rm(path)
    except Exception:  # noqa: BLE001 - the probe's answer is already decided
        pass


# --- classification -------------------------------------------------------------------------

_CREDENTIAL_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidClientTokenId",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
    "InvalidSecurity",
    "UnrecognizedClientException",
    "AuthorizationHeaderMalformed",
    "MissingSecurityHeader",
}
_BUCKET_CODES = {"NoSuchBucket"}
_DENIED_CODES = {"AccessDenied", "AllAccessDisabled", "AccountProblem", "Forbidden", "403"}

# botocore's and aiohttp's names (matched by name: botocore.ConnectionError is no builtin one)
_UNREACHABLE = {
    "EndpointConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ConnectionClosedError",
    "ProxyConnectionError",
    "SSLError",
    "ClientConnectorError",
    "ServerDisconnectedError",
    "ClientOSError",
    "InvalidURL",
    "FSTimeoutError",
    "gaierror",
}

_MESSAGES: dict[str, str] = {
    "InvalidAccessKeyId": "the access key id is not known to the store (bad credentials)",
    "SignatureDoesNotMatch": "the secret access key does not match the access key id (bad credentials)",
    "NoSuchBucket": "the bucket does not exist",
    "AccessDenied": "access denied: the credentials lack permission (s3:PutObject, s3:GetObject, s3:DeleteObject)",
}


def classify_error(exc: BaseException) -> tuple[ExportFailure, str]:
    """The reason an object-store operation failed, and a message without secrets.

    Looks through the exception's causes: s3fs turns botocore's ClientError into OSError
    subclasses and keeps the original as `__cause__`.
    """
    if isinstance(exc, TargetError):
        return exc.reason, exc.message
    chain = list(_causes(exc))
    for error in chain:
        code = _client_error_code(error)
        if code is not None:
            return _by_code(code, error)
    for error in chain:
        name = type(error).__name__
        if name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"):
            return "bad_credentials", "no usable credentials: set the access key id and secret access key"
        if name in _UNREACHABLE or isinstance(error, (ConnectionError, TimeoutError)):
            return "endpoint_unreachable", _unreachable(error)
    first = chain[0]
    if isinstance(first, PermissionError):
        return "access_denied", f"permission denied: {_plain(first)}"
    if isinstance(first, FileNotFoundError):
        return "no_such_bucket", f"not found: {_plain(first)}"
    if isinstance(first, OSError) and first.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT):
        return "write_failed", _plain(first)
    return "write_failed", f"{type(first).__name__}: {_plain(first)}"


def _by_code(code: str, error: BaseException) -> tuple[ExportFailure, str]:
    detail = _MESSAGES.get(code) or f"{code}: {_server_message(error) or 'request refused'}"
    if code in _CREDENTIAL_CODES:
        return "bad_credentials", detail if code in _MESSAGES else f"bad credentials ({detail})"
    if code in _BUCKET_CODES or code == "404":
        bucket = getattr(error, "response", {}).get("Error", {}).get("BucketName")
        return "no_such_bucket", f"the bucket {bucket!r} does not exist" if bucket else _MESSAGES["NoSuchBucket"]
    if code in _DENIED_CODES:
        return "access_denied", _MESSAGES["AccessDenied"] if code == "AccessDenied" else f"access denied ({detail})"
    return "write_failed", detail


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen) and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _client_error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return str(status) if status else None
    return None


def _server_message(error: BaseException) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Message", "")) if isinstance(response, dict) else ""


def _unreachable(error: BaseException) -> str:
    if type(error).__name__ in ("FSTimeoutError", "TimeoutError", "ReadTimeoutError"):
        return "the endpoint accepted the connection but did not answer in time"
    endpoint = getattr(error, "kwargs", {}).get("endpoint_url") if hasattr(error, "kwargs") else None
    if endpoint:
        parts = urlsplit(str(endpoint))
        return f"cannot connect to {parts.scheme}://{parts.netloc} (refused, unknown host or no route)"
    return f"cannot reach the endpoint ({_plain(error)[:200]})"


def _plain(error: BaseException) -> str:
    """An error's text; OS errors as `strerror: filename`, without repeating the errno."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error) or type(error).__name__


__all__ = [
    "ARCHIVE_TIMEOUTS",
    "PROBE_TIMEOUTS",
    "ExportLocation",
    "ProbeResult",
    "TargetError",
    "Timeouts",
    "classify_error",
    "open_target",
    "probe",
    "probe_within",
]
