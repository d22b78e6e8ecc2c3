-- Each user's own time zone (IANA name): the zone an employee sees every
-- time in, on pages, in mails and in calendar files. Counsellors keep the
-- zone of their availability (availability_settings.timezone); this one is
-- the person's. The application checks the name against the zone database;
-- the database only bounds its length.

-- +goose Up
ALTER TABLE users ADD COLUMN timezone text NOT NULL DEFAULT 'Asia/Tokyo'
  CHECK (length(timezone) BETWEEN 1 AND 64);

-- +goose Down
ALTER TABLE users DROP COLUMN IF EXISTS timezone;
