"""Real concurrency for tests: actions in threads of their own, each with its own database
connection, released together."""

from __future__ import annotations

import threading

from django.db import connection


def run_at_once(*actions, timeout: float = 60) -> None:
    """Runs each action in a thread of its own, all released together; fails with every error."""
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action):
        try:
            barrier.wait()
            action()
        except BaseException as exc:  # noqa: BLE001 (reported to the test below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), f"a thread is still running after {timeout} s"
    assert not errors, errors
