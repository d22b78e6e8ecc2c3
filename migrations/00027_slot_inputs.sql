-- A free-slot answer (GET /api/v1/counselors/:id/slots) read its inputs in
-- one statement but inside an explicit transaction: BEGIN, the scope, the
-- statement and COMMIT, four round trips after the request's own
-- authentication. app_slot_inputs declares the same sealed scope
-- (app_set_scope, the same ticket) and reads under it in one function
-- called with no explicit transaction, as app_authenticate does
-- (00026): the scope lasts as long as that one statement, and every
-- policy applies as before. What it reads is what internal/booking's
-- slotInputs read: whether the counsellor is listed, the schedule, and the
-- busy time in [lo, hi).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION public.app_slot_inputs(company text, usr text, rol text, ticket text,
                                       counselor uuid, today date, lo timestamptz, hi timestamptz)
RETURNS TABLE (listed boolean, timezone text, slot_minutes integer, buffer_minutes integer,
               min_notice_minutes integer, horizon_days integer, max_per_day integer,
               weekly text[], overrides text[], busy text[])
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
  PERFORM public.app_set_scope(company, usr, rol, ticket);
  RETURN QUERY
    SELECT
      EXISTS (SELECT 1 FROM public.counselors c WHERE c.id = counselor AND c.status = 'verified' AND EXISTS (
        SELECT 1 FROM public.credentials k WHERE k.counselor_id = c.id AND k.status = 'verified'
          AND (k.expires_on IS NULL OR k.expires_on >= today))),
      s.timezone, s.slot_minutes, s.buffer_minutes, s.min_notice_minutes, s.horizon_days, s.max_per_day,
      ARRAY(SELECT w.weekday || ' ' || to_char(w.start_time, 'HH24:MI') || ' ' || to_char(w.end_time, 'HH24:MI')
            FROM public.availability_weekly w WHERE w.counselor_id = counselor ORDER BY w.weekday, w.start_time),
      ARRAY(SELECT to_char(o.on_date, 'YYYY-MM-DD') || ' ' || coalesce(to_char(o.start_time, 'HH24:MI'), '-')
                   || ' ' || coalesce(to_char(o.end_time, 'HH24:MI'), '-') || ' ' || o.available::text
            FROM public.availability_overrides o WHERE o.counselor_id = counselor ORDER BY o.on_date, o.start_time NULLS FIRST),
      ARRAY(SELECT (extract(epoch FROM b.starts_at) * 1000000)::int8 || ' ' || (extract(epoch FROM b.blocked_until) * 1000000)::int8
            FROM public.bookings b WHERE b.counselor_id = counselor AND b.status IN ('confirmed', 'completed', 'no_show')
              AND b.starts_at < hi AND b.blocked_until > lo ORDER BY b.starts_at)
    FROM (SELECT 1) AS one LEFT JOIN public.availability_settings s ON s.counselor_id = counselor;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION public.app_slot_inputs(text, text, text, text, uuid, date, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_slot_inputs(text, text, text, text, uuid, date, timestamptz, timestamptz) TO taiwa_app;

-- +goose Down
DROP FUNCTION IF EXISTS public.app_slot_inputs(text, text, text, text, uuid, date, timestamptz, timestamptz);
