-- Anonymous short reviews of counsellors (docs/reviews.md).
--
-- counselor_reviews holds the text and its moderation state only: no
-- company, no booking, no author, no submission time. review_authors is
-- the one link from a review to the session it came from, a tenant row
-- only the author (and the platform, for deletion or abuse) can read; no
-- page or API answer ever shows it.
--
-- An approved review waits (status 'approved') until at least the batch
-- size of its counsellor's approved reviews wait; then all of them are
-- published together, each given the same batch number and a shuffled
-- position, so neither order nor timing ties one to a session.

-- +goose Up
CREATE TABLE counselor_reviews (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  counselor_id   uuid NOT NULL REFERENCES counselors(id),
  body           text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 400),
  status         text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'rejected', 'published')),
  reject_reason  text CHECK (char_length(reject_reason) <= 500),
  moderated_at   timestamptz,
  batch          integer CHECK (batch > 0),
  position       integer CHECK (position >= 0),
  CHECK ((status = 'published') = (batch IS NOT NULL AND position IS NOT NULL)),
  CHECK ((status = 'rejected') = (reject_reason IS NOT NULL))
);
-- The moderation queue reads pending reviews; no time is kept, so it
-- reads them in id order (random, like the ids).
CREATE INDEX counselor_reviews_status_idx ON counselor_reviews (status, counselor_id);
CREATE UNIQUE INDEX counselor_reviews_published_idx ON counselor_reviews (counselor_id, batch, position)
  WHERE status = 'published';

CREATE TABLE review_authors (
  company_id        uuid NOT NULL,
  booking_id        uuid NOT NULL,
  employee_user_id  uuid NOT NULL,
  review_id         uuid NOT NULL UNIQUE REFERENCES counselor_reviews(id) ON DELETE CASCADE,
  PRIMARY KEY (company_id, booking_id),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id)
);

ALTER TABLE review_authors ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_authors FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON review_authors USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));

-- Anyone signed in reads published reviews; the author reads (and
-- deletes) their own in any state; only the platform moderates.
ALTER TABLE counselor_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE counselor_reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY platform ON counselor_reviews USING (app_privileged());
CREATE POLICY published ON counselor_reviews FOR SELECT USING (status = 'published' AND app_role() <> '');
CREATE POLICY author_read ON counselor_reviews FOR SELECT USING (app_role() = 'employee' AND EXISTS (
  SELECT 1 FROM review_authors a WHERE a.review_id = counselor_reviews.id
    AND a.employee_user_id = app_user_id() AND a.company_id = app_company_id()));
CREATE POLICY author_write ON counselor_reviews FOR INSERT WITH CHECK (app_role() = 'employee' AND status = 'pending');
CREATE POLICY author_delete ON counselor_reviews FOR DELETE USING (app_role() = 'employee' AND EXISTS (
  SELECT 1 FROM review_authors a WHERE a.review_id = counselor_reviews.id
    AND a.employee_user_id = app_user_id() AND a.company_id = app_company_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON counselor_reviews, review_authors TO taiwa_app;

-- +goose Down
-- Together: counselor_reviews' policies read review_authors, whose rows
-- reference counselor_reviews.
DROP TABLE IF EXISTS review_authors, counselor_reviews;
