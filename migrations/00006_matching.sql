-- Fit matching: the questionnaire's answers, "not for me" dismissals and
-- the exposure counter that spreads recommendations across counsellors.
--
-- An employee's answers, theme and preferences are personal data: row-level
-- security shows them to that employee and to the platform (operator,
-- system) only; a company admin sees none, not even that a row exists.
-- Counsellors answer the same values and style items; theirs are not
-- tenant rows and every signed-in role may read them (the recommender
-- compares them with the employee's), while only the counsellor writes.

-- +goose Up
CREATE TABLE employee_fit_profiles (
  company_id    uuid NOT NULL REFERENCES companies(id),
  user_id       uuid NOT NULL,
  -- In matching.ValueItems / StyleItems order, each 1–5.
  value_answers smallint[] NOT NULL CHECK (cardinality(value_answers) = 10 AND 1 <= ALL (value_answers) AND 5 >= ALL (value_answers)),
  style_answers smallint[] NOT NULL CHECK (cardinality(style_answers) = 3 AND 1 <= ALL (style_answers) AND 5 >= ALL (style_answers)),
  theme         text NOT NULL DEFAULT '' CHECK (length(theme) <= 40),
  preferences   jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, user_id),
  UNIQUE (user_id),
  FOREIGN KEY (company_id, user_id) REFERENCES employees(company_id, user_id) ON DELETE CASCADE
);
ALTER TABLE employee_fit_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE employee_fit_profiles FORCE ROW LEVEL SECURITY;
-- No branch for company_admin: the company never sees an employee's answers.
CREATE POLICY owner ON employee_fit_profiles USING (
  app_privileged()
  OR (app_role() = 'employee' AND user_id = app_user_id() AND company_id = app_company_id()));

CREATE TABLE counselor_fit_profiles (
  counselor_id  uuid PRIMARY KEY REFERENCES counselors(id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users(id), -- denormalised for RLS
  value_answers smallint[] NOT NULL CHECK (cardinality(value_answers) = 10 AND 1 <= ALL (value_answers) AND 5 >= ALL (value_answers)),
  style_answers smallint[] NOT NULL CHECK (cardinality(style_answers) = 3 AND 1 <= ALL (style_answers) AND 5 >= ALL (style_answers)),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE counselor_fit_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE counselor_fit_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY read ON counselor_fit_profiles FOR SELECT USING (true);
CREATE POLICY write ON counselor_fit_profiles FOR ALL USING (
  app_privileged() OR (app_role() = 'counselor' AND user_id = app_user_id()))
  WITH CHECK (app_privileged() OR (app_role() = 'counselor' AND user_id = app_user_id()));

-- "Not for me": the counsellor never comes back for this employee, and the
-- coded reason weighs on their later rankings.
CREATE TABLE match_dismissals (
  company_id        uuid NOT NULL REFERENCES companies(id),
  employee_user_id  uuid NOT NULL,
  counselor_id      uuid NOT NULL REFERENCES counselors(id) ON DELETE CASCADE,
  reason            text NOT NULL DEFAULT '' CHECK (reason IN ('', 'style', 'values', 'experience', 'gender', 'age', 'availability', 'other')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, employee_user_id, counselor_id),
  FOREIGN KEY (company_id, employee_user_id) REFERENCES employees(company_id, user_id) ON DELETE CASCADE
);
ALTER TABLE match_dismissals ENABLE ROW LEVEL SECURITY;
ALTER TABLE match_dismissals FORCE ROW LEVEL SECURITY;
CREATE POLICY owner ON match_dismissals USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));

-- Everything the recommender reads of a counsellor, in one narrow row kept
-- exact by triggers in the same transaction as its sources (counselors,
-- availability_weekly, counselor_search, counselor_fit_profiles): a scan of
-- this one table is what makes Recommend fast; joining four tables of
-- 10,000 rows per request cost more than the scoring.
-- * the hard filters' columns, copied from counselor_search (NULL listed_until
--   while not listed);
-- * packed: every scored field as one line of text (candidates.go reads it);
-- * time_of_day: bit 1 morning (hours before 12:00), 2 daytime (12–17),
--   4 evening (after 17:00) of the weekly hours;
-- * exposure: how often the counsellor was recently recommended, an
--   exponentially decaying count (half-life in matching's weights table) as
--   of exposure_at (unix seconds), bumped when a list is served. It names no
--   employee, no company and no day.
CREATE TABLE counselor_match (
  counselor_id       uuid PRIMARY KEY REFERENCES counselors(id) ON DELETE CASCADE,
  status             text NOT NULL,
  verified_at        timestamptz,
  rating_avg         float8,
  rating_count       integer NOT NULL DEFAULT 0,
  next_available_at  timestamptz,
  time_of_day        smallint NOT NULL DEFAULT 0,
  listed_until       date,
  theme_until        date[],
  gender             text,
  language_bits      integer NOT NULL DEFAULT 0,
  format_bits        integer NOT NULL DEFAULT 0,
  packed             text NOT NULL DEFAULT '',
  exposure           real NOT NULL DEFAULT 0 CHECK (exposure >= 0),
  exposure_at        bigint NOT NULL DEFAULT 0
);

-- +goose StatementBegin
CREATE FUNCTION counselor_match_time_of_day(cid uuid) RETURNS smallint LANGUAGE sql STABLE AS $$
  SELECT coalesce(bit_or(
      (CASE WHEN w.start_time < '12:00' THEN 1 ELSE 0 END)
    | (CASE WHEN w.start_time < '17:00' AND w.end_time > '12:00' THEN 2 ELSE 0 END)
    | (CASE WHEN w.end_time > '17:00' THEN 4 ELSE 0 END)), 0)::smallint
  FROM availability_weekly w WHERE w.counselor_id = cid
$$;
-- +goose StatementEnd

-- counselor_match_pack recomputes cid's copied columns and packed line.
-- The packed fields, space-separated: id, gender (- if none), age band (-),
-- language, format, industry and job-function bits, years of experience,
-- rating average (0 if none), rating count, next free slot and verification
-- (unix seconds, 0 if none), the ten values then three style answers as
-- digits (- if unanswered), time-of-day bits, exposure and exposure_at.
-- +goose StatementBegin
CREATE FUNCTION counselor_match_pack(cid uuid) RETURNS void LANGUAGE sql AS $$
  UPDATE counselor_match m SET
    listed_until = s.listed_until, theme_until = s.theme_until, gender = s.gender,
    language_bits = coalesce(s.language_bits, 0), format_bits = coalesce(s.format_bits, 0),
    packed = concat_ws(' ', m.counselor_id, coalesce(nullif(s.gender, ''), '-'), coalesce(nullif(s.age_band, ''), '-'),
      coalesce(s.language_bits, 0), coalesce(s.format_bits, 0), coalesce(s.industry_bits, 0),
      coalesce(s.job_function_bits, 0), coalesce(s.years_experience, 0),
      coalesce(m.rating_avg, 0), m.rating_count,
      coalesce(floor(extract(epoch FROM m.next_available_at))::bigint, 0),
      coalesce(floor(extract(epoch FROM m.verified_at))::bigint, 0),
      coalesce((SELECT array_to_string(f.value_answers, '') || array_to_string(f.style_answers, '')
                FROM counselor_fit_profiles f WHERE f.counselor_id = cid), '-'),
      m.time_of_day, m.exposure, m.exposure_at)
  FROM (SELECT cid AS id) x LEFT JOIN counselor_search s ON s.counselor_id = x.id
  WHERE m.counselor_id = cid
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION counselor_match_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO counselor_match (counselor_id, status, verified_at, rating_avg, rating_count, next_available_at)
  VALUES (NEW.id, NEW.status, NEW.verified_at, NEW.rating_avg, NEW.rating_count, NEW.next_available_at)
  ON CONFLICT (counselor_id) DO UPDATE SET status = excluded.status, verified_at = excluded.verified_at,
    rating_avg = excluded.rating_avg, rating_count = excluded.rating_count, next_available_at = excluded.next_available_at;
  PERFORM counselor_match_pack(NEW.id);
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER counselor_match_sync AFTER INSERT OR UPDATE OF status, verified_at, rating_avg, rating_count, next_available_at
  ON counselors FOR EACH ROW EXECUTE FUNCTION counselor_match_sync();

-- +goose StatementBegin
CREATE FUNCTION counselor_match_hours() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE counselor_match SET time_of_day = counselor_match_time_of_day(OLD.counselor_id) WHERE counselor_id = OLD.counselor_id;
    PERFORM counselor_match_pack(OLD.counselor_id);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    UPDATE counselor_match SET time_of_day = counselor_match_time_of_day(NEW.counselor_id) WHERE counselor_id = NEW.counselor_id;
    PERFORM counselor_match_pack(NEW.counselor_id);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER counselor_match_hours AFTER INSERT OR UPDATE OR DELETE
  ON availability_weekly FOR EACH ROW EXECUTE FUNCTION counselor_match_hours();

-- A change of a counsellor's search row or fit answers repacks the row.
-- +goose StatementBegin
CREATE FUNCTION counselor_match_repack() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM counselor_match_pack(OLD.counselor_id);
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.counselor_id IS DISTINCT FROM OLD.counselor_id) THEN
    PERFORM counselor_match_pack(NEW.counselor_id);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER counselor_match_repack AFTER INSERT OR UPDATE OR DELETE
  ON counselor_search FOR EACH ROW EXECUTE FUNCTION counselor_match_repack();
CREATE TRIGGER counselor_match_repack AFTER INSERT OR UPDATE OR DELETE
  ON counselor_fit_profiles FOR EACH ROW EXECUTE FUNCTION counselor_match_repack();

INSERT INTO counselor_match (counselor_id, status, verified_at, rating_avg, rating_count, next_available_at, time_of_day)
SELECT id, status, verified_at, rating_avg, rating_count, next_available_at, counselor_match_time_of_day(id) FROM counselors;
SELECT counselor_match_pack(id) FROM counselors;
CREATE INDEX counselor_match_listed_idx ON counselor_match (listed_until);

GRANT SELECT, INSERT, UPDATE, DELETE ON counselor_match TO taiwa_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON employee_fit_profiles, counselor_fit_profiles, match_dismissals TO taiwa_app;

-- +goose Down
DROP TRIGGER IF EXISTS counselor_match_repack ON counselor_fit_profiles;
DROP TRIGGER IF EXISTS counselor_match_repack ON counselor_search;
DROP TRIGGER IF EXISTS counselor_match_hours ON availability_weekly;
DROP TRIGGER IF EXISTS counselor_match_sync ON counselors;
DROP TABLE IF EXISTS counselor_match;
DROP FUNCTION IF EXISTS counselor_match_repack(), counselor_match_hours(), counselor_match_sync(),
  counselor_match_pack(uuid), counselor_match_time_of_day(uuid);
DROP TABLE IF EXISTS match_dismissals, counselor_fit_profiles, employee_fit_profiles;
