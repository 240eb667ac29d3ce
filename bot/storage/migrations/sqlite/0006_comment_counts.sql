-- Comment counts kept with the excerpt, in the same transaction as every comment write,
-- so lists read them instead of counting every comment row (triggers: PostgreSQL has
-- them too). widest_comment_span only grows: it bounds how far before a line a comment
-- covering that line can start, so a page of /excerpt show reads only nearby comments.
ALTER TABLE excerpts ADD COLUMN open_comments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE excerpts ADD COLUMN resolved_comments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE excerpts ADD COLUMN widest_comment_span INTEGER NOT NULL DEFAULT 0;

UPDATE excerpts SET
    open_comments = (SELECT COUNT(*) FROM comments AS c
                     WHERE c.excerpt_id = excerpts.id AND c.status = 'open'),
    resolved_comments = (SELECT COUNT(*) FROM comments AS c
                         WHERE c.excerpt_id = excerpts.id AND c.status = 'resolved'),
    widest_comment_span = COALESCE((SELECT MAX(c.line_end - c.line_start) FROM comments AS c
                                    WHERE c.excerpt_id = excerpts.id), 0);

CREATE TRIGGER comments_count_insert AFTER INSERT ON comments
BEGIN
    UPDATE excerpts SET
        open_comments = open_comments + (NEW.status = 'open'),
        resolved_comments = resolved_comments + (NEW.status = 'resolved'),
        widest_comment_span = MAX(widest_comment_span, NEW.line_end - NEW.line_start)
    WHERE id = NEW.excerpt_id;
END;

CREATE TRIGGER comments_count_delete AFTER DELETE ON comments
BEGIN
    UPDATE excerpts SET
        open_comments = open_comments - (OLD.status = 'open'),
        resolved_comments = resolved_comments - (OLD.status = 'resolved')
    WHERE id = OLD.excerpt_id;
END;

CREATE TRIGGER comments_count_status AFTER UPDATE OF status ON comments
WHEN OLD.status != NEW.status
BEGIN
    UPDATE excerpts SET
        open_comments = open_comments + (NEW.status = 'open') - (OLD.status = 'open'),
        resolved_comments = resolved_comments + (NEW.status = 'resolved')
            - (OLD.status = 'resolved')
    WHERE id = NEW.excerpt_id;
END;

CREATE TRIGGER comments_widest_span AFTER UPDATE OF line_start, line_end ON comments
WHEN NEW.line_end - NEW.line_start > OLD.line_end - OLD.line_start
BEGIN
    UPDATE excerpts SET
        widest_comment_span = MAX(widest_comment_span, NEW.line_end - NEW.line_start)
    WHERE id = NEW.excerpt_id;
END;

-- /comment list pages walk this index in the order they show: current anchors first,
-- then outdated ones, each by line and number (keyset pagination, one page per read).
CREATE INDEX comments_in_list_order
    ON comments (excerpt_id, (anchor_state = 'outdated'), line_start, number);
