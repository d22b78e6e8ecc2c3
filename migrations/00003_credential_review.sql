-- Credential review: one live submission per credential, and a marker of
-- which expiry the search index has already been told about.

-- +goose Up
ALTER TABLE credentials
  ADD COLUMN expiry_indexed_for  date;  -- the expires_on whose passing was sent to the search index
-- A counsellor submits a credential (kind + registration number) once per
-- validity period: again only when renewed (a later expiry) or after a
-- rejection. The application checks the renewal rule; this backs it up.
CREATE UNIQUE INDEX credentials_live_key ON credentials (counselor_id, kind, registration_number, COALESCE(expires_on, 'infinity'::date))
  WHERE status <> 'rejected';

-- +goose Down
DROP INDEX IF EXISTS credentials_live_key;
ALTER TABLE credentials DROP COLUMN IF EXISTS expiry_indexed_for;
