"""The supervisor's handle on an endpoint process: start it, know its URL, stop it.

The endpoint runs as a child process (`python -m deploy.clickhouse_endpoint`) rather than in
the caller's process because chdb allows one data directory per process and keeps its engine
until exit; a child also gives every service the same URL-based access a real server would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

from deploy.ports import free_port
from deploy.processes import die_with_parent_hook

# Exit codes of `python -m deploy.clickhouse_endpoint`, so start() need not parse its log.
EXIT_ENGINE_FAILED = 1
EXIT_PORT_IN_USE = 3
EXIT_DATA_DIR_LOCKED = 4
_PORT_ATTEMPTS = 3  # a free port can be taken between our probe and the child's bind
_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # holds the `deploy` package


class EndpointError(RuntimeError):
    """The endpoint process failed to start or to answer."""


class ClickHouseEndpoint:
    """A ClickHouse-compatible HTTP endpoint over a chdb data directory, in a child process.

    `with ClickHouseEndpoint(path) as endpoint: clickhouse_connect.get_client(...endpoint.port...)`
    """

    def __init__(
        self, data_dir: Path, host: str = "127.0.0.1", port: int | None = None, log_file: Path | None = None
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = host
        self.port = port
        self._fixed_port = port is not None
        self.log_file = log_file
        self.url: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None

    def start(self, timeout: float = 60) -> str:
        """Spawn the endpoint and wait until `/ping` answers; returns (and stores) its URL.

        Without a fixed port it picks a free one, keeps it across stop() / start() (stable URL for
        clients) and draws a new one only if that port was taken meanwhile."""
        if self.process is not None and self.process.poll() is None and self.url is not None:
            return self.url
        deadline = time.monotonic() + timeout
        port = self.port if self.port is not None else free_port(self.host)
        for attempt in range(_PORT_ATTEMPTS):
            self._spawn(port)
            exit_code = self._wait_ready(f"http://{self.host}:{port}", deadline)
            if exit_code is None:
                self.port = port
                self.url = f"http://{self.host}:{port}"
                return self.url
            self._close_log()
            self.process = None
            if exit_code == EXIT_PORT_IN_USE and not self._fixed_port and attempt + 1 < _PORT_ATTEMPTS:
                port = free_port(self.host)  # lost the race for a free port: draw another
                continue
            reason = {
                EXIT_PORT_IN_USE: f"port {port} on {self.host} is in use",
                EXIT_DATA_DIR_LOCKED: f"another endpoint process already serves {self.data_dir}",
            }.get(exit_code, f"exit code {exit_code}")
            raise EndpointError(f"ClickHouse endpoint did not start: {reason}{self._log_hint()}")
        raise AssertionError("unreachable")

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (uvicorn drains requests, the engine closes), SIGKILL after `timeout`. Idempotent."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self._close_log()
        self.url = None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def __enter__(self) -> ClickHouseEndpoint:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _spawn(self, port: int) -> None:
        argv = [
            sys.executable, "-m", "deploy.clickhouse_endpoint",
            "--data-dir", str(self.data_dir), "--host", self.host, "--port", str(port),
        ]
        env = dict(os.environ)
        # Importable even when the caller runs from elsewhere and the project is not installed.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), env.get("PYTHONPATH")]))
        env["TZ"] = "UTC"
        output: IO[bytes] | None = None  # None: the child shares our stdout / stderr
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            output = self._log_handle = open(self.log_file, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            # The kernel SIGTERMs the child when this process dies, even by SIGKILL (Linux).
            preexec_fn=die_with_parent_hook(),
        )

    def _wait_ready(self, url: str, deadline: float) -> int | None:
        """None once /ping answers Ok.; the exit code if the child exits first."""
        assert self.process is not None
        while True:
            exit_code = self.process.poll()
            if exit_code is not None:
                return exit_code
            try:
                with urllib.request.urlopen(url + "/ping", timeout=2) as response:
                    if response.status == 200:
                        return None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # not listening yet, or the engine is still opening
            if time.monotonic() > deadline:
                self.stop()
                raise EndpointError(f"ClickHouse endpoint did not answer {url}/ping in time{self._log_hint()}")
            time.sleep(0.1)

    def _log_hint(self) -> str:
        return f" (see {self.log_file})" if self.log_file is not None else ""

    def _close_log(self) -> None:
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
