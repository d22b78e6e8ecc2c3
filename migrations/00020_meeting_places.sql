-- Other session formats: a counsellor's external meeting links per format
-- (Zoom, Teams, Google Meet…) and the place of their in-person sessions;
-- a booking remembers whether its meeting_url is such an external link,
-- so the room's automatic attendance leaves it to the counsellor.

-- +goose Up
ALTER TABLE counselors ADD COLUMN meeting_links jsonb NOT NULL DEFAULT '{}'::jsonb
  CHECK (jsonb_typeof(meeting_links) = 'object');
ALTER TABLE counselors ADD COLUMN in_person_place text NOT NULL DEFAULT ''
  CHECK (char_length(in_person_place) <= 300);
ALTER TABLE bookings ADD COLUMN meeting_external boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE bookings DROP COLUMN IF EXISTS meeting_external;
ALTER TABLE counselors DROP COLUMN IF EXISTS in_person_place;
ALTER TABLE counselors DROP COLUMN IF EXISTS meeting_links;
