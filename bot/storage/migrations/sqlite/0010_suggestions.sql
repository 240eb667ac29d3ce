-- Suggestions applied into a revision (issue 17). An applied comment is resolved (so the
-- kept open/resolved counts stay right without new triggers) and says when and into which
-- revision its suggestion went; reopening it clears both.
ALTER TABLE comments ADD COLUMN applied_at TEXT;
ALTER TABLE comments ADD COLUMN applied_revision INTEGER;
