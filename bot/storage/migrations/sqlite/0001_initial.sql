-- Excerpts, their revisions and lines, comments and replies.
-- Ids users see (excerpt and comment numbers) come from guild_sequences so a
-- number is never reused in a server, even after a delete.

CREATE TABLE guild_sequences (
    guild_id   INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (guild_id, kind)
) WITHOUT ROWID;

CREATE TABLE excerpts (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    number          INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    author_id       INTEGER NOT NULL,
    author_name     TEXT    NOT NULL,
    channel_id      INTEGER NOT NULL,
    thread_id       INTEGER,            -- NULL until the excerpt is posted
    revision        INTEGER NOT NULL DEFAULT 1,
    status          TEXT    NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'closed', 'deleted')),
    content_warning TEXT,
    word_count      INTEGER NOT NULL,
    line_count      INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (guild_id, number)
);
CREATE INDEX excerpts_by_author ON excerpts (guild_id, author_id, number);
CREATE INDEX excerpts_by_thread ON excerpts (thread_id) WHERE thread_id IS NOT NULL;

CREATE TABLE revisions (
    excerpt_id INTEGER NOT NULL REFERENCES excerpts (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    line_count INTEGER NOT NULL,
    word_count INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (excerpt_id, number)
) WITHOUT ROWID;

CREATE TABLE lines (
    excerpt_id INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    number     INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    PRIMARY KEY (excerpt_id, revision, number),
    FOREIGN KEY (excerpt_id, revision) REFERENCES revisions (excerpt_id, number) ON DELETE CASCADE
) WITHOUT ROWID;

-- Which bot message shows which lines: the "Comment on line" menu needs it.
CREATE TABLE excerpt_messages (
    message_id INTEGER PRIMARY KEY,
    excerpt_id INTEGER NOT NULL REFERENCES excerpts (id) ON DELETE CASCADE,
    revision   INTEGER NOT NULL,
    first_line INTEGER NOT NULL,
    last_line  INTEGER NOT NULL
);
CREATE INDEX excerpt_messages_by_excerpt ON excerpt_messages (excerpt_id);

CREATE TABLE comments (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    number            INTEGER NOT NULL,
    excerpt_id        INTEGER NOT NULL REFERENCES excerpts (id) ON DELETE CASCADE,
    author_id         INTEGER NOT NULL,
    author_name       TEXT    NOT NULL,
    text              TEXT    NOT NULL,
    line_start        INTEGER NOT NULL,
    line_end          INTEGER NOT NULL,
    quote             TEXT,
    quote_line        INTEGER,
    quote_offset      INTEGER,
    prefix            TEXT    NOT NULL DEFAULT '',
    suffix            TEXT    NOT NULL DEFAULT '',
    suggestion        TEXT,
    status            TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    anchor_state      TEXT    NOT NULL DEFAULT 'anchored'
                      CHECK (anchor_state IN ('anchored', 'moved', 'outdated')),
    revision          INTEGER NOT NULL,
    origin_revision   INTEGER NOT NULL,
    origin_line_start INTEGER NOT NULL,
    origin_line_end   INTEGER NOT NULL,
    resolved_by_id    INTEGER,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    UNIQUE (guild_id, number),
    CHECK (line_start >= 1 AND line_end >= line_start),
    CHECK (suggestion IS NULL OR quote IS NOT NULL)
);
-- A comment takes the next number in one INSERT; this keeps the sequence ahead of it.
CREATE TRIGGER comments_advance_sequence AFTER INSERT ON comments
BEGIN
    INSERT INTO guild_sequences (guild_id, kind, last_value)
    VALUES (NEW.guild_id, 'comment', NEW.number)
    ON CONFLICT (guild_id, kind) DO UPDATE SET last_value = MAX(last_value, NEW.number);
END;

CREATE INDEX comments_by_excerpt ON comments (excerpt_id, line_start, number);
CREATE INDEX comments_by_author ON comments (guild_id, author_id, number);

CREATE TABLE replies (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL,
    author_name TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX replies_by_comment ON replies (comment_id, id);
