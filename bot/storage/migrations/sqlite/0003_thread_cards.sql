-- The thread tells the truth: each comment and reply remembers the message (its card) the
-- bot posted for it in the excerpt's thread, so edits, deletes and status changes can
-- update that card. NULL: never posted (the thread was unreachable) or posted before this.
ALTER TABLE comments ADD COLUMN card_message_id INTEGER;
ALTER TABLE replies ADD COLUMN card_message_id INTEGER;

-- The phrase exactly as the reader quoted it. `quote` follows the anchor into later
-- revisions (and may become the suggested text once an author applies it by hand); the
-- record of what was suggested against what keeps the original.
ALTER TABLE comments ADD COLUMN origin_quote TEXT;
UPDATE comments SET origin_quote = quote;
