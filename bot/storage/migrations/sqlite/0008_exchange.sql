-- The critique exchange: a server's settings, the append-only ledger, each critique's
-- measured words and credit, and the queue's per-excerpt and per-member counts.
-- Derived values are kept by bot/storage/exchange.py in the writing transaction.

CREATE TABLE exchange_settings (
    guild_id   INTEGER PRIMARY KEY,
    enabled    INTEGER NOT NULL DEFAULT 0,      -- 0/1
    starting   INTEGER NOT NULL,                -- whole credits
    cost       INTEGER NOT NULL,
    extra_cost INTEGER NOT NULL,
    updated_by INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);

-- Every change of a balance; a balance is the sum of a member's entries. Never updated.
CREATE TABLE ledger (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    member_id      INTEGER NOT NULL,
    halves         INTEGER NOT NULL,            -- the amount, in half credits
    kind           TEXT    NOT NULL
                   CHECK (kind IN ('start', 'critique', 'posting', 'thanks', 'grant')),
    excerpt_number INTEGER,                     -- critique, posting, thanks
    reason         TEXT,                        -- grant
    granted_by     INTEGER,                     -- grant
    created_at     TEXT    NOT NULL
);
CREATE INDEX ledger_by_member ON ledger (guild_id, member_id, id, halves);

-- One reader's critique of one excerpt: its substantive words and the credit in the ledger.
CREATE TABLE critiques (
    excerpt_id     INTEGER NOT NULL,
    reader_id      INTEGER NOT NULL,
    guild_id       INTEGER NOT NULL,
    excerpt_number INTEGER NOT NULL,
    words          INTEGER NOT NULL DEFAULT 0,
    halves         INTEGER NOT NULL DEFAULT 0,
    thanked        INTEGER NOT NULL DEFAULT 0,  -- 0/1: the author's thanks credited
    PRIMARY KEY (excerpt_id, reader_id)
);

-- The distinct texts of a critique (a text repeated verbatim counts once).
CREATE TABLE critique_texts (
    excerpt_id INTEGER NOT NULL,
    reader_id  INTEGER NOT NULL,
    text_key   TEXT    NOT NULL,
    uses       INTEGER NOT NULL,
    words      INTEGER NOT NULL,
    PRIMARY KEY (excerpt_id, reader_id, text_key)
);

-- Per member and server: substantive critiques given (C), and whether the starting
-- credits were entered.
CREATE TABLE exchange_members (
    guild_id  INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    given     INTEGER NOT NULL DEFAULT 0,
    started   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, member_id)
);

-- Per posted excerpt: substantive critiques received (R) and its place in the queue.
-- base = 1000 × (10·R − 5·√min(C, 100) − 20 if first), rounded; queued = 0/1.
-- Days waiting are whole UTC days since posted_day, so the order is one integer sum a row.
CREATE TABLE exchange_excerpts (
    excerpt_id     INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    excerpt_number INTEGER NOT NULL,
    author_id      INTEGER NOT NULL,
    posted_at      TEXT    NOT NULL,
    posted_day     INTEGER NOT NULL,            -- the UTC day posted (date ordinal)
    critiques      INTEGER NOT NULL DEFAULT 0,
    first_excerpt  INTEGER NOT NULL,
    base           INTEGER NOT NULL,
    closed         INTEGER NOT NULL DEFAULT 0,  -- 0/1
    queued         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX exchange_queue ON exchange_excerpts (guild_id, base, posted_at) WHERE queued = 1;
CREATE INDEX exchange_by_author ON exchange_excerpts (guild_id, author_id);

ALTER TABLE comments ADD COLUMN thanked_at TEXT;
