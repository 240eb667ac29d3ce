"""/excerpt apply end to end: a private preview, Apply and Cancel for the author only,
revision 2 posted in the thread with the suggestions in."""

from __future__ import annotations

import pytest
from simcord.backend.errors import SetupError

from tests.helpers import count, expect_refusal, rows
from tests.suggestions.story import STORY, story_thread


async def test_apply_all_previews_then_makes_revision_2(simcord_env, server, db_path):
    thread = await story_thread(simcord_env, server)
    refused = await server.reader.slash(thread, "excerpt apply", excerpt="1")
    expect_refusal(simcord_env, refused, "only the author")

    asked = await server.author.slash(thread, "excerpt apply", excerpt="1")
    assert asked.ephemeral
    preview = asked.response.embeds[0]
    assert "~~scents~~" in preview.description and "**since**" in preview.description
    assert "`2`" in preview.description
    left_out = preview.fields[0].value
    assert "#3 overlaps #4" in left_out and "#4 overlaps #3" in left_out

    # Only the author can press Apply: nobody else even sees the preview.
    with pytest.raises(SetupError, match="not visible"):
        await server.reader.click(asked.response, label="Apply")
    assert count(db_path, "SELECT revision FROM excerpts") == 1

    done = await server.author.click(asked.response, label="Apply")
    assert count(db_path, "SELECT revision FROM excerpts") == 2
    said = "\n".join(m.content for m in [done.response, *done.followups] if m.content)
    assert "2 suggestions applied (#1, #2)" in said
    assert "#3 overlaps #4" in said
    lines = [
        r[0] for r in rows(db_path, "SELECT text FROM lines WHERE revision = 2 ORDER BY number")
    ]
    old = [r[0] for r in rows(db_path, "SELECT text FROM lines WHERE revision = 1 ORDER BY number")]
    assert len(lines) == len(old)
    assert lines == [
        old[0].replace("scents", "since"),
        old[1].replace("Your right", "You're right"),
        old[2],
        old[3],
    ]
    assert rows(
        db_path,
        "SELECT number, status, applied_revision, quote, origin_quote FROM comments"
        " ORDER BY number",
    ) == [
        (1, "resolved", 2, "since", "scents"),
        (2, "resolved", 2, "You're right", "Your right"),
        (3, "open", None, "climbed the stair", "climbed the stair"),
        (4, "open", None, "the stair with", "the stair with"),
    ]
    # The thread got the notice and the new lines.
    assert any("2 suggestions applied" in (m.content or "") for m in thread.history())
    # The applied comments' cards say so; the others' stay open.
    footers = {
        e.title.split(" ·")[0]: e.footer.text
        for m in thread.history()
        for e in m.embeds
        if (e.title or "").startswith("💬 Comment #")
    }
    assert "applied in revision 2" in footers["💬 Comment #1"]
    assert "applied in revision 2" in footers["💬 Comment #2"]
    assert "applied" not in footers["💬 Comment #3"]
    listing = await server.author.slash(thread, "comment list", status="all")
    assert "applied in revision 2" in listing.response.embeds[0].description


async def test_cancel_changes_nothing_and_nothing_applicable_is_refused(
    simcord_env, server, db_path
):
    thread = await story_thread(simcord_env, server)
    asked = await server.author.slash(thread, "excerpt apply", excerpt="1", comments="1")
    cancelled = await server.author.click(asked.response, label="Cancel")
    assert "nothing was changed" in cancelled.response.content.lower()
    nothing = await server.author.slash(thread, "excerpt apply", excerpt="1", comments="3, 4")
    expect_refusal(simcord_env, nothing, "no revision was made", "#3 overlaps #4")
    junk = await server.author.slash(thread, "excerpt apply", excerpt="1", comments="one")
    expect_refusal(simcord_env, junk, "by number")
    assert count(db_path, "SELECT revision FROM excerpts") == 1


async def test_a_revision_after_the_preview_refuses_apply(simcord_env, server, db_path):
    thread = await story_thread(simcord_env, server)
    asked = await server.author.slash(thread, "excerpt apply", excerpt="1", comments="1")
    await server.author.slash(
        thread, "excerpt revise", excerpt="1", file=("v2.txt", (STORY + "\n\nThe end.").encode())
    )
    late = await server.author.click(asked.response, label="Apply")
    assert "another revision since the preview" in late.response.content
    assert late.response.content.startswith("⚠️ Nothing was applied")
    assert count(db_path, "SELECT revision FROM excerpts") == 2
    assert count(db_path, "SELECT COUNT(*) FROM comments WHERE applied_revision IS NOT NULL") == 0
