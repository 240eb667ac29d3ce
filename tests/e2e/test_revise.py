"""/excerpt revise: comments follow their text; the rest are kept as outdated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import SCENE, count, expect_refusal, post_scene, rows

REVISED = (
    "Fog had settled on the island before dawn.\n\n"
    "The lighthouse keeper counted the gulls every morning.\n\n"
    "Nobody had asked him to; it simply steadied his hands.\n\n"
    "On the ninth day there were thirteen, and one of them was *watching* him."
)


def anchors(db_path: Path) -> list[tuple[Any, ...]]:
    return rows(
        db_path,
        "SELECT number, line_start, quote, anchor_state, revision, origin_line_start"
        " FROM comments ORDER BY number",
    )


async def test_revision_carries_comments_and_marks_the_rest_outdated(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(
        thread, "comment add", line="2", text="Nice.", quote="steadied his hands"
    )
    await server.reader.slash(thread, "comment add", line="3", text="Eerie.", quote="thirteen")
    await server.reader2.slash(thread, "comment add", line="4", text="Cosy ending.")
    await server.author.slash(thread, "comment resolve", comment="1")

    result = await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.txt", REVISED.encode())
    )
    content = result.response.content
    notice = (
        "📝 **Revision 2** of excerpt **#1** · The Keeper: 1 line added, 1 removed. "
        "Comments: #1 moved from line 2 to line 3; #2 moved from line 3 to line 4; "
        "#3 is outdated (its text is gone)."
    )
    assert content.startswith(notice) and "(s)" not in content
    # Readers get the same notice in the thread, right before the new lines.
    assert any(m.content == notice for m in thread.history())
    assert anchors(db_path) == [
        (1, 3, "steadied his hands", "moved", 2, 2),
        (2, 4, "thirteen", "moved", 2, 3),
        (3, 4, None, "outdated", 1, 4),
    ]
    # The new revision is posted in the thread, and its messages take menu comments.
    assert any(
        "Fog had settled" in (e.description or "") for m in thread.history() for e in m.embeds
    )

    listing = await server.reader.slash(thread, "comment list")
    text = listing.response.embeds[0].description
    assert "**#1** · line 3 (was line 2 of revision 1)" in text
    assert "⌛ outdated (written on line 4 of revision 1, whose text is gone)" in text

    old = await server.reader.slash(thread, "excerpt show", excerpt="1", revision=1)
    assert "went to make tea" in old.response.embeds[0].description
    assert "(revision 1)" in old.response.embeds[0].title
    written_on_1 = await server.reader.slash(thread, "comment list", revision=1)
    assert "#3" in written_on_1.response.embeds[0].description


async def test_only_the_author_revises_and_same_text_is_refused(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    refused = await server.moderator.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.txt", REVISED.encode())
    )
    expect_refusal(simcord_env, refused, "only the author")
    same = await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.txt", SCENE.encode())
    )
    expect_refusal(simcord_env, same, "same as revision 1")
    assert count(db_path, "SELECT MAX(number) FROM revisions") == 1


async def test_revise_by_paste(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    shown = await server.author.slash(thread, "excerpt revise", excerpt="1")
    assert shown.modal is not None
    done = await server.author.submit_modal(shown, {"text": REVISED})
    assert "Revision 2" in done.response.content
    old_message, new_message = (
        next(m for m in thread.history() if any(marker in (e.description or "") for e in m.embeds))
        for marker in ("went to make tea", "Fog had settled")
    )
    stale = await server.reader.context_menu(thread, "Comment on line", old_message)
    refusal = expect_refusal(simcord_env, stale, "revision 1 of excerpt #1", "revision 2")
    assert new_message.jump_url in refusal  # where the current lines are
    modal = await server.reader.context_menu(thread, "Comment on line", new_message)
    commented = await server.reader.submit_modal(modal, {"line": "1", "text": "Good fog."})
    assert "Comment #1" in commented.response.embeds[0].title


async def test_digests_show_the_current_revision_or_a_named_earlier_one(simcord_env, server):
    thread = await post_scene(simcord_env, server)
    await server.reader.slash(thread, "comment add", line="3", text="Eerie.", quote="thirteen")
    await server.reader2.slash(thread, "comment add", line="4", text="Cosy ending.")
    await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.txt", REVISED.encode())
    )
    await server.reader.slash(thread, "comment add", line="1", text="Good fog.")

    async def markdown(**options):
        result = await server.author.slash(thread, "digest excerpt", **options)
        return (await result.response.attachments[0].read()).decode()

    current = await markdown()
    text, outdated = current.split("Outdated comments")
    assert "Fog had settled" in text and "went to make tea" not in text
    assert "Line 4 said: “He wrote the number in the log" in outdated  # what the cut line said
    assert "## Line 4" in current and "Eerie." in current and "Good fog." in current
    assert "Cosy ending." in current  # outdated, still shown
    first = await markdown(revision=1)
    assert "went to make tea" in first and "Fog had settled" not in first
    assert "## Line 3" in first and "Eerie." in first and "## Line 4" in first
    assert "Good fog." not in first  # written on revision 2
    refused = await server.author.slash(thread, "digest excerpt", revision=5)
    expect_refusal(simcord_env, refused, "no revision 5")
