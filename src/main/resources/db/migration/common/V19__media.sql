-- Media session messages: a notification's media (type, link, caption, filename) as JSON, null for text and
-- templates. One column, like template_parts: it is read and written whole, never queried.
ALTER TABLE notification ADD COLUMN media VARCHAR(8000);
