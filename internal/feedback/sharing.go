package feedback

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/consent"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/record"
)

// jst is the zone a session's month is told in.
var jst = japan.Zone // the platform's calendar

// SharedItem is exactly what HR sees of one shared item, and exactly what
// the employee is shown before consenting: their name, the session's month
// (YYYY-MM, Japan time; never the day or the counsellor) and the content.
// Content is the summary's text, the theme codes joined by "," or, for
// follow_up, "advised" / "not_advised".
type SharedItem struct {
	EmployeeName string `json:"employee_name"`
	Item         string `json:"item"`
	SessionMonth string `json:"session_month"`
	Content      string `json:"content"`
}

// snapshot is the consent's shared_content: the item's view, frozen.
type snapshot struct {
	EmployeeName string `json:"employee_name"`
	SessionMonth string `json:"session_month"`
	Content      string `json:"content"`
}

func (it SharedItem) snapshot() (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(snapshot{it.EmployeeName, it.SessionMonth, it.Content}); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func fromSnapshot(item, raw string) SharedItem {
	var sn snapshot
	_ = json.Unmarshal([]byte(raw), &sn)
	return SharedItem{EmployeeName: sn.EmployeeName, Item: item, SessionMonth: sn.SessionMonth, Content: sn.Content}
}

// content is an item's shareable content; "" when there is none (no
// summary written).
func content(sum record.Summary, item string) string {
	switch item {
	case consent.ItemSummary:
		if sum.SharedSummary != nil {
			return strings.TrimSpace(*sum.SharedSummary)
		}
	case consent.ItemThemes:
		return strings.Join(sum.Themes, ",")
	case consent.ItemFollowUp:
		if sum.FollowUp {
			return "advised"
		}
		return "not_advised"
	}
	return ""
}

// ItemState is one sharable item of a session's summary as the employee
// sees it: whether it is shared, the preview of what sharing it now would
// show HR, and what HR sees now.
type ItemState struct {
	Item string `json:"item"`
	// Available is false when there is nothing to share (no summary).
	Available bool       `json:"available"`
	Shared    bool       `json:"shared"`
	SharedAt  *time.Time `json:"shared_at,omitempty"`
	// Current is false when the counsellor changed the item after it was
	// shared: HR keeps seeing the consented snapshot (Visible) until the
	// employee shares again.
	Current     bool        `json:"current"`
	Preview     *SharedItem `json:"preview,omitempty"`
	Visible     *SharedItem `json:"visible_to_hr,omitempty"`
	ConsentText string      `json:"consent_text"`
}

// SummaryView is the employee's view of their session's record with the
// sharing state of each item.
type SummaryView struct {
	record.Summary
	Sharing            []ItemState `json:"sharing"`
	ConsentTextVersion string      `json:"consent_text_version"`
}

// ownSummary is the employee's own session and its record's summary (404
// for another's session or one without a record).
func ownSummary(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, bookingID uuid.UUID) (session, record.Summary, error) {
	b, err := ownSession(ctx, tx, actor, bookingID)
	if err != nil {
		return b, record.Summary{}, err
	}
	sum, err := record.SummaryTx(ctx, tx, b.CompanyID, b.EmployeeID, b.ID)
	return b, sum, err
}

// Summary is what the counsellor prepared for the employee, with what is
// shared; 404 until a record exists. The read is audited.
func (s *Service) Summary(ctx context.Context, actor auth.Principal, bookingID uuid.UUID, language string) (SummaryView, error) {
	scope, err := asEmployee(actor)
	if err != nil {
		return SummaryView{}, err
	}
	var out SummaryView
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		b, sum, err := ownSummary(ctx, tx, actor, bookingID)
		if err != nil {
			return err
		}
		out = SummaryView{Summary: sum, ConsentTextVersion: ConsentTextVersion}
		for _, item := range consent.SharingItems {
			st, err := itemState(ctx, tx, actor, b, sum, item, language)
			if err != nil {
				return err
			}
			out.Sharing = append(out.Sharing, st)
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "record.summary_read", CompanyID: b.CompanyID,
			TargetType: "booking", TargetID: b.ID.String()})
	})
	return out, err
}

func itemState(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, b session, sum record.Summary, item, language string) (ItemState, error) {
	st := ItemState{Item: item, ConsentText: ConsentText(language, item)}
	if c := content(sum, item); c != "" {
		st.Available = true
		st.Preview = &SharedItem{EmployeeName: actor.Name, Item: item, SessionMonth: b.Start.In(jst).Format("2006-01"), Content: c}
	}
	cur, ok, err := consent.Current(ctx, tx, b.CompanyID, b.EmployeeID, item, b.ID.String())
	if err != nil {
		return st, err
	}
	if ok && cur.Granted && cur.SharedContent != nil {
		v := fromSnapshot(item, *cur.SharedContent)
		st.Shared, st.SharedAt, st.Visible = true, &cur.At, &v
		st.Current = st.Preview != nil && *st.Preview == v
	}
	return st, nil
}

// ShareInput is POST /bookings/{id}/sharing's body.
type ShareInput struct {
	Item               string `json:"item"`
	Granted            *bool  `json:"granted"`
	ConsentTextVersion string `json:"consent_text_version"`
	// Language is the language the wording was shown in (not JSON: the
	// caller's locale).
	Language string `json:"-"`
}

// Validate names each bad field.
func (in ShareInput) Validate() error {
	fields := map[string]string{}
	if !slices.Contains(consent.SharingItems, in.Item) {
		fields["item"] = "must be one of " + strings.Join(consent.SharingItems, ", ")
	}
	if in.Granted == nil {
		fields["granted"] = "is required (true to share, false to withdraw)"
	}
	if in.ConsentTextVersion != ConsentTextVersion {
		fields["consent_text_version"] = "must be the version of the wording shown: " + ConsentTextVersion
	}
	if len(fields) > 0 {
		return apperr.Invalid("the consent has problems", fields)
	}
	return nil
}

// Share grants or withdraws sharing one item of a session's summary with
// HR. Granting stores the exact wording shown and a snapshot of exactly
// what HR will see; an unchanged state appends nothing.
func (s *Service) Share(ctx context.Context, actor auth.Principal, bookingID uuid.UUID, in ShareInput) (ItemState, error) {
	scope, err := asEmployee(actor)
	if err != nil {
		return ItemState{}, err
	}
	if err := in.Validate(); err != nil {
		return ItemState{}, err
	}
	var out ItemState
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		b, sum, err := ownSummary(ctx, tx, actor, bookingID)
		if err != nil {
			return err
		}
		st, err := itemState(ctx, tx, actor, b, sum, in.Item, in.Language)
		if err != nil {
			return err
		}
		c := consent.Consent{CompanyID: b.CompanyID, EmployeeUserID: b.EmployeeID, Item: in.Item, Subject: b.ID.String(), Granted: *in.Granted}
		switch {
		case *in.Granted && st.Preview == nil:
			return apperr.Conflict(ReasonNothingToShare, "there is nothing to share for this item yet")
		case *in.Granted && st.Shared && st.Current, !*in.Granted && !st.Shared:
			out = st
			return nil
		case *in.Granted:
			snap, err := st.Preview.snapshot()
			if err != nil {
				return fmt.Errorf("feedback: snapshot: %w", err)
			}
			c.Text, c.SharedContent = ConsentText(in.Language, in.Item), &snap
		default:
			c.Text = WithdrawText(in.Language)
		}
		if _, err := consent.Append(ctx, tx, actor, c); err != nil {
			return err
		}
		out, err = itemState(ctx, tx, actor, b, sum, in.Item, in.Language)
		return err
	})
	return out, err
}

// SharedEntry is one item an employee currently shares with HR.
type SharedEntry struct {
	SharedItem
	SharedAt time.Time `json:"shared_at"`
}

// SharedWith lists what a company's employees currently share with HR,
// newest first: nothing else about any session. Each view is audited
// (shared.view).
func (s *Service) SharedWith(ctx context.Context, actor auth.Principal, companyID uuid.UUID, page, perPage int) ([]SharedEntry, int, error) {
	if err := actor.Require(auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return nil, 0, err
	}
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return nil, 0, err
	}
	var rows []struct {
		Item    string    `db:"item"`
		Content string    `db:"shared_content"`
		At      time.Time `db:"at"`
		Total   int       `db:"total"`
	}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		err := tx.SelectContext(ctx, &rows, `
			SELECT item, shared_content, at, count(*) OVER () AS total FROM (
			  SELECT DISTINCT ON (employee_user_id, item, subject) item, granted, shared_content, at, id
			  FROM consents WHERE company_id = $1 AND item = ANY($2)
			  ORDER BY employee_user_id, item, subject, id DESC) cur
			WHERE granted AND shared_content IS NOT NULL
			ORDER BY at DESC, id DESC LIMIT $3 OFFSET $4`,
			companyID, sharingItemsArray(), perPage, (page-1)*perPage)
		if err != nil {
			return fmt.Errorf("feedback: shared items: %w", err)
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "shared.view", CompanyID: companyID,
			TargetType: "company", TargetID: companyID.String(), Details: map[string]any{"items": len(rows), "page": page}})
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]SharedEntry, len(rows))
	total := 0
	for i, r := range rows {
		out[i] = SharedEntry{SharedItem: fromSnapshot(r.Item, r.Content), SharedAt: r.At}
		total = r.Total
	}
	return out, total, nil
}

func sharingItemsArray() any { return pq.StringArray(consent.SharingItems) }

// Snapshot is the consent's shared_content for it: exactly what HR will
// see, frozen (the demo seed stores consents with it too).
func Snapshot(it SharedItem) (string, error) { return it.snapshot() }

// SessionMonth is how a session's start is told to HR: YYYY-MM in Japan.
func SessionMonth(start time.Time) string { return start.In(jst).Format("2006-01") }
