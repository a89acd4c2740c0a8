"""Child processes of `guardstream up`: started with a prefixed output pump, tied to our
lifetime by the kernel, and stopped with SIGTERM first and SIGKILL only on timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import IO

_COLOURS = ("36", "35", "33", "32", "34", "31")


def die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn making the kernel SIGTERM the child when our process dies, even by SIGKILL.

    Linux only (prctl); elsewhere None. PR_SET_PDEATHSIG fires when the *thread* that
    forked the child exits, so start children from the main thread.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, not in the child
    parent_pid = os.getpid()

    def hook() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)

    return hook


def _pump(name: str, colour: str, stream: IO[bytes], sink: IO[str]) -> None:
    prefix = f"\x1b[{colour}m{name:>9} |\x1b[0m " if sink.isatty() else f"{name:>9} | "
    for raw in iter(stream.readline, b""):
        sink.write(prefix + raw.decode("utf-8", "replace").rstrip() + "\n")
        sink.flush()


class ServiceProcess:
    """One service of the stack, e.g. `ingest`, run as `python -m deploy.cli serve ingest`."""

    _count = 0

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.process: subprocess.Popen[bytes] | None = None
        self._colour = _COLOURS[ServiceProcess._count % len(_COLOURS)]
        ServiceProcess._count += 1

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent_hook(),
        )
        assert self.process.stdout is not None
        threading.Thread(
            target=_pump, args=(self.name, self._colour, self.process.stdout, sys.stdout), daemon=True
        ).start()

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (the service drains and commits), then SIGKILL if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
