-- Daily writing prompts: each server's schedule, its own prompts, which prompts it has
-- used in the current cycle, and every prompt posted.
--
-- Instants the scheduler compares are INTEGER Unix seconds (UTC): ISO text with and
-- without microseconds does not sort correctly as text, and integers keep the due
-- index small. Local dates are ISO 'YYYY-MM-DD' text in the server's own zone.

CREATE TABLE prompt_schedules (
    guild_id          INTEGER PRIMARY KEY,
    channel_id        INTEGER NOT NULL,
    role_id           INTEGER,
    post_time         TEXT    NOT NULL,      -- 'HH:MM', wall clock in time_zone
    time_zone         TEXT    NOT NULL,      -- IANA name
    paused            INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    next_due_utc      INTEGER NOT NULL,
    last_local_date   TEXT,                  -- local date of the last daily claim
    -- The last failure to post, shown to moderators until a prompt posts successfully.
    failure           TEXT,
    failure_local_date TEXT,
    failure_channel_id INTEGER,
    failure_at        INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- The scheduler reads only servers that are due: its cost follows the due ones, not all.
CREATE INDEX prompt_schedules_due ON prompt_schedules (next_due_utc) WHERE paused = 0;

CREATE TABLE server_prompts (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    number     INTEGER NOT NULL,             -- from guild_sequences, never reused
    text       TEXT    NOT NULL,
    author_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (guild_id, number)
);

-- Prompts used in the server's current cycle; emptied when every prompt has been used.
CREATE TABLE prompt_history (
    id         INTEGER PRIMARY KEY,          -- order of use: the highest is the last prompt
    guild_id   INTEGER NOT NULL,
    prompt_key TEXT    NOT NULL,             -- 's:<number>' or a library key
    used_at    INTEGER NOT NULL,
    UNIQUE (guild_id, prompt_key)
);

-- One row per prompt posted or attempted. A daily post claims its server's local date
-- before anything is sent, so the UNIQUE index is what makes a day's post exactly once
-- across ticks, restarts and crashes. '/prompt now' posts have no local_date.
CREATE TABLE prompt_posts (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('daily', 'now')),
    local_date  TEXT,
    prompt_key  TEXT    NOT NULL,
    prompt_text TEXT    NOT NULL,
    channel_id  INTEGER NOT NULL,
    role_id     INTEGER,
    status      TEXT    NOT NULL DEFAULT 'claimed'
                CHECK (status IN ('claimed', 'posted', 'failed')),
    message_id  INTEGER,
    thread_id   INTEGER,
    error       TEXT,
    claimed_at  INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (guild_id, local_date),
    CHECK ((kind = 'daily') = (local_date IS NOT NULL))
);
