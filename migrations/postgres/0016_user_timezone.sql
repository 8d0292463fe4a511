-- The time zone a staff member reads pages in (an IANA name); NULL follows ui.default_timezone.
ALTER TABLE users ADD COLUMN timezone TEXT;
