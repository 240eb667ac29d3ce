"""`python -m bot sandbox`: the real bot in a simulated Discord, shown in a local browser page.

Nothing here talks to Discord and no token is needed. SimCord runs the unmodified bot against an
in-memory Discord; this module builds a small workshop server in it, seeds a demo excerpt with
reader comments (only into a database that has none yet), and opens SimCord's browser preview of
``#workshop`` on 127.0.0.1, where the person at the browser acts as the members of that server.

SimCord and its preview are an optional extra (``pip install -e ".[sandbox]"``); this module
imports them only when the sandbox runs, so the bot itself never needs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.util
import logging
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simcord import ChannelHandle, Env, GuildHandle, MemberActor

    from bot.ui.client import MarginaliaBot
    from bot.workshop import Workshop

INSTALL_HINT = (
    'the sandbox is an optional extra: run  pip install -e ".[sandbox]"  '
    '(for this Python: {python} -m pip install -e ".[sandbox]")'
)
# What SimCord's preview imports when it starts, plus SimCord itself.
_REQUIRED_MODULES = ("simcord", "aiohttp", "markdown_it", "linkify_it", "regex", "PIL")

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

MIRROR_MARK = "🧵"


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


def missing_requirements() -> list[str]:
    """The modules the sandbox needs that are not installed."""
    return [name for name in _REQUIRED_MODULES if importlib.util.find_spec(name) is None]


async def run_sandbox(
    database: Path | None,
    port: int | None,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the bot in a simulated Discord and serve its browser preview until ``stop`` is set.

    ``database`` is the SQLite file to use (a throwaway one when None); the demo excerpt is
    posted only when that file holds no excerpt for the sandbox server yet. ``port`` is the
    loopback port for the preview (a free one when None). ``ready`` receives the preview's
    address once it is serving (it is printed when ``ready`` is None). Returns after ``stop``
    is set or the browser ends the preview session; the bot and its database are closed.
    """
    with _database_file(database) as path:
        from bot import create_bot

        bot = create_bot(database=path)
        # The simulated server is the only one there is: sync commands globally, whatever
        # development guild .env names for the real bot.
        bot.settings = dataclasses.replace(bot.settings, dev_guild_id=None)
        try:
            await _serve(bot, port, ready or _announce, stop or asyncio.Event())
        finally:
            await bot.close()  # SimCord never closes the bot; this also closes the database


async def _serve(
    bot: MarginaliaBot, port: int | None, ready: Callable[[str], None], stop: asyncio.Event
) -> None:
    import discord
    import simcord

    # The server exists before Marginalia joins it, as on Discord: a bare stand-in client holds
    # the simulated world while it is built and its clock is set to today, so none of the bot's
    # own timers has to run through the months in between. Then the real bot takes its place.
    stand_in = discord.Client(intents=discord.Intents.default())
    try:
        # Refusals (a wrong line number, say) are part of trying the bot, not failures.
        async with simcord.run(stand_in, check_errors=False) as env:
            await _advance_clock_to(env, WORLD_BUILT_AT)
            world = build_world(env)
            await _advance_clock_to(env, datetime.now(UTC))
            if stand_in.user is not None:  # the account the bot logs in with
                await stand_in.user.edit(username=BOT_NAME)
            await env.restart_bot(bot)
            await _open_workshop(env, bot, world, port, ready, stop)
    finally:
        await stand_in.close()


def _is_refusal(error: BaseException) -> bool:
    """A polite "no" the bot already answered (a wrong line number, a closed excerpt), as
    opposed to a failure: the preview must show it as the answer it is."""
    from discord import app_commands

    from bot.errors import MarginaliaError

    original = getattr(error, "original", None)
    if isinstance(original, BaseException):
        return isinstance(original, MarginaliaError)
    return isinstance(error, MarginaliaError | app_commands.AppCommandError)


def answer_refusals_quietly(bot: MarginaliaBot) -> None:
    """Answer refusals without passing them to the preview's error recorder.

    SimCord's preview reports every exception a command handler raises as "action outcome
    uncertain" with an error badge. A refusal is a complete, polite answer, so it goes
    straight to the bot's own handler; anything else still reaches the recorder (and the
    bot's handler after it). Call after the bot has joined the simulated Discord.
    """
    import discord

    from bot.ui.error_replies import send_error

    tree_recorder = bot.tree.on_error

    async def on_tree_error(interaction: discord.Interaction, error: Exception) -> None:
        if _is_refusal(error):
            await send_error(interaction, error)
        else:
            await tree_recorder(interaction, error)  # type: ignore[arg-type]

    bot.tree.on_error = on_tree_error  # type: ignore[method-assign]

    # Forms (modals) report errors through their own on_error, wrapped by the recorder as
    # each is registered: unwrap refusals there too.
    store = bot._connection._view_store
    register = store.add_view

    def add_view(view: discord.ui.View, message_id: int | None = None) -> None:
        register(view, message_id)
        view_recorder = view.on_error

        async def on_view_error(
            interaction: discord.Interaction, error: Exception, *args: object
        ) -> None:
            if _is_refusal(error):
                await type(view).on_error(view, interaction, error, *args)  # type: ignore[arg-type]
            else:
                await view_recorder(interaction, error, *args)  # type: ignore[arg-type]

        view.on_error = on_view_error  # type: ignore[method-assign]

    store.add_view = add_view  # type: ignore[method-assign, assignment]


class ThreadMirror:
    """Copies what the bot posts in the threads of one channel into that channel.

    SimCord's preview shows one channel and only a one-line summary of its threads, while an
    excerpt's numbered lines and its comment cards are posted in the excerpt's thread. The
    copies are marked with the thread they come from and keep the embeds. (The preview runs
    slash commands only, so message menus such as **Comment on line** can't be tried there.)
    """

    def __init__(self, bot: MarginaliaBot, channel_id: int) -> None:
        self.bot = bot
        self.channel_id = channel_id
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.bot.add_listener(self.on_message, "on_message")
        self._worker = asyncio.create_task(self._copy_in_order())

    async def stop(self) -> None:
        self.bot.remove_listener(self.on_message, "on_message")
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def settle(self) -> None:
        """Wait until every message seen so far is copied."""
        await self._queue.join()

    async def on_message(self, message: object) -> None:
        import discord

        if not isinstance(message, discord.Message) or self.bot.user is None:
            return
        channel = message.channel
        if (
            message.author.id == self.bot.user.id
            and isinstance(channel, discord.Thread)
            and channel.parent_id == self.channel_id
        ):
            self._queue.put_nowait(message)

    async def _copy_in_order(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self._copy(message)
            except Exception:
                logging.getLogger(__name__).exception("could not copy a thread message")
            finally:
                self._queue.task_done()

    async def _copy(self, message: object) -> None:
        import discord

        assert isinstance(message, discord.Message) and isinstance(message.channel, discord.Thread)
        home = self.bot.get_channel(self.channel_id)
        if not isinstance(home, discord.TextChannel):
            return
        thread = message.channel
        content = f"{MIRROR_MARK} in {thread.mention}"
        if message.content:
            content += f"\n{message.content}"
        await home.send(
            content[:2000], embeds=message.embeds, allowed_mentions=discord.AllowedMentions.none()
        )


async def repost_kept_excerpts(bot: MarginaliaBot, world: SandboxWorld) -> int:
    """Post each live excerpt of a kept database in a new thread; returns how many.

    The simulated Discord is rebuilt on every run, so the threads an earlier run posted are
    gone: without this, new comments could not reach an excerpt's thread and its lines could
    not take **Comment on line**. Comments and replies stay in the database and in listings.
    """
    import discord

    from bot.models import PostedMessage
    from bot.ui.excerpts import excerpt_messages, thread_name

    home = bot.get_channel(world.workshop.id)
    if not isinstance(home, discord.TextChannel):
        return 0
    reposted = 0
    for summary in reversed(
        await bot.workshop.excerpts.list_excerpts(world.guild.id)
    ):  # oldest first
        excerpt = summary.excerpt
        if excerpt.thread_id is not None and bot.get_channel(excerpt.thread_id) is not None:
            continue
        lines = (await bot.workshop.excerpts.show_lines(world.guild.id, excerpt.number, None)).lines
        thread = await home.create_thread(
            name=thread_name(excerpt), type=discord.ChannelType.public_thread
        )
        comments = summary.open_comments + summary.resolved_comments
        await thread.send(
            f"Excerpt #{excerpt.number} again, from the kept sandbox database "
            f"({comments} comment{'' if comments == 1 else 's'} kept: "
            f"`/comment list excerpt:{excerpt.number}`)."
        )
        posted: list[PostedMessage] = []
        for embeds, plan in excerpt_messages(excerpt, lines):
            sent = await thread.send(embeds=embeds)
            if plan.first_line:
                posted.append(PostedMessage(sent.id, plan.first_line, plan.last_line))
        await bot.workshop.excerpts.mark_posted(excerpt, thread.id, posted)
        reposted += 1
    return reposted


async def _open_workshop(
    env: Env,
    bot: MarginaliaBot,
    world: SandboxWorld,
    port: int | None,
    ready: Callable[[str], None],
    stop: asyncio.Event,
) -> None:
    """Seed a fresh database (or repost a kept one's excerpts), then serve the preview of
    #workshop until told to stop."""
    answer_refusals_quietly(bot)
    home = bot.get_channel(world.workshop.id)
    assert home is not None and hasattr(home, "send")
    await home.send(WELCOME)  # from the bot, like a pinned guide
    mirror = ThreadMirror(bot, world.workshop.id)
    mirror.start()
    try:
        if await bot.workshop.excerpts.list_excerpts(world.guild.id):
            await repost_kept_excerpts(bot, world)
            await mirror.settle()
            # A kept database: show the author what it already holds.
            await world.author.slash(world.workshop, "excerpt list")
        else:
            number = await seed_demo(world, bot.workshop)
            await mirror.settle()
            # The author's own view of their excerpt, with its comment counts.
            await world.author.slash(world.workshop, "excerpt show", excerpt=str(number))
        await _serve_preview(env, world, port, ready, stop)
    finally:
        await mirror.stop()


async def _serve_preview(
    env: Env,
    world: SandboxWorld,
    port: int | None,
    ready: Callable[[str], None],
    stop: asyncio.Event,
) -> None:
    preview = env.preview(world.workshop, viewers=world.viewers, layout="channel", port=port)
    async with preview:
        ready(preview.url)
        stopped = asyncio.ensure_future(stop.wait())
        closed = asyncio.ensure_future(preview.wait_closed())
        try:
            await asyncio.wait({stopped, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (stopped, closed):
                waiter.cancel()
            await asyncio.gather(stopped, closed, return_exceptions=True)


async def _advance_clock_to(env: Env, when: datetime) -> None:
    seconds = (when - env.now()).total_seconds()
    if seconds > 0:
        await env.advance_time(seconds)


@contextlib.contextmanager
def _database_file(database: Path | None) -> Iterator[Path]:
    """The named SQLite file (its folder made if need be), or a throwaway one."""
    if database is not None:
        database = database.expanduser()
        database.parent.mkdir(parents=True, exist_ok=True)
        yield database
        return
    with tempfile.TemporaryDirectory(prefix="marginalia-sandbox-") as folder:
        yield Path(folder) / "sandbox.db"


def _announce(url: str) -> None:
    print(
        f"Marginalia sandbox: open {url} in your browser (this machine only).\n"
        "The page acts as Maya, the author; switch members with 'Viewing as'. "
        "Press Ctrl-C here to stop.",
        flush=True,
    )


# --------------------------------------------------------------------- command line


def main(database: Path | None, port: int | None) -> int:
    """`python -m bot sandbox`: serve until Ctrl-C; returns the process exit code."""
    if missing_requirements():
        print(f"marginalia: {INSTALL_HINT.format(python=sys.executable)}", file=sys.stderr)
        return 2
    if port is not None and not 0 <= port <= 65535:
        print(f"marginalia: --port {port} is not a port number (0-65535)", file=sys.stderr)
        return 2
    from bot.config import ConfigError, configure_logging, read_environment, settings_from

    try:
        settings = settings_from(read_environment(), need_token=False)
    except ConfigError as error:
        print(f"marginalia: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if settings.log_level != "DEBUG":
        # discord.py's start-up chatter (voice support, "static token") means nothing here.
        logging.getLogger("discord").setLevel(logging.ERROR)
    from simcord import SetupError

    try:
        asyncio.run(_main(database, port))
    except KeyboardInterrupt:
        pass
    except SetupError as error:  # e.g. the port is taken
        hint = "; choose another with --port N" if "port" in str(error) else ""
        print(f"marginalia: sandbox could not start: {error}{hint}", file=sys.stderr)
        return 1
    print("Marginalia sandbox stopped.", file=sys.stderr)
    return 0


async def _main(database: Path | None, port: int | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def request_stop(signum: int) -> None:
        stop.set()
        loop.remove_signal_handler(signum)  # a second Ctrl-C interrupts at once

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. on Windows
            loop.add_signal_handler(signum, request_stop, signum)
    await run_sandbox(database, port, stop=stop)
