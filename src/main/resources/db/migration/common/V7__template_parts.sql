-- Header and button parameters of a template notification (issue 5), as JSON: {"header": {...}, "buttons": [...]}.
ALTER TABLE notification ADD COLUMN template_parts VARCHAR(8000);
