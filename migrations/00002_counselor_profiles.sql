-- Counsellor profiles, photos, credential review and the theme rule.

-- +goose Up
ALTER TABLE counselors
  ADD COLUMN suspended_reason   text,
  ADD COLUMN next_available_at  timestamptz,          -- kept by the booking issue
  ADD COLUMN rating_avg         numeric(3, 2),        -- kept by the feedback issue
  ADD COLUMN rating_count       integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
  ADD COLUMN photo_updated_at   timestamptz,
  ADD CONSTRAINT counselors_display_name_len CHECK (length(display_name) <= 80),
  ADD CONSTRAINT counselors_kana_len CHECK (length(kana) <= 120),
  ADD CONSTRAINT counselors_bio_len CHECK (length(bio) <= 4000);
CREATE INDEX counselors_status_idx ON counselors (status);

-- A profile photo, always re-encoded by the application: the bytes stored
-- here are ones we produced, served with the content type stored with them.
CREATE TABLE counselor_photos (
  counselor_id  uuid PRIMARY KEY REFERENCES counselors(id) ON DELETE CASCADE,
  content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
  data          bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 2097152),
  width         integer NOT NULL CHECK (width BETWEEN 1 AND 4096),
  height        integer NOT NULL CHECK (height BETWEEN 1 AND 4096),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE credentials
  ADD COLUMN rejected_at          timestamptz,
  ADD COLUMN expiry_reminded_for  date,   -- the expires_on a reminder was sent for
  ADD CONSTRAINT credentials_rejected_reason CHECK (status <> 'rejected' OR length(btrim(coalesce(rejected_reason, ''))) BETWEEN 1 AND 500);
CREATE INDEX credentials_pending_idx ON credentials (created_at) WHERE status = 'pending';
CREATE INDEX credentials_expiry_idx ON credentials (expires_on) WHERE status = 'verified' AND expires_on IS NOT NULL;

-- Which verified credential kinds allow a theme (API.md's table), as data so
-- that SQL (the search fallback) applies the same rule as the Go code;
-- a test keeps the two in agreement.
CREATE TABLE theme_credentials (
  theme  text NOT NULL,
  kind   text NOT NULL,
  PRIMARY KEY (theme, kind)
);
INSERT INTO theme_credentials (theme, kind)
SELECT t, k FROM
  unnest(ARRAY['relationships', 'work_life', 'engagement', 'onboarding', 'exit_interview']) AS t,
  unnest(ARRAY['career_consultant', 'certified_public_psychologist', 'clinical_psychologist',
               'occupational_physician', 'public_health_nurse', 'labor_attorney', 'icf_coach']) AS k
UNION ALL
SELECT t, k FROM
  unnest(ARRAY['mental_health', 'high_stress_followup', 'return_to_work']) AS t,
  unnest(ARRAY['certified_public_psychologist', 'clinical_psychologist', 'occupational_physician', 'public_health_nurse']) AS k
UNION ALL
SELECT 'career', 'career_consultant'
UNION ALL
SELECT 'harassment', k FROM unnest(ARRAY['labor_attorney', 'certified_public_psychologist', 'clinical_psychologist']) AS k;

GRANT SELECT, INSERT, UPDATE, DELETE ON counselor_photos TO taiwa_app;
GRANT SELECT ON theme_credentials TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS theme_credentials, counselor_photos;
DROP INDEX IF EXISTS credentials_pending_idx, credentials_expiry_idx, counselors_status_idx;
ALTER TABLE credentials
  DROP CONSTRAINT IF EXISTS credentials_rejected_reason,
  DROP COLUMN IF EXISTS rejected_at,
  DROP COLUMN IF EXISTS expiry_reminded_for;
ALTER TABLE counselors
  DROP CONSTRAINT IF EXISTS counselors_display_name_len,
  DROP CONSTRAINT IF EXISTS counselors_kana_len,
  DROP CONSTRAINT IF EXISTS counselors_bio_len,
  DROP COLUMN IF EXISTS suspended_reason,
  DROP COLUMN IF EXISTS next_available_at,
  DROP COLUMN IF EXISTS rating_avg,
  DROP COLUMN IF EXISTS rating_count,
  DROP COLUMN IF EXISTS photo_updated_at;
