"""The request session commits before the client gets its answer."""

from __future__ import annotations

from typing import get_args

from loom.api.deps import SessionDep


def test_session_commits_before_the_response_is_sent() -> None:
    # With FastAPI's default "request" scope the commit runs after the response:
    # a client's next call could read stale data (seen as a flaky alias read).
    depends = get_args(SessionDep)[1]
    assert depends.scope == "function"
