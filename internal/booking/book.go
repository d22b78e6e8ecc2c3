package booking

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// MaxSlotsWindow is the longest from–to window GET …/slots answers, and
// DefaultSlotsWindow the one it answers without a to.
const (
	MaxSlotsWindow     = 62 * 24 * time.Hour
	DefaultSlotsWindow = 14 * 24 * time.Hour
)

// bookable is a listed counsellor as the booking rules need them.
type bookable struct {
	ID      uuid.UUID
	UserID  uuid.UUID
	Name    string
	Formats []string
	Themes  []string // offered
	Kinds   []string // valid verified credentials
	// Links are the counsellor's external meeting links by format.
	Links map[string]string
}

// loadBookable returns a listed counsellor (verified, with a verified
// credential valid today in Japan: the listing rule); 404 otherwise.
func loadBookable(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, now time.Time) (bookable, error) {
	c := bookable{ID: id}
	var links []byte
	err := db.Prepare(ctx, tx, `
		SELECT c.user_id, c.display_name, c.formats, c.themes,
		       ARRAY(SELECT DISTINCT k.kind FROM credentials k
		             WHERE k.counselor_id = c.id AND k.status = 'verified' AND (k.expires_on IS NULL OR k.expires_on >= $2::date)),
		       c.meeting_links
		FROM counselors c WHERE c.id = $1 AND c.status = 'verified'`).QueryRowxContext(ctx, id, counselor.Today(now)).
		Scan(&c.UserID, &c.Name, pq.Array(&c.Formats), pq.Array(&c.Themes), pq.Array(&c.Kinds), &links)
	if err == nil && len(links) > 0 {
		err = json.Unmarshal(links, &c.Links)
	}
	if db.IsNoRows(err) || (err == nil && len(c.Kinds) == 0) {
		return c, apperr.NotFound("counselor")
	}
	return c, err
}

// contract is the company's contract a booking counts against.
type contract struct {
	ID           uuid.UUID `db:"id"`
	PlanCode     string    `db:"plan_code"`
	SessionCap   *int      `db:"session_cap"`
	IsTrial      bool      `db:"is_trial"`
	NoticeHours  int       `db:"late_cancel_notice_h"`
	SessionsUsed int       `db:"sessions_used"`
}

// activeContract returns the company's contract covering today in Japan.
// It takes no lock: the plan's cap is enforced by the counter at commit
// (see enforceCap), so bookings of one company do not queue behind each
// other.
func activeContract(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, now time.Time) (contract, error) {
	var k contract
	err := db.Prepare(ctx, tx, `
		SELECT k.id, k.plan_code, p.session_cap, p.is_trial, p.late_cancel_notice_h, k.sessions_used
		FROM contracts k JOIN plans p ON p.code = k.plan_code
		WHERE k.company_id = $1 AND k.status IN ('trial', 'active')
		  AND k.starts_on <= $2::date AND (k.ends_on IS NULL OR k.ends_on >= $2::date)
		ORDER BY k.starts_on DESC, k.created_at DESC LIMIT 1`).GetContext(ctx, &k, companyID, counselor.Today(now))
	if db.IsNoRows(err) {
		return k, apperr.Unprocessable(ReasonPlanExhausted, "your company has no active contract today, so sessions cannot be booked; please ask your HR team")
	}
	return k, err
}

// sessionCapConstraint names the refusal of the deferred counter trigger
// (migration 00016) when a booking would pass the plan's cap.
const sessionCapConstraint = "bookings_session_cap"

// checkCap refuses early a booking beyond the plan's session cap (a
// trial's), reading the contract's counter of every booking that was not
// cancelled in time. It is a fast answer, not the guarantee: the counter's
// conditional increment at commit (UPDATE contracts SET sessions_used =
// sessions_used + 1 WHERE … AND sessions_used < cap, by the bookings
// trigger once lockCounselorToBook has set taiwa.enforce_session_cap) is
// the last word.
func checkCap(k contract) error {
	if k.SessionCap == nil || k.SessionsUsed < *k.SessionCap {
		return nil
	}
	return capError(k.IsTrial, *k.SessionCap)
}

func capError(trial bool, limit int) error {
	what := "plan"
	if trial {
		what = "trial"
	}
	return apperr.Unprocessable(ReasonPlanExhausted,
		fmt.Sprintf("your company's %s includes %d sessions and all of them are used; please ask your HR team", what, limit))
}

// checkNew checks the body of a booking: 400 naming fields.
func checkNew(in NewBooking) error {
	f := map[string]string{}
	if in.CounselorID == uuid.Nil {
		f["counselor_id"] = "is required"
	}
	if in.Start.IsZero() {
		f["start"] = "is required (RFC 3339 with offset)"
	}
	if !slices.Contains(counselor.Themes, in.Theme) {
		f["theme"] = "must be one of " + strings.Join(counselor.Themes, ", ")
	}
	if !slices.Contains(counselor.Formats, in.Format) {
		f["format"] = "must be one of " + strings.Join(counselor.Formats, ", ")
	}
	missingPhone := in.Format == "phone" && strings.TrimSpace(in.Phone) == ""
	if missingPhone {
		f["phone"] = "is required for a phone session: the number the counsellor calls"
	} else if in.Phone != "" && !validPhone(in.Phone) {
		f["phone"] = "must be a telephone number: 10 to 15 digits, optionally with +, spaces, hyphens or parentheses"
	}
	if len(f) == 0 {
		return nil
	}
	if missingPhone && len(f) == 1 {
		// A well-formed request the phone format's rule refuses.
		return &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonPhoneRequired, Message: "phone: " + f["phone"], Fields: f}
	}
	return apperr.Invalid("the booking has problems", f)
}

// requestHash identifies a booking request for its Idempotency-Key.
func requestHash(in NewBooking) []byte {
	h := sha256.Sum256([]byte(strings.Join([]string{
		in.CounselorID.String(), in.Start.UTC().Format(time.RFC3339Nano), in.Theme, in.Format}, "\x00")))
	return h[:]
}

// checkSlot refuses a start that is not exactly a free slot now: 422
// start_in_past for a start already gone, 409 slot_unavailable otherwise
// (outside availability, notice, horizon or daily cap, or taken).
func checkSlot(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, start, now time.Time, except uuid.UUID) (Availability, error) {
	if !start.After(now) {
		return Availability{}, apperr.Unprocessable(ReasonStartInPast, "the start time has already passed")
	}
	slots, a, err := freeSlots(ctx, tx, counselorID, start, start.Add(time.Nanosecond), now, except)
	if err != nil {
		return a, err
	}
	if len(slots) == 0 || !slots[0].Start.Equal(start) {
		return a, apperr.Conflict(ReasonSlotUnavailable, "this time is not available; please choose another slot")
	}
	return a, nil
}

// Within runs other domains' work inside a booking's transaction, so a
// use case that books and records something else (a programme step taking
// the booking) is one unit of work: either all of it is written or none.
// A hook's error rolls the booking back and is Book's answer.
type Within struct {
	// Before runs after the Idempotency-Key was claimed and before the
	// booking rules, so its refusal comes first and nothing is booked.
	Before func(ctx context.Context, tx *sqlx.Tx) error
	// After runs once the booking is written (with its outbox rows and
	// the plan's counter), before the key keeps the answer.
	After func(ctx context.Context, tx *sqlx.Tx, b Booking) error
}

// Book books a slot for the signed-in employee. idempotencyKey may be "":
// with a key, the same key and body answer the first booking again, and the
// same key with another body 409 idempotency_key_reused. Only a created
// booking is remembered; a refused attempt wrote nothing, so a retry with
// its key is simply tried again.
//
// The transaction runs in the system scope (busy time and the plan's usage
// span other employees' rows, which the employee's own scope cannot see);
// the row written is always the actor's own.
func (s *Service) Book(ctx context.Context, actor auth.Principal, in NewBooking, idempotencyKey string) (Booking, error) {
	return s.BookWithin(ctx, actor, in, idempotencyKey, Within{})
}

// BookWithin is Book with w's hooks in the same transaction, which runs in
// the system scope: a hook filters by the actor's company and user itself.
// A replayed Idempotency-Key answers the first booking without running the
// hooks again (they ran, and committed, with it).
func (s *Service) BookWithin(ctx context.Context, actor auth.Principal, in NewBooking, idempotencyKey string, w Within) (Booking, error) {
	if err := actor.Require(auth.RoleEmployee); err != nil {
		return Booking{}, err
	}
	if actor.CompanyID == uuid.Nil {
		return Booking{}, apperr.Forbidden("only an employee of a company can book")
	}
	if len(idempotencyKey) > 255 {
		return Booking{}, apperr.Field("Idempotency-Key", "must be at most 255 characters")
	}
	if err := checkNew(in); err != nil {
		return Booking{}, err
	}
	in.Start = in.Start.UTC()
	hash := requestHash(in)
	now := s.Clock.Now()
	var (
		out     Booking
		k       contract
		created bool
		sched   Availability
	)
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if idempotencyKey != "" {
			replay, found, err := claimKey(ctx, tx, actor.UserID, idempotencyKey, hash)
			if err != nil || found {
				out = replay
				return err
			}
		}
		if w.Before != nil {
			if err := w.Before(ctx, tx); err != nil {
				return err
			}
		}
		b, err := s.book(ctx, tx, actor, in, now, &k, &sched)
		if err != nil {
			return err
		}
		if w.After != nil {
			if err := w.After(ctx, tx, b); err != nil {
				return err
			}
		}
		out, created = forViewer(b, actor), true
		if idempotencyKey != "" {
			return storeKey(ctx, tx, actor.UserID, idempotencyKey, 201, out)
		}
		return nil
	})
	if db.ConstraintName(err) == sessionCapConstraint && k.SessionCap != nil {
		// Another booking took the plan's last session while this one ran.
		return Booking{}, capError(k.IsTrial, *k.SessionCap)
	}
	if err != nil {
		return Booking{}, err
	}
	if created {
		s.followNextAvailable(ctx, out, sched)
	}
	return out, nil
}

// book runs the rules and writes the booking; *kp receives the contract it
// counts against and *ap the counsellor's schedule as read under their lock.
func (s *Service) book(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, in NewBooking, now time.Time, kp *contract, ap *Availability) (Booking, error) {
	c, claim, err := loadBookableClaimingSlot(ctx, tx, in.CounselorID, in.Start, now)
	if err != nil {
		return Booking{}, err
	}
	if !slices.Contains(c.Themes, in.Theme) || !counselor.ThemeAllowed(in.Theme, c.Kinds) {
		return Booking{}, apperr.Unprocessable(ReasonThemeNotOffered, "this counsellor does not offer the theme "+in.Theme)
	}
	if !slices.Contains(c.Formats, in.Format) {
		return Booking{}, apperr.Unprocessable(ReasonFormatNotOffered, "this counsellor does not offer the format "+in.Format)
	}
	if !in.Start.After(now) {
		return Booking{}, apperr.Unprocessable(ReasonStartInPast, "the start time has already passed")
	}
	if err := awaitSlot(ctx, tx, c.ID, in.Start, claim); err != nil {
		return Booking{}, err
	}
	k, err := activeContract(ctx, tx, actor.CompanyID, now)
	if err != nil {
		return Booking{}, err
	}
	*kp = k
	if err := checkCap(k); err != nil {
		return Booking{}, err
	}
	if err := lockCounselorToBook(ctx, tx, c.ID); err != nil {
		return Booking{}, err
	}
	a, err := checkLockedSlot(ctx, tx, c.ID, in.Start, now)
	if err != nil {
		return Booking{}, err
	}
	*ap = a
	id := uuid.New()
	meeting, external := s.meetingURL(id), false
	if link := c.Links[in.Format]; link != "" {
		meeting, external = link, true
	}
	end := in.Start.Add(time.Duration(a.SlotMinutes) * time.Minute)
	blocked := end.Add(time.Duration(a.BufferMinutes) * time.Minute)
	phone, err := s.sealedPhone(actor.CompanyID, id, in)
	if err != nil {
		return Booking{}, err
	}
	// The notice, the reminders and next_available_at's follow-up go in
	// with the booking. next_available_at is not written here: it would
	// hold the counsellor's lock through the recommender's trigger
	// (milliseconds); Book runs the follow-up right after the commit, or
	// the worker does.
	draft := Booking{ID: id, Sequence: 0, Start: in.Start, End: end, Status: StatusConfirmed, Format: in.Format, MeetingURL: meeting}
	rows := append(s.bookedRows(draft), outbox.Row{Kind: NextAvailableKind,
		Payload: nextAvailablePayload{CounselorID: c.ID}, DedupeKey: nextAvailableKey(draft)})
	args, err := outbox.RowsArgs(rows)
	if err != nil {
		return Booking{}, err
	}
	b, err := scanBooking(db.Prepare(ctx, tx, insertBooking).QueryRowxContext(ctx, append([]any{
		actor.CompanyID, id, actor.UserID, c.ID, c.UserID, k.ID, in.Start, end, blocked, in.Theme, in.Format,
		meeting, external, now, phone}, args...)...))
	if err != nil {
		return Booking{}, err
	}
	return b, nil
}

// insertBooking writes a new booking and its outbox rows in one statement
// (one round trip under the counsellor's lock) and reads the booking back
// as getBooking does. $16–$19 are outbox.RowsArgs.
var insertBooking = `
	WITH b AS (
	  INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id, contract_id,
	                        starts_at, ends_at, blocked_until, theme, format, meeting_url, meeting_external,
	                        created_at, updated_at, phone_sealed)
	  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
	  RETURNING *),
	ob AS (
	  INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at)
	  SELECT k, p::jsonb, d, COALESCE(a, now())
	  FROM unnest($16::text[], $17::text[], $18::text[], $19::timestamptz[]) AS r(k, p, d, a)
	  WHERE EXISTS (SELECT 1 FROM b)
	  ON CONFLICT (dedupe_key) DO NOTHING)` +
	strings.Replace(bookingColumns, "FROM bookings b", "FROM b", 1)

// meetingURL is the session's video room: a stable page of ours per
// booking (<base URL>/meet/<booking id>), which a video provider can later
// sit behind without changing any invitation already sent.
func (s *Service) meetingURL(id uuid.UUID) string {
	base := ""
	if s.Accounts != nil {
		base = strings.TrimRight(s.Accounts.BaseURL, "/")
	}
	return base + "/meet/" + id.String()
}

// claimKey looks up an Idempotency-Key, reserving it when new: a
// concurrent request with the same key waits here for the first to commit
// and then sees its answer. found reports a replay.
func claimKey(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID, key string, hash []byte) (Booking, bool, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response)
		VALUES ($1, $2, $3, 0, '{}') ON CONFLICT (user_id, key) DO NOTHING`, userID, key, hash)
	if err != nil {
		return Booking{}, false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return Booking{}, false, nil
	}
	var row struct {
		Hash     []byte `db:"request_hash"`
		Response []byte `db:"response"`
	}
	if err := tx.GetContext(ctx, &row, `SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key); err != nil {
		return Booking{}, false, err
	}
	if string(row.Hash) != string(hash) {
		return Booking{}, false, apperr.Conflict(ReasonIdempotencyKeyReused, "this Idempotency-Key was used for a different request")
	}
	var b Booking
	if err := json.Unmarshal(row.Response, &b); err != nil {
		return Booking{}, false, fmt.Errorf("idempotency replay: %w", err)
	}
	return b, true, nil
}

// storeKey keeps the answer under the reserved key.
func storeKey(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID, key string, status int, b Booking) error {
	body, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE user_id = $1 AND key = $2`,
		userID, key, status, body)
	return err
}

// PruneIdempotencyKeys deletes keys older than before (housekeeping keeps
// them at least 24 hours).
func PruneIdempotencyKeys(ctx context.Context, tx *sqlx.Tx, before time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Slots lists a listed counsellor's free slots starting in [from, to)
// (at most MaxSlotsWindow wide; a zero from is now, a zero to is from plus
// DefaultSlotsWindow); 404 for a counsellor who is not listed.
func (s *Service) Slots(ctx context.Context, actor auth.Principal, counselorID uuid.UUID, from, to time.Time) ([]Slot, error) {
	now := s.Clock.Now()
	if from.IsZero() {
		from = now
	}
	if to.IsZero() {
		to = from.Add(DefaultSlotsWindow)
	}
	if !to.After(from) {
		return nil, apperr.Field("to", "must be after from")
	}
	if to.Sub(from) > MaxSlotsWindow {
		return nil, apperr.Field("to", "must be at most 62 days after from")
	}
	a, busy, err := readSlotInputs(ctx, s.DB, counselorID, from, to, now)
	if err != nil {
		return nil, db.MapError(err)
	}
	out := ComputeSlots(a, busy, from, to, now)
	if out == nil {
		out = []Slot{}
	}
	return out, nil
}
