-- Cheap planning for the hottest table. The users policy booked_employee
-- held an EXISTS over bookings, so every statement that reads users (each
-- authenticated request's session lookup among them) planned that subquery
-- too, for every role, even when it could never apply: planning cost about
-- ten times the execution. The same rule now sits in a PL/pgSQL function,
-- which the planner neither inlines nor plans with the query; PostgreSQL
-- plans its one statement once per connection and runs it only for
-- counsellors. It runs as the caller (not SECURITY DEFINER), so the lookup
-- is still bound by the bookings policy, exactly as the subquery was. The
-- scope functions are called once per statement (an InitPlan, see 00015).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION public.app_booked_with_me(employee uuid) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM public.bookings b
                 WHERE b.employee_user_id = employee AND b.counselor_user_id = (SELECT public.app_user_id()));
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION public.app_booked_with_me(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_booked_with_me(uuid) TO taiwa_app;

DROP POLICY booked_employee ON users;
CREATE POLICY booked_employee ON users FOR SELECT USING (
  (SELECT public.app_role()) = 'counselor' AND public.app_booked_with_me(users.id));

-- +goose Down
DROP POLICY booked_employee ON users;
CREATE POLICY booked_employee ON users FOR SELECT USING (
  (SELECT public.app_role()) = 'counselor'
  AND EXISTS (SELECT 1 FROM public.bookings b
              WHERE b.employee_user_id = users.id AND b.counselor_user_id = (SELECT public.app_user_id())));
DROP FUNCTION public.app_booked_with_me(uuid);
