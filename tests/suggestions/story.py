"""The story of issue 17: two typos on different lines, and a line with two suggestions
that overlap."""

from __future__ import annotations

from typing import Any

from bot.models import Actor, Excerpt, PostedMessage
from bot.workshop import Workshop
from tests.helpers import AUTHOR, GUILD, READER

STORY = (
    "The keeper had not slept scents the storm began.\n\n"
    '"Your right," said the gull, "the lamp is failing."\n\n'
    "He climbed the stair with the oil can in his hand.\n\n"
    "The sea was grey and the sky was greyer still."
)
PRIYA = Actor(5, "Priya")


async def story(workshop: Workshop, author: Actor = AUTHOR) -> Excerpt:
    """The story posted, with (in order) #1 scents→since, #2 Your right→You're right,
    #3 a plain comment, #4 and #5 overlapping on line 3."""
    title, lines, warning = workshop.excerpts.prepare_excerpt("The Storm", STORY, None)
    excerpt = await workshop.excerpts.create_excerpt(
        guild_id=GUILD,
        channel_id=1,
        author=author,
        title=title,
        lines=lines,
        content_warning=warning,
    )
    await workshop.excerpts.mark_posted(excerpt, 1000 + excerpt.id, [PostedMessage(5, 1, 4)])
    for member, line, text, quote, suggestion in [
        (READER, "1", "Typo.", "scents", "since"),
        (PRIYA, "2", "You're, not your.", "Your right", "You're right"),
        (READER, "4", "Lovely.", None, None),
        (READER, "3", "Tighter.", "climbed the stair", "climbed the stairs"),
        (PRIYA, "3", "Which stair?", "the stair with", "the spiral stair with"),
    ]:
        await workshop.comments.add_comment(
            guild_id=GUILD,
            excerpt_number=excerpt.number,
            member=member,
            line_spec=line,
            text=text,
            quote=quote,
            suggestion=suggestion,
        )
    return excerpt


# The same story in Discord: (line, text, quote, suggestion) by the reader, in order.
SUGGESTIONS = [
    ("1", "Typo.", "scents", "since"),
    ("2", "You're, not your.", "Your right", "You're right"),
    ("3", "Tighter.", "climbed the stair", "climbed the stairs"),
    ("3", "Which stair?", "the stair with", "the spiral stair with"),
]


async def story_thread(env: Any, server: Any) -> Any:
    posted = await server.author.slash(
        server.channel, "excerpt post", title="The Storm", file=("storm.txt", STORY.encode())
    )
    assert not posted.ephemeral
    thread = server.channel.threads[-1] if hasattr(server.channel, "threads") else None
    assert thread is not None
    for line, text, quote, suggestion in SUGGESTIONS:
        await server.reader.slash(
            thread, "comment add", line=line, text=text, quote=quote, suggestion=suggestion
        )
    return thread
