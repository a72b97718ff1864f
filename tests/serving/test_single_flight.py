"""The predict caches' background refresh starts one thread per stale entry."""

from __future__ import annotations

import threading

from loom.core.background import SingleFlight


def _run_blocked(flight: SingleFlight, key: str, calls: list[str]) -> threading.Event:
    started, release = threading.Event(), threading.Event()

    def work() -> None:
        calls.append(key)
        started.set()
        release.wait(10)

    flight.start(key, work)
    assert started.wait(10)
    return release


def _wait_idle(flight: SingleFlight) -> None:
    for thread in threading.enumerate():
        if thread.name == flight.name:
            thread.join(10)


def test_single_flight_skips_a_key_already_running_and_frees_it_after() -> None:
    flight = SingleFlight("test-flight")
    calls: list[str] = []
    release = _run_blocked(flight, "a", calls)
    flight.start("a", lambda: calls.append("a-again"))  # a is busy: ignored
    other = _run_blocked(flight, "b", calls)  # another key runs alongside
    release.set()
    other.set()
    _wait_idle(flight)
    assert calls == ["a", "b"]
    _run_blocked(flight, "a", calls).set()  # a is free again
    _wait_idle(flight)
    assert calls == ["a", "b", "a"]


def test_single_flight_frees_the_key_when_the_work_fails() -> None:
    flight = SingleFlight("test-flight-fail")
    calls: list[str] = []

    def fail() -> None:
        calls.append("fail")
        raise RuntimeError("database went away")

    flight.start("a", fail)
    _wait_idle(flight)
    _run_blocked(flight, "a", calls).set()
    _wait_idle(flight)
    assert calls == ["fail", "a"]
