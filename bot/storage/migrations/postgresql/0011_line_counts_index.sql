-- /excerpt show counts the comments on a page of lines: this index covers that query
-- (bot.storage.excerpts.comment_counts_by_line), so a page of a hot excerpt reads index
-- entries only, not every comment row on those lines (3 ms -> 0.5 ms at 10,000 comments).
CREATE INDEX comments_line_counts
    ON comments (excerpt_id, line_start, line_end, anchor_state, status);
