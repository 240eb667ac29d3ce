-- Reviews and notifications (see SPEC "Reviews and notifications").

-- What an author wants feedback on, and how blunt readers may be. NULL: not said.
ALTER TABLE excerpts ADD COLUMN focus TEXT;
ALTER TABLE excerpts ADD COLUMN intensity TEXT
    CHECK (intensity IS NULL OR intensity IN ('gentle', 'standard', 'thick skin'));
-- What a comment is about. NULL: not said.
ALTER TABLE comments ADD COLUMN kind TEXT CHECK (kind IS NULL OR kind IN
    ('typo', 'line', 'structure', 'character', 'pacing', 'praise', 'question'));
-- The review a comment was submitted in: its card is that review's message, shared with
-- the review's other comments. NULL: posted on its own.
ALTER TABLE comments ADD COLUMN review_id INTEGER;

-- A reader's review of one excerpt. While open, their comments and replies on it are
-- drafts (review_drafts), kept apart from comments so nobody else can see or count them.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    excerpt_id  INTEGER NOT NULL REFERENCES excerpts (id) ON DELETE CASCADE,
    reader_id   INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'submitted', 'discarded', 'expired')),
    summary     TEXT,
    created_at  TEXT    NOT NULL,
    touched_at  TEXT    NOT NULL,            -- last draft added: 7 days untouched expire
    told        INTEGER NOT NULL DEFAULT 1,  -- 0: expired, its reader not yet told
    UNIQUE (reader_id, excerpt_id, created_at)
);
-- One open review per reader and excerpt; the expiry sweep reads open ones by age.
CREATE UNIQUE INDEX reviews_open ON reviews (reader_id, excerpt_id) WHERE status = 'open';
CREATE INDEX reviews_open_by_age ON reviews (touched_at) WHERE status = 'open';
CREATE INDEX reviews_untold ON reviews (reader_id) WHERE told = 0;

-- A draft comment (reply_to NULL) or a draft reply (reply_to: the comment answered).
CREATE TABLE review_drafts (
    id           INTEGER PRIMARY KEY,
    review_id    INTEGER NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    reply_to     INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    author_name  TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    kind         TEXT,
    line_start   INTEGER NOT NULL DEFAULT 1,
    line_end     INTEGER NOT NULL DEFAULT 1,
    quote        TEXT,
    quote_line   INTEGER,
    quote_offset INTEGER,
    prefix       TEXT    NOT NULL DEFAULT '',
    suffix       TEXT    NOT NULL DEFAULT '',
    suggestion   TEXT,
    revision     INTEGER NOT NULL,
    created_at   TEXT    NOT NULL
);
CREATE INDEX review_drafts_by_review ON review_drafts (review_id, line_start, id);

-- Each member's notification setting, across all servers. A row appears with the
-- defaults (daily at 18:00 UTC) on the first notification. Instants are Unix seconds.
CREATE TABLE notify_settings (
    member_id      INTEGER PRIMARY KEY,
    mode           TEXT    NOT NULL DEFAULT 'daily' CHECK (mode IN ('instant', 'daily', 'off')),
    notify_time    TEXT    NOT NULL DEFAULT '18:00',   -- 'HH:MM', wall clock in time_zone
    time_zone      TEXT    NOT NULL DEFAULT 'UTC',     -- IANA name
    next_daily_utc INTEGER NOT NULL,   -- the next daily slot, as last computed
    next_due_utc   INTEGER,            -- when the next message goes; NULL: nothing pending
    introduced     INTEGER NOT NULL DEFAULT 0,  -- 1: a message has said how to change this
    -- 0: direct messages work; 1: Discord refused one (50007), the member is owed a notice;
    -- 2: told. Nothing is sent while it is not 0; /notify tries again.
    dm_closed      INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL
);
-- The tick reads only members who are due: its cost follows them, not all members.
CREATE INDEX notify_settings_due ON notify_settings (next_due_utc)
    WHERE next_due_utc IS NOT NULL;
CREATE INDEX notify_settings_owed ON notify_settings (member_id) WHERE dm_closed = 1;

-- The outbox: one row per event a member should hear of, written in the same transaction
-- as the action. A message claims its rows (claimed_at) before it is sent, so a restart
-- never sends one twice. A deleted comment takes its pending events with it.
CREATE TABLE notifications (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL,
    guild_id       INTEGER NOT NULL,
    excerpt_id     INTEGER NOT NULL REFERENCES excerpts (id) ON DELETE CASCADE,
    comment_id     INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    event          TEXT    NOT NULL,   -- comment, reply, review, resolved, applied, thanked
    actor_name     TEXT    NOT NULL,
    excerpt_number INTEGER NOT NULL,
    excerpt_title  TEXT    NOT NULL,
    thread_id      INTEGER,
    detail         TEXT    NOT NULL DEFAULT '',  -- e.g. "#12 (line 4, typo): first words"
    created_at     INTEGER NOT NULL,
    claimed_at     INTEGER
);
CREATE INDEX notifications_pending ON notifications (member_id, id) WHERE claimed_at IS NULL;
CREATE INDEX notifications_by_comment ON notifications (comment_id);
