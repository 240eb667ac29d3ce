"""Daily writing prompts: the schedule, each server's own prompts, and exactly-once posting.

Knows nothing of Discord. The scheduler's contract with its caller is *claim, then
send, then record*: :meth:`PromptService.claim_due` claims each due server's local date
in the same transaction that picks its prompt and moves its schedule on, so a tick, a
restart or a crash can never post a day twice. A claim whose sending fails is recorded
as failed and not retried (a crash between claim and send loses that day's prompt
rather than risking a double post); the moderators are told on their next ``/prompt``.

Decisions a moderator can observe:

* ``/prompt now`` posts an extra prompt and leaves the day's scheduled one in place.
  It draws from the same rotation, so it still never repeats a prompt. It is titled as
  an extra ("Extra prompt", "Extra prompt 2", ...) and allowed once per half hour per
  server, because it pings the role too.
* A failure note stays until a prompt posts successfully (or setup is run again), so
  a problem that is still there is never hidden just because someone saw it once.
* Setup and resume start from the next *upcoming* post time: resuming never posts a
  burst of missed days, nor a surprise prompt for a time already past today.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidInput, NotAllowed, NotFound, WrongState
from bot.models import Failure, Schedule, ServerPrompt, ShardSet
from bot.prompt_library import LibraryPrompt, choose_next, normalise_text, selection_seed
from bot.schedule import (
    day_is_over,
    is_due,
    local_date,
    next_due,
    parse_local_time,
    parse_timezone,
    upcoming,
)
from bot.storage import Session, Store
from bot.workshop import clean_text, parse_number

log = logging.getLogger(__name__)

CLAIM_BATCH = 50
# /prompt now pings the role like the daily prompt; one extra per half hour per server
# keeps a moderator's mistake (or a compromised account) from becoming a ping flood.
PROMPT_NOW_COOLDOWN = timedelta(minutes=30)
MAX_SERVER_PROMPTS = 500
MAX_SERVER_PROMPT_CHARS = 1_000
AUTOCOMPLETE_LIMIT = 25

_NEVER = datetime.max.replace(tzinfo=UTC)
_NOT_SET_UP = "Daily prompts aren't set up in this server yet. Start them with `/prompt setup`."


@dataclass(frozen=True, slots=True)
class Claim:
    """A prompt the caller must now post: its row in the posts table is already written."""

    post_id: int
    guild_id: int
    channel_id: int
    role_id: int | None
    local_date: date  # the server's calendar date the prompt is for
    prompt_key: str  # its key in the usage history
    text: str
    server_prompt_number: int | None  # the server's own prompt #n; None: from the library
    scheduled: bool  # False for /prompt now
    extra: int = 0  # for /prompt now: the how-manieth extra prompt of its local day, from 1


@dataclass(frozen=True, slots=True)
class _Picked:
    """The prompt chosen for a claim."""

    key: str
    text: str
    server_prompt_number: int | None


@dataclass(frozen=True, slots=True)
class PromptOverview:
    schedule: Schedule | None
    next_post: datetime | None  # in the server's zone; None when not set up
    server_prompts: list[ServerPrompt]
    server_unused: int
    library_remaining: int
    library_total: int


def zone_of(schedule: Schedule) -> ZoneInfo:
    return ZoneInfo(schedule.time_zone)


def effective_due(schedule: Schedule, zone: ZoneInfo, now: datetime) -> datetime:
    """When the scheduler will really post next, allowing for a day that ended unposted."""
    if day_is_over(now, schedule.next_due, zone):
        return next_due(now, schedule.post_time, zone, schedule.last_local_date)
    return schedule.next_due


def _require_manager(can_manage: bool, action: str) -> None:
    # Discord's default_member_permissions can't protect individual subcommands, and
    # server admins may override it anyway, so the rule is enforced here.
    if not can_manage:
        raise NotAllowed(
            f"Only members with the **Manage Server** permission can {action}. "
            "If you'd like a change, please ask a moderator."
        )


class PromptService:
    """Schedules and posts daily prompts. ``library`` may be replaced at any time."""

    def __init__(
        self,
        database: Store,
        clock: Callable[[], datetime],
        library: Sequence[LibraryPrompt],
        shards: ShardSet | None = None,
    ) -> None:
        self.db = database
        # The servers whose daily prompts this process posts (None: all of them). Other
        # processes of a cluster post the rest; an overlap is harmless, since a day is
        # claimed by one conditional insert that only one transaction can win.
        self.shards = shards
        self._now = clock
        self.library: tuple[LibraryPrompt, ...] = tuple(library)
        # A lower bound on the earliest active next_due, or None when unknown. Ticks before
        # it skip the database entirely; any schedule write resets it to unknown.
        self._wake_at: datetime | None = None

    def schedules_changed(self) -> None:
        """Forget the cached wake-up time; call after changing schedules from outside."""
        self._wake_at = None

    # ------------------------------------------------------------ settings

    @staticmethod
    def check_settings(time_text: str, zone_text: str) -> tuple[time, ZoneInfo]:
        """The post time and zone, or ``InvalidInput`` saying how to write them."""
        return parse_local_time(time_text), parse_timezone(zone_text)

    async def setup(
        self,
        guild_id: int,
        *,
        can_manage: bool,
        channel_id: int,
        role_id: int | None,
        time_text: str,
        zone_text: str,
    ) -> Schedule:
        _require_manager(can_manage, "set up daily prompts")
        post_at, zone = self.check_settings(time_text, zone_text)
        now = self._now()
        async with self.db.transaction() as tx:
            existing = await tx.prompts.get_schedule(guild_id)
            last = existing.last_local_date if existing else None
            self.schedules_changed()
            return await tx.prompts.save_schedule(
                guild_id=guild_id,
                channel_id=channel_id,
                role_id=role_id,
                post_time=post_at,
                time_zone=zone.key,
                next_due=upcoming(now, post_at, zone, last),
                now=now,
            )

    async def pause(self, guild_id: int, *, can_manage: bool) -> Schedule:
        _require_manager(can_manage, "pause daily prompts")
        async with self.db.transaction() as tx:
            schedule = await _configured(tx, guild_id)
            if schedule.paused:
                raise WrongState(
                    "Daily prompts are already paused. `/prompt resume` restarts them."
                )
            await tx.prompts.set_paused(
                guild_id, paused=True, next_due=schedule.next_due, now=self._now()
            )
            return await _configured(tx, guild_id)

    async def resume(self, guild_id: int, *, can_manage: bool) -> Schedule:
        _require_manager(can_manage, "resume daily prompts")
        now = self._now()
        async with self.db.transaction() as tx:
            schedule = await _configured(tx, guild_id)
            if not schedule.paused:
                raise WrongState("Daily prompts aren't paused; they are already running.")
            due = upcoming(now, schedule.post_time, zone_of(schedule), schedule.last_local_date)
            await tx.prompts.set_paused(guild_id, paused=False, next_due=due, now=now)
            self.schedules_changed()
            return await _configured(tx, guild_id)

    async def get_schedule(self, guild_id: int) -> Schedule | None:
        async with self.db.read() as session:
            return await session.prompts.get_schedule(guild_id)

    async def failure(self, guild_id: int) -> Failure | None:
        """The failure moderators still need to hear about, if any."""
        schedule = await self.get_schedule(guild_id)
        return schedule.failure if schedule else None

    # ------------------------------------------------------ server prompts

    async def add_prompt(
        self, guild_id: int, *, can_manage: bool, author_id: int, text: str
    ) -> ServerPrompt:
        _require_manager(can_manage, "add prompts")
        cleaned = clean_text(text, "prompt", MAX_SERVER_PROMPT_CHARS)
        wanted = normalise_text(cleaned)
        async with self.db.transaction() as tx:
            existing = await tx.prompts.list_server_prompts(guild_id)
            for prompt in existing:
                if normalise_text(prompt.text) == wanted:
                    raise InvalidInput(
                        f"That prompt is already on this server's list as #{prompt.number}."
                    )
            if len(existing) >= MAX_SERVER_PROMPTS:
                raise WrongState(
                    f"This server already has {MAX_SERVER_PROMPTS} prompts of its own, the "
                    "most it can keep. Remove some with `/prompt remove` first."
                )
            return await tx.prompts.insert_server_prompt(guild_id, cleaned, author_id, self._now())

    async def remove_prompt(self, guild_id: int, *, can_manage: bool, raw: str) -> ServerPrompt:
        _require_manager(can_manage, "remove prompts")
        number = parse_number(raw, "prompt")
        async with self.db.transaction() as tx:
            prompt = await tx.prompts.get_server_prompt(guild_id, number)
            if prompt is None:
                raise NotFound(
                    f"This server has no prompt #{number}. `/prompt list` shows its prompts."
                )
            # Its history entry may stay: choose_next ignores keys no longer offered.
            await tx.prompts.delete_server_prompt(guild_id, number)
        return prompt

    async def search_prompts(self, guild_id: int, typed: str) -> list[ServerPrompt]:
        typed = typed.strip().lstrip("#")
        async with self.db.read() as session:
            return await session.prompts.search_server_prompts(guild_id, typed, AUTOCOMPLETE_LIMIT)

    async def overview(self, guild_id: int) -> PromptOverview:
        now = self._now()
        async with self.db.read() as session:
            schedule = await session.prompts.get_schedule(guild_id)
            own = await session.prompts.list_server_prompts(guild_id)
            used, _last = await session.prompts.used_keys(guild_id)
        next_post = None
        if schedule is not None:
            try:
                zone = zone_of(schedule)
            except (ZoneInfoNotFoundError, ValueError):
                zone = None  # the failure note already tells the moderators to run setup
            if zone is not None:
                next_post = effective_due(schedule, zone, now).astimezone(zone)
        return PromptOverview(
            schedule=schedule,
            next_post=next_post,
            server_prompts=own,
            server_unused=sum(1 for prompt in own if prompt.key not in used),
            library_remaining=sum(1 for prompt in self.library if prompt.key not in used),
            library_total=len(self.library),
        )

    # ------------------------------------------------------------- posting

    async def claim_due(self, limit: int = CLAIM_BATCH) -> list[Claim]:
        """Claim every due server (up to ``limit``) for today's prompt, in one transaction.

        Only due rows are read, through the partial index on ``next_due_utc``, so a tick
        costs the same whether 10 or 10,000 servers are waiting for a later hour. The
        batch costs a handful of round trips plus one claim per server: every schedule
        is moved on by one statement (which, on PostgreSQL, also locks the rows in the
        due order), the servers' prompts and histories are read together.
        """
        now = self._now()
        if self._wake_at is not None and now < self._wake_at:
            return []
        self._wake_at = None
        async with self.db.transaction() as tx:
            days: list[tuple[Schedule, date]] = []
            moves: list[tuple[int, datetime, date | None]] = []
            for schedule in await tx.prompts.due_schedules(now, limit, self.shards):
                try:
                    zone = zone_of(schedule)
                except (ZoneInfoNotFoundError, ValueError):
                    await self._park_unknown_zone(tx, schedule, now)
                    continue
                due = effective_due(schedule, zone, now)
                if not is_due(now, due):
                    # The bot slept through a whole local day: skipped, not posted late.
                    moves.append((schedule.guild_id, due, schedule.last_local_date))
                    continue
                day = local_date(due, zone)
                moves.append((schedule.guild_id, next_due(now, schedule.post_time, zone, day), day))
                days.append((schedule, day))
            await tx.prompts.advance_schedules(moves, now)
            claims = await self._claim_days(tx, days, now) if days else []
            earliest = await tx.prompts.earliest_due(self.shards)
        self._wake_at = _NEVER if earliest is None else earliest
        return claims

    async def _claim_days(
        self, tx: Session, days: list[tuple[Schedule, date]], now: datetime
    ) -> list[Claim]:
        """Pick each server's prompt, then claim its day with it: one conditional insert
        that only one transaction can win, so a lost race never burns a prompt."""
        guilds = [schedule.guild_id for schedule, _ in days]
        own, history = (
            await tx.prompts.server_prompts_of(guilds),
            await tx.prompts.history_of(guilds),
        )
        claims: list[Claim] = []
        uses: list[tuple[int, str]] = []
        for schedule, day in days:
            guild = schedule.guild_id
            prompts, used = own.get(guild, []), history.get(guild, [])
            pairs = [(p.key, p.text) for p in prompts]
            picked = None
            if pairs or self.library:
                seed = selection_seed(guild, day)
                picked = choose_next(
                    pairs, self.library, set(used), seed, used[-1] if used else None
                )
            post_id = await tx.prompts.claim_day(
                guild_id=guild,
                local_date=day,
                channel_id=schedule.channel_id,
                role_id=schedule.role_id,
                now=now,
                prompt=picked[:2] if picked else None,
            )
            if post_id is None:
                continue  # that local date already had its prompt
            if picked is None:
                await self._fail_unstocked(tx, schedule, post_id, day, now)
                continue
            key, text, cycle_reset = picked
            if cycle_reset:
                await tx.prompts.forget_history(guild)
            uses.append((guild, key))
            number = next((p.number for p in prompts if p.key == key), None)
            claims.append(
                Claim(
                    post_id,
                    guild,
                    schedule.channel_id,
                    schedule.role_id,
                    day,
                    key,
                    text,
                    number,
                    scheduled=True,
                )
            )
        await tx.prompts.record_uses(uses, now)
        return claims

    async def _park_unknown_zone(self, tx: Session, schedule: Schedule, now: datetime) -> None:
        # Only a host whose zone database lost the name gets here; re-reading the row on
        # every tick would not help, so it waits a day and the moderators are told.
        log.error("guild %s: unknown time zone %r", schedule.guild_id, schedule.time_zone)
        await tx.prompts.advance_schedule(
            schedule.guild_id,
            next_due=now + timedelta(days=1),
            last_local_date=schedule.last_local_date,
            now=now,
        )
        await tx.prompts.set_failure(
            schedule.guild_id,
            Failure(
                f"the time zone {schedule.time_zone} is no longer known to this host; "
                "run `/prompt setup` again with a current zone name",
                None,
                schedule.channel_id,
                now,
            ),
        )

    async def _fail_unstocked(
        self, tx: Session, schedule: Schedule, post_id: int, day: date, now: datetime
    ) -> None:
        reason = "there were no prompts to choose from; add some with `/prompt add`"
        await tx.prompts.finish_post(
            post_id, message_id=None, thread_id=None, error=reason, now=now
        )
        await tx.prompts.set_failure(
            schedule.guild_id, Failure(reason, day, schedule.channel_id, now)
        )

    async def _take_prompt(
        self, tx: Session, guild_id: int, seed: int, now: datetime
    ) -> _Picked | None:
        """Pick the server's next prompt and record its use, all in the caller's transaction."""
        prompts = await tx.prompts.list_server_prompts(guild_id)
        own = [(p.key, p.text) for p in prompts]
        if not own and not self.library:
            return None
        used, last = await tx.prompts.used_keys(guild_id)
        key, text, cycle_reset = choose_next(own, self.library, used, seed, last)
        if cycle_reset:
            await tx.prompts.forget_history(guild_id)
        await tx.prompts.record_use(guild_id, key, now)
        number = next((p.number for p in prompts if p.key == key), None)
        return _Picked(key, text, number)

    async def claim_now(self, guild_id: int, *, can_manage: bool) -> Claim:
        """An extra prompt for right now; today's scheduled prompt still comes."""
        _require_manager(can_manage, "post a prompt now")
        now = self._now()
        async with self.db.transaction() as tx:
            schedule = await _configured(tx, guild_id)
            zone = zone_of(schedule)
            today = local_date(now, zone)
            midnight = datetime.combine(today, time(0), zone).astimezone(UTC)
            earlier_today, latest = await tx.prompts.extra_posts_since(guild_id, midnight)
            if latest is not None and now < latest + PROMPT_NOW_COOLDOWN:
                again = (latest + PROMPT_NOW_COOLDOWN).astimezone(zone)
                raise WrongState(
                    "A prompt was posted with `/prompt now` less than "
                    f"{PROMPT_NOW_COOLDOWN.seconds // 60} minutes ago. To keep pings rare, "
                    f"the next one can be posted from {again:%H:%M} ({zone.key})."
                )
            post_id = await tx.prompts.insert_immediate_post(
                guild_id=guild_id,
                channel_id=schedule.channel_id,
                role_id=schedule.role_id,
                now=now,
            )
            # Offset by the post id so an extra prompt does not mirror the day's own pick.
            picked = await self._take_prompt(
                tx, guild_id, selection_seed(guild_id, today) + post_id, now
            )
            if picked is None:
                raise WrongState("There are no prompts to choose from. Add one with `/prompt add`.")
            await tx.prompts.set_post_prompt(post_id, picked.key, picked.text)
        return Claim(
            post_id,
            guild_id,
            schedule.channel_id,
            schedule.role_id,
            today,
            picked.key,
            picked.text,
            picked.server_prompt_number,
            scheduled=False,
            extra=earlier_today + 1,
        )

    async def record_posted(
        self, claim: Claim, *, message_id: int, thread_id: int | None, warning: str | None = None
    ) -> None:
        """The prompt is visible. ``warning`` names a part that failed (e.g. the thread)."""
        now = self._now()
        async with self.db.transaction() as tx:
            await tx.prompts.finish_post(
                claim.post_id,
                message_id=message_id,
                thread_id=thread_id,
                error=warning,
                now=now,
            )
            if warning is None:
                await tx.prompts.clear_failure(claim.guild_id)
            elif claim.scheduled:
                await tx.prompts.set_failure(
                    claim.guild_id, Failure(warning, claim.local_date, claim.channel_id, now)
                )

    async def record_failed(self, claim: Claim, reason: str) -> None:
        """Nothing was posted. The claim stays (never retried); its prompt goes back."""
        now = self._now()
        async with self.db.transaction() as tx:
            await tx.prompts.finish_post(
                claim.post_id, message_id=None, thread_id=None, error=reason, now=now
            )
            # Nobody saw the prompt, so it is not "used": it may still come round this cycle.
            await tx.prompts.forget_use(claim.guild_id, claim.prompt_key)
            if claim.scheduled:
                await tx.prompts.set_failure(
                    claim.guild_id, Failure(reason, claim.local_date, claim.channel_id, now)
                )


async def _configured(tx: Session, guild_id: int) -> Schedule:
    schedule = await tx.prompts.get_schedule(guild_id)
    if schedule is None:
        raise WrongState(_NOT_SET_UP)
    return schedule
