-- Suspension now disables the counsellor's account in the same
-- transaction (internal/counselor Suspend). Counsellors suspended before
-- that kept a working account: their tokens still read their clients'
-- records. Disable them now, end their sessions and unused links, and
-- audit each as the platform's doing.
--
-- The tables force row-level security on their owner too, so the
-- migration acts as the platform.

-- +goose Up
SELECT set_config('app.role', 'system', true);

WITH disabled AS (
  UPDATE users u SET disabled_at = now()
  FROM counselors c
  WHERE c.user_id = u.id AND c.status = 'suspended' AND u.disabled_at IS NULL
  RETURNING u.id
)
INSERT INTO audit_log (actor_role, action, target_type, target_id, details)
SELECT 'system', 'user.disable', 'user', id::text, '{"role": "counselor", "via": "suspension", "migration": "00013"}'::jsonb
FROM disabled;

DELETE FROM auth_sessions s USING counselors c
WHERE c.user_id = s.user_id AND c.status = 'suspended';

UPDATE auth_tokens t SET used_at = now()
FROM counselors c
WHERE c.user_id = t.user_id AND c.status = 'suspended' AND t.used_at IS NULL;

-- +goose Down
-- Give back sign-in to exactly the accounts this migration disabled, as
-- long as nothing enabled or disabled them since (ended sessions stay
-- ended). The audit log is append-only: the entries stay, plus one each.
SELECT set_config('app.role', 'system', true);

WITH mine AS (
  SELECT a.target_id::uuid AS id, a.id AS entry FROM audit_log a
  WHERE a.action = 'user.disable' AND a.details->>'migration' = '00013'
),
enabled AS (
  UPDATE users u SET disabled_at = NULL
  FROM mine
  WHERE u.id = mine.id AND u.disabled_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM audit_log later
                    WHERE later.target_id = u.id::text AND later.action IN ('user.disable', 'user.enable') AND later.id > mine.entry)
  RETURNING u.id
)
INSERT INTO audit_log (actor_role, action, target_type, target_id, details)
SELECT 'system', 'user.enable', 'user', id::text, '{"role": "counselor", "via": "suspension", "migration": "00013 down"}'::jsonb
FROM enabled;
