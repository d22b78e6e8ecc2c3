-- A counsellor may read the risk alerts raised from their own records
-- (their home shows which ones the clinical lead has not closed yet), and
-- the check in record.raise that no unresolved alert of the level is open
-- for the session then sees them too. Nothing else of risk_alerts changes:
-- operators and system jobs keep the privileged policy, HR never reads it.

-- +goose Up
CREATE POLICY counselor_own ON risk_alerts FOR SELECT USING (
  app_role() = 'counselor' AND EXISTS (
    SELECT 1 FROM counselors c WHERE c.id = risk_alerts.counselor_id AND c.user_id = app_user_id()));

-- +goose Down
DROP POLICY IF EXISTS counselor_own ON risk_alerts;
