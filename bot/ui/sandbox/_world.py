"""The simulated workshop server: its members, the welcome note and the demo excerpt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simcord import ChannelHandle, Env, GuildHandle, MemberActor

    from bot.workshop import Workshop

SERVER_NAME = "Marginalia Sandbox"
BOT_NAME = "Marginalia"
CHANNEL_NAME = "workshop"
# The simulated world is rebuilt on every run. Building it at the same virtual instant each time
# gives the server and its members the same ids, so a database kept with --database still knows
# who wrote what. Everything after that happens at the real time of day, so messages posted in a
# later run never reuse the ids of messages an earlier run stored.
WORLD_BUILT_AT = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)

DEMO_TITLE = "The Annotator"
DEMO_FILENAME = "the-annotator.md"
# An original demo excerpt: ten paragraphs, so ten numbered lines. Lines 2 and 9 hold *asterisks*
# and line 7 holds underscores: the bot must show them exactly as written, not as formatting.
DEMO_EXCERPT = """\
The atlas cost Ines two euros at the Sunday market, and it came with a stranger inside it: \
pencil notes in every margin, small and slanted, as if the writer had been leaning out of a \
moving train.

The first note sat beside the map of the Faroe Islands. It said only *too many sheep, not \
enough weather*, underlined twice.

She laughed out loud on the tram, and a man in a green coat moved one seat further away.

By the Baltic the notes had grown longer. The annotator argued with the cartographers, \
corrected the spelling of a fjord, and drew a tiny lighthouse on a headland where no \
lighthouse was printed.

On the page for Lisbon there was a list: bread, stamps, call M., forgive M. The last item had \
been crossed out and then written again, more firmly.

Ines began to read the atlas backwards, from the index to the oceans, hunting for the \
handwriting the way other people hunt for the weather forecast.

Inside the back cover, in block capitals, someone had written a filename, \
ATLAS_NOTES_final_v2.txt, and under it a date from eleven years ago.

She typed the filename into a search engine, which found nothing, and then into her own \
laptop, which found nothing either, and she felt foolish and then, unexpectedly, relieved.

That night she sharpened a pencil and wrote her first note under the stranger's lighthouse: \
*I went here. There is still no lighthouse. I looked.*

In the morning she took the atlas back to the market and left it, spine out, in the box marked \
2 € each, where the next reader would find two strangers waiting instead of one.
"""

WELCOME = """\
**Welcome to the Marginalia sandbox.** Everything here is simulated: no Discord account, no \
token, nothing leaves this computer. The bot answering you is the real Marginalia.
You are **Maya**, the author of the demo excerpt; Theo and Priya are its readers and Sam is \
the moderator. Use **Viewing as** at the top of the page to act as any of them.
Type `/` to try a command, for example:
• `/excerpt show excerpt:1` to read the numbered lines with their comment counts
• `/comment add excerpt:1 line:4 text:…` (add `quote:` and `suggestion:` to propose an edit)
• `/comment list excerpt:1` or `/comment reply comment:1 text:…`
• `/excerpt post title:…` to paste your own text, or attach a .txt, .md or .docx file
• `/digest` to download the feedback as a Markdown, HTML or Word file
On Discord each excerpt lives in its own thread. This page shows one channel, so what the bot \
posts in those threads is copied here, marked 🧵: the numbered lines and every comment."""


@dataclass(frozen=True, slots=True)
class SandboxWorld:
    """The simulated server: handles for driving it through SimCord."""

    guild: GuildHandle
    workshop: ChannelHandle
    author: MemberActor
    readers: tuple[MemberActor, MemberActor]
    moderator: MemberActor

    @property
    def viewers(self) -> tuple[MemberActor, ...]:
        """Everyone the browser may act as; the author comes first and is the default."""
        return (self.author, *self.readers, self.moderator)


def build_world(env: Env) -> SandboxWorld:
    """Create the sandbox server in a running SimCord ``env`` (works with the test fixture too)."""
    import discord

    guild = env.create_guild(SERVER_NAME)
    workshop = guild.create_text_channel(CHANNEL_NAME)
    moderators = guild.create_role(
        "Moderators", permissions=discord.Permissions(manage_guild=True, manage_messages=True)
    )
    return SandboxWorld(
        guild=guild,
        workshop=workshop,
        author=guild.add_member(env.create_user("maya", global_name="Maya")),
        readers=(
            guild.add_member(env.create_user("theo", global_name="Theo")),
            guild.add_member(env.create_user("priya", global_name="Priya")),
        ),
        moderator=guild.add_member(env.create_user("sam", global_name="Sam"), roles=[moderators]),
    )


async def seed_demo(world: SandboxWorld, workshop: Workshop) -> int:
    """Post the demo excerpt as the author and give it reader feedback; returns its number.

    Everything goes through the bot's own slash commands, exactly as members would use them;
    ``workshop`` (the bot's) is only asked which numbers the bot gave the excerpt and comment.
    """
    theo, priya = world.readers
    posted = await world.author.slash(
        world.workshop,
        "excerpt post",
        title=DEMO_TITLE,
        file=(DEMO_FILENAME, DEMO_EXCERPT.encode()),
    )
    thread = world.workshop.threads[-1] if world.workshop.threads else None
    excerpt = (
        await workshop.excerpts.excerpt_for_thread(world.guild.id, thread.id) if thread else None
    )
    if thread is None or excerpt is None:
        raise RuntimeError(f"seeding the sandbox failed: /excerpt post answered {posted!r}")
    # In the excerpt's thread, where readers normally comment: a phrase with a suggested edit.
    await theo.slash(
        thread,
        "comment add",
        line="3",
        quote="moved one seat further away",
        suggestion="moved two seats further away",
        text="Funnier if he commits to it. Two seats.",
    )
    await theo.slash(
        thread,
        "comment add",
        line="2",
        quote="underlined twice",
        text="This is where the annotator came alive for me. Please never cut it.",
    )
    # From the channel, naming the excerpt: a comment on a range of lines.
    await priya.slash(
        world.workshop,
        "comment add",
        excerpt=str(excerpt.number),
        line="5-6",
        text="I started caring about M. here. Could the list come back at the very end?",
    )
    on_line_3 = await workshop.comments.list_comments(
        guild_id=world.guild.id, excerpt_number=excerpt.number, line_spec="3", status=None
    )
    if not on_line_3.comments:
        raise RuntimeError("seeding the sandbox failed: the comment on line 3 was not saved")
    await priya.slash(
        thread,
        "comment reply",
        comment=str(on_line_3.comments[0].number),
        text="Agreed: two seats, and he takes his umbrella with him.",
    )
    return excerpt.number
