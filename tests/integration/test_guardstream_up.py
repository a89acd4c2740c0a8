"""`guardstream up` as a user runs it: its own Kafka and ClickHouse endpoint, demo traffic,
the seed example with curl-like calls, then SIGTERM leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from deploy.ports import free_port
from schemas.bootstrap import BootstrapCredentials
from schemas.export import SiemLogLine
from streams.archiver.layout import KEY_PATTERN

pytestmark = pytest.mark.integration


def processes_mentioning(marker: str) -> list[str]:
    """Command lines of live processes that mention `marker` (our temp data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            environ = (entry / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline or marker in environ:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def test_up_runs_demo_traffic_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    data_dir = tmp_path / "guard-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUARD_")}
    env["GUARD_DATA_DIR"] = str(data_dir)
    ingest_port, query_port = free_port(), free_port()
    log_path = tmp_path / "up.log"
    with log_path.open("wb") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "deploy.cli", "up", "--demo", "--ingest-port", str(ingest_port), "--query-port", str(query_port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        creds_path = data_dir / "credentials.json"
        deadline = time.monotonic() + 180
        token = None
        while time.monotonic() < deadline and token is None:
            assert up.poll() is None, log_path.read_text()[-3000:]
            if creds_path.exists():
                creds = BootstrapCredentials.load(creds_path)
                try:
                    login = httpx.post(
                        f"{creds.query_url}/v1/auth/login",
                        json={"email": creds.admin_email, "password": creds.admin_password},
                        timeout=2,
                    )
                    token = login.json()["token"] if login.status_code == 200 else None
                except httpx.HTTPError:
                    pass
            time.sleep(1)
        assert token, "guardstream up did not become ready in 180 s:\n" + log_path.read_text()[-3000:]
        assert creds.ingest_url.endswith(str(ingest_port)) and creds.query_url.endswith(str(query_port))
        assert {"ingest_url", "query_url", "api_key", "project_id", "admin_email", "admin_password"} <= set(
            creds.model_dump()
        )

        # Demo traffic becomes visible in GET /v1/requests within 60 s.
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 60
        items: list = []
        while time.monotonic() < deadline and not items:
            items = httpx.get(f"{creds.query_url}/v1/requests", params={"range": "5m"}, headers=headers).json()["items"]
            time.sleep(1)
        assert items, "no demo traffic in GET /v1/requests within 60 s"
        assert all(item["project_id"] for item in items), items[:3]

        # The dashboard is served, and the SIEM partitions land under the data dir.
        page = httpx.get(f"{creds.query_url}/")
        assert page.status_code == 200 and "<script" in page.text
        archive = data_dir / "archive"
        deadline = time.monotonic() + 150  # a window closes at most 60 s + 20 s grace after its minute
        objects: list[Path] = []
        while time.monotonic() < deadline and not objects:
            objects = sorted(archive.rglob("*.jsonl"))
            time.sleep(2)
        assert objects, "no SIEM object under the data dir within 150 s"
        relative = objects[0].relative_to(archive).as_posix()
        assert KEY_PATTERN.fullmatch(relative.split("/", 1)[1]), relative  # <org>/YYYY/MM/DD/hh/<time>.jsonl
        lines = objects[0].read_bytes().splitlines()
        assert lines and all(SiemLogLine.model_validate_json(line).org_id == "org-default" for line in lines)
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            code = up.wait(90)
        except subprocess.TimeoutExpired:
            up.kill()
            pytest.fail("guardstream up did not stop within 90 s of SIGTERM:\n" + log_path.read_text()[-3000:])
    assert code == 0, log_path.read_text()[-3000:]
    time.sleep(1)
    assert processes_mentioning(str(data_dir)) == [], "processes left after SIGTERM"
