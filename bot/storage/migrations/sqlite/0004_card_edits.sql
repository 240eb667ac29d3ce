-- A card says "edited" once its comment's text was changed: updated_at cannot tell, because
-- resolving, reopening and re-anchoring change it too. NULL: never edited.
ALTER TABLE comments ADD COLUMN edited_at TEXT;
