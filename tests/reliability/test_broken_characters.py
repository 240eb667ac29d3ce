"""A lone UTF-16 surrogate in any typed field is refused clearly, nothing stored.

Issue "Hardening", item 17: half of a surrogate pair in comment text, a title, a
content warning or ``/prompt add`` reached SQLite, which can't encode it, and the
member got "something went wrong on my side".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Server, expect_refusal, only_domain_errors, post_scene, table_dump

BROKEN = "Half an emoji: \ud83d here"  # the high half of 😀 without its low half

Action = Callable[[Any, Server, Any], Awaitable[Any]]


async def _comment(env: Any, server: Server, thread: Any) -> Any:
    return await server.reader.slash(thread, "comment add", line="1", text=BROKEN)


async def _reply(env: Any, server: Server, thread: Any) -> Any:
    return await server.reader2.slash(thread, "comment reply", comment="1", text=BROKEN)


async def _edit(env: Any, server: Server, thread: Any) -> Any:
    return await server.reader.slash(thread, "comment edit", comment="1", text=BROKEN)


async def _suggestion(env: Any, server: Server, thread: Any) -> Any:
    return await server.reader.slash(
        thread, "comment add", line="3", text="Try this.", quote="thirteen", suggestion=BROKEN
    )


async def _title(env: Any, server: Server, thread: Any) -> Any:
    return await server.author.slash(
        server.channel, "excerpt post", title=BROKEN, file=("a.txt", b"Some text.")
    )


async def _content_warning(env: Any, server: Server, thread: Any) -> Any:
    return await server.author.slash(
        server.channel,
        "excerpt post",
        title="Fine",
        content_warning=BROKEN,
        file=("a.txt", b"Some text."),
    )


async def _pasted_text(env: Any, server: Server, thread: Any) -> Any:
    shown = await server.author.slash(server.channel, "excerpt post", title="Pasted")
    return await server.author.submit_modal(shown, {"text": f"One.\n\n{BROKEN}"})


async def _prompt(env: Any, server: Server, thread: Any) -> Any:
    return await server.moderator.slash(server.channel, "prompt add", text=BROKEN)


FIELDS: dict[str, tuple[Action, str]] = {
    "comment-text": (_comment, "comment"),
    "reply-text": (_reply, "reply"),
    "comment-edit": (_edit, "comment"),
    "suggestion": (_suggestion, "suggestion"),
    "excerpt-title": (_title, "title"),
    "content-warning": (_content_warning, "content warning"),
    "pasted-excerpt": (_pasted_text, "text"),
    "prompt-add": (_prompt, "prompt"),
}


@pytest.mark.parametrize("field", list(FIELDS))
async def test_a_lone_surrogate_is_refused_clearly(
    simcord_env: Any, server: Server, db_path: Path, field: str
) -> None:
    action, what = FIELDS[field]
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="1", text="Baseline note.")
    before = table_dump(db_path)

    result = await action(simcord_env, server, thread)

    content = expect_refusal(simcord_env, result, f"The {what} has a broken character")
    assert "went wrong" not in content
    only_domain_errors(simcord_env)
    assert table_dump(db_path) == before
