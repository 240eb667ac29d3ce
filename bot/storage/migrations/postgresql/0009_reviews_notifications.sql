-- Placeholder for reviews and notifications' migration (issue 16); replaced when merged.
SELECT 1;
