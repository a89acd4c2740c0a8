"""Waiting for an asynchronous pipeline to show a result, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float = 90, interval: float = 0.5) -> T:
    """The first truthy value of `predicate()`, or its last value once `timeout` passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
