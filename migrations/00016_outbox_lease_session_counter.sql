-- Issue 17 (contention): the outbox's lease, and a per-contract counter of
-- sessions.
--
-- outbox.leased_until: a Remote handler (a network call) claims its row in
-- a short transaction and calls out with no transaction open; until the
-- lease ends no other worker takes the row. NULL: not leased.
--
-- contracts.sessions_used: the bookings of the contract that count against
-- its plan (every status but 'cancelled'), kept by a deferred trigger on
-- bookings, so a booking no longer locks the contract row for its whole
-- transaction: the row is touched by one conditional UPDATE at commit.
-- A transaction that sets taiwa.enforce_session_cap = 'on' (the booking
-- path) is refused at commit when the plan's cap is reached, with
-- check_violation on the constraint name bookings_session_cap.

-- +goose Up
ALTER TABLE outbox ADD COLUMN leased_until timestamptz;
CREATE INDEX outbox_search_pending_idx ON outbox ((payload->>'counselor_id'))
  WHERE status = 'pending' AND kind IN ('search.counselor', 'search.counselor.engine');

ALTER TABLE contracts ADD COLUMN sessions_used integer NOT NULL DEFAULT 0 CHECK (sessions_used >= 0);
-- Row-level security is forced even for the owner; the owner is a member
-- of taiwa_system (migration 00015), so the backfill sees every company.
UPDATE contracts k SET sessions_used = (
  SELECT count(*) FROM bookings b
  WHERE b.company_id = k.company_id AND b.contract_id = k.id AND b.status <> 'cancelled');

-- +goose StatementBegin
-- Whoever changed the booking (an employee, a counsellor, a job) keeps the
-- counter right, whether or not their scope can see the contract: the
-- trigger function runs as its owner, a member of taiwa_system (00015), and
-- touches only the one contract row named by the booking row it fires for.
-- The counting function itself is callable by nobody else, so a tenant
-- cannot move another company's counter.
CREATE FUNCTION public.contracts_count_session(company uuid, contract uuid, delta integer, enforce boolean)
RETURNS void LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  IF contract IS NULL OR delta = 0 THEN
    RETURN;
  END IF;
  UPDATE contracts k SET sessions_used = k.sessions_used + delta
  WHERE k.company_id = company AND k.id = contract
    AND (delta < 0 OR NOT enforce
         OR k.sessions_used < COALESCE((SELECT p.session_cap FROM plans p WHERE p.code = k.plan_code), 2147483647));
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 AND enforce AND delta > 0 THEN
    RAISE EXCEPTION 'the plan''s session cap is reached'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_session_cap';
  END IF;
END $$;

CREATE FUNCTION public.bookings_count_session() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  enforce boolean := COALESCE(current_setting('taiwa.enforce_session_cap', true), '') = 'on';
  old_counts boolean := false;
  new_counts boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    old_counts := OLD.status <> 'cancelled';
  END IF;
  IF TG_OP <> 'DELETE' THEN
    new_counts := NEW.status <> 'cancelled';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF old_counts = new_counts AND OLD.contract_id IS NOT DISTINCT FROM NEW.contract_id THEN
      RETURN NULL;
    END IF;
  END IF;
  IF old_counts THEN
    PERFORM public.contracts_count_session(OLD.company_id, OLD.contract_id, -1, false);
  END IF;
  IF new_counts THEN
    PERFORM public.contracts_count_session(NEW.company_id, NEW.contract_id, 1, TG_OP = 'INSERT' AND enforce);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION public.contracts_count_session(uuid, uuid, integer, boolean) FROM PUBLIC;

-- Deferred: the contract row is locked only while the transaction commits.
CREATE CONSTRAINT TRIGGER bookings_count_session
  AFTER INSERT OR UPDATE OF status, contract_id OR DELETE ON bookings
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION public.bookings_count_session();

-- +goose Down
DROP TRIGGER IF EXISTS bookings_count_session ON bookings;
DROP FUNCTION IF EXISTS public.bookings_count_session();
DROP FUNCTION IF EXISTS public.contracts_count_session(uuid, uuid, integer, boolean);
ALTER TABLE contracts DROP COLUMN IF EXISTS sessions_used;
DROP INDEX IF EXISTS outbox_search_pending_idx;
ALTER TABLE outbox DROP COLUMN IF EXISTS leased_until;
