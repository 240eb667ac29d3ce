-- Comment autocomplete inside a thread reads the excerpt's newest comments by number;
-- without this index SQLite sorts every comment of the excerpt to find them.
CREATE INDEX comments_by_excerpt_number ON comments (excerpt_id, number);
