-- +goose Up
-- Second factors: TOTP (the secret sealed by the application, never in the
-- clear), one-time recovery codes (only their SHA-256), passkeys
-- (WebAuthn credentials, public keys only), the time steps already used
-- (no TOTP code is accepted twice) and the pending sign-in challenges
-- between the password step and the second factor.

ALTER TABLE companies ADD COLUMN require_admin_mfa boolean NOT NULL DEFAULT false;

CREATE TABLE user_totp (
  user_id        uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_sealed  bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE totp_used_steps (
  user_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  step     bigint NOT NULL,
  used_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, step)
);

CREATE TABLE recovery_codes (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash  bytea NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, code_hash)
);

CREATE TABLE passkeys (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id   bytea NOT NULL UNIQUE,
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  credential      jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  last_used_at    timestamptz
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- A challenge is the half-finished sign-in: the password was right, the
-- second factor is still owed. Only the token's SHA-256 is kept. A TOTP
-- secret being enrolled and a WebAuthn ceremony's state wait here.
CREATE TABLE mfa_challenges (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash         bytea NOT NULL UNIQUE,
  user_id            uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz NOT NULL,
  used_at            timestamptz,
  enrol_secret       bytea,
  webauthn_session   jsonb
);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id);

-- Each user sees only their own factors; operators and system jobs all.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['user_totp', 'totp_used_steps', 'recovery_codes', 'passkeys', 'mfa_challenges'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY own ON %I USING (public.app_privileged() OR user_id = public.app_user_id())', t);
  END LOOP;
END $$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE, DELETE ON user_totp, totp_used_steps, recovery_codes, passkeys, mfa_challenges TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS mfa_challenges, passkeys, recovery_codes, totp_used_steps, user_totp;
ALTER TABLE companies DROP COLUMN IF EXISTS require_admin_mfa;
