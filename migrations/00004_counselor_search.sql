-- The search fallback's own table: one row per listed counsellor, written
-- by the search.counselor outbox handler (in the same transaction that
-- marks the row done) and by `taiwa search reindex`, shaped so that a
-- filtered, faceted, sorted page over all counsellors is one pass over a
-- narrow table instead of re-deriving every listing from credentials.
--
-- Nothing here depends on the day it was written: each theme and
-- credential kind carries the last day (in Japan) a verified credential
-- keeps it valid, and the query compares those with its own today, so a
-- credential that expires overnight leaves search at once.

-- +goose Up
CREATE TABLE counselor_search (
  counselor_id       uuid PRIMARY KEY REFERENCES counselors(id) ON DELETE CASCADE,
  -- Last day any verified credential is valid; 'infinity' if one never expires.
  listed_until       date NOT NULL,
  -- Per theme, in counselor.Themes order: the last day the theme is both
  -- offered and allowed by a valid credential; NULL when it is not.
  theme_until        date[] NOT NULL,
  -- Per credential kind, in counselor.CredentialKinds order.
  kind_until         date[] NOT NULL,
  -- Bit i set: the i-th code of counselor.Industries (JobFunctions, …).
  industry_bits      integer NOT NULL,
  job_function_bits  integer NOT NULL,
  language_bits      integer NOT NULL,
  format_bits        integer NOT NULL,
  gender             text,
  age_band           text,
  years_experience   integer NOT NULL,
  rating_avg         float8,
  next_available_at  timestamptz,
  -- Lower-cased name, reading (in both kana) and bio, for substring search.
  search_text        text NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX counselor_search_listed_idx ON counselor_search (listed_until);

GRANT SELECT, INSERT, UPDATE, DELETE ON counselor_search TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS counselor_search;
