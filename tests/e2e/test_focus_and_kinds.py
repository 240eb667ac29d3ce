"""Focus and kinds: what the author asks for, and what each comment is about, end to end."""

from __future__ import annotations

from tests.helpers import expect_refusal, post_scene, rows


async def test_focus_and_intensity_show_in_the_header_and_the_digest(simcord_env, server, db_path):
    result = await server.author.slash(
        server.channel,
        "excerpt post",
        title="The Keeper",
        file=("keeper.txt", b"One line.\n\nTwo lines."),
        focus="Does the ending land?",
        intensity="thick skin",
    )
    assert result.response is not None
    thread = server.channel.threads[-1]
    header = thread.history()[0].embeds[0].description
    assert "🎯 Feedback wanted: Does the ending land? (thick skin)" in header
    assert rows(db_path, "SELECT focus, intensity FROM excerpts") == [
        ("Does the ending land?", "thick skin")
    ]
    digest = await server.reader.slash(thread, "digest excerpt", format="markdown")
    text = (await digest.response.attachments[0].read()).decode()
    assert "**Feedback wanted:** Does the ending land? \\(thick skin\\)" in text


async def test_kind_is_kept_shown_and_filtered(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    typo = await server.reader.slash(thread, "comment add", line="1", text="gull?", kind="typo")
    assert "typo" in typo.response.embeds[0].footer.text
    await server.reader.slash(thread, "comment add", line="2", text="Lovely.", kind="praise")
    await server.reader.slash(thread, "comment add", line="3", text="No kind.")
    assert rows(db_path, "SELECT number, kind FROM comments ORDER BY number") == [
        (1, "typo"),
        (2, "praise"),
        (3, None),
    ]
    listed = await server.author.slash(thread, "comment list", kind="praise")
    page = listed.response.embeds[0].description
    assert "**#2**" in page and "**#1**" not in page and "**#3**" not in page
    assert "praise" in page
    none = await server.author.slash(thread, "comment list", kind="pacing")
    assert "No pacing comments" in none.response.content
    digest = await server.author.slash(thread, "digest excerpt", format="markdown")
    text = (await digest.response.attachments[0].read()).decode()
    assert "#1 · *typo* · open" in text and "#2 · *praise* · open" in text


async def test_the_menu_form_takes_a_kind(simcord_env, server, db_path):
    thread = await post_scene(simcord_env, server)
    message = thread.history()[-1]
    shown = await server.reader.context_menu(thread, "Comment on line", message)
    result = await server.reader.submit_modal(
        shown, {"line": "3", "text": "Why thirteen?", "kind": "Question"}
    )
    assert "question" in result.response.embeds[0].footer.text
    assert rows(db_path, "SELECT kind FROM comments") == [("question",)]
    again = await server.reader.context_menu(thread, "Comment on line", message)
    refused = await server.reader.submit_modal(again, {"line": "3", "text": "Hm", "kind": "vibes"})
    expect_refusal(simcord_env, refused, "vibes", "typo")
