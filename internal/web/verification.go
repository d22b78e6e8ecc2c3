package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

const queuePerPage = 25

// queueStatuses are the queue's filters; "" is "needs attention".
var queueStatuses = append([]string{""}, counselor.QueueStatuses...)

// QueueStatus is the name of a queue filter.
func (v queuePage) QueueStatus(s string) string {
	switch s {
	case "":
		return v.T("queue_needs_attention")
	case "all":
		return v.T("queue_all")
	}
	return v.CounselorStatus(s)
}

// queuePage is the operator's verification queue.
type queuePage struct {
	Format
	CounselorFormat
	Status   string
	Statuses []string
	Items    []counselor.ReviewSummary
	Total    int
	Page     int
	Pages    int
}

// PageURL is the queue URL of page n with the current filter.
func (q queuePage) PageURL(n int) string {
	v := url.Values{}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/operator/counselors"
	}
	return "/operator/counselors?" + v.Encode()
}

func (s *Server) counselorQueue(c echo.Context) error {
	p, _ := principalOf(c)
	q := queuePage{Status: c.QueryParam("status"), Statuses: queueStatuses, Page: 1}
	if !contains(queueStatuses, q.Status) {
		return apperr.Field("status", "unknown status")
	}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 && n <= 100000 {
		q.Page = n
	}
	items, total, err := s.Counselors.Queue(c.Request().Context(), p, counselor.QueueFilter{Status: q.Status, Page: q.Page, PerPage: queuePerPage})
	if err != nil {
		return err
	}
	q.Items, q.Total = items, total
	q.Pages = max(1, (total+queuePerPage-1)/queuePerPage)
	if isHTMX(c) {
		return s.renderPartial(c, http.StatusOK, pageCounselorQueue, "queue", q)
	}
	return s.render(c, http.StatusOK, pageCounselorQueue, q)
}

// reasonForm is the reject-credential or suspend form that failed, kept.
type reasonForm struct {
	Action       string // "reject" or "suspend"
	CredentialID uuid.UUID
	Reason       string
	Errors       formErrors
}

// reviewPage is one counsellor's review with its forms.
type reviewPage struct {
	Format
	CounselorFormat
	PeopleFormat
	Review   counselor.Review
	PhotoURL string
	Failed   reasonForm
}

// ReasonFor is the kept reason form of action on credential id (uuid.Nil
// for the counsellor), or a blank one.
func (r reviewPage) ReasonFor(action string, id uuid.UUID) reasonForm {
	if r.Failed.Action == action && r.Failed.CredentialID == id {
		return r.Failed
	}
	return reasonForm{Action: action, CredentialID: id, Errors: formErrors{}}
}

// SuspendForm is the kept suspend form, or a blank one.
func (r reviewPage) SuspendForm() reasonForm { return r.ReasonFor("suspend", uuid.Nil) }

func (s *Server) renderReview(c echo.Context, status int, id uuid.UUID, failed reasonForm) error {
	p, _ := principalOf(c)
	r, err := s.Counselors.GetReview(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	if failed.Errors == nil {
		failed.Errors = formErrors{}
	}
	return s.render(c, status, pageCounselorReview, reviewPage{Review: r, PhotoURL: photoURL(r.ID, r.PhotoURL), Failed: failed})
}

// pathID reads a uuid route parameter; a malformed one is simply not found.
func pathID(c echo.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, apperr.NotFound("counselor")
	}
	return id, nil
}

func (s *Server) counselorReview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderReview(c, http.StatusOK, id, reasonForm{})
}

// reviewURL is where every review action returns.
func reviewURL(id uuid.UUID) string { return "/operator/counselors/" + id.String() }

// reviewDone turns the outcome of a review action into a flash and a
// redirect back to the review: refusals by the rules (422) and by the state
// (409) are shown as messages, anything else is an error page.
func (s *Server) reviewDone(c echo.Context, id uuid.UUID, err error, successKey string) error {
	e, isApp := apperr.As(err)
	switch {
	case err == nil:
		s.setFlash(c, "success", successKey)
	case isApp && e.Code == apperr.CodeUnprocessable && e.APICode() == "no_verified_credential":
		s.setFlash(c, "error", "flash_no_verified_credential")
	case isApp && e.Code == apperr.CodeUnprocessable:
		s.setFlash(c, "error", "flash_review_refused")
	case isApp && e.Code == apperr.CodeConflict:
		s.setFlash(c, "error", "flash_review_conflict")
	default:
		return err
	}
	return c.Redirect(http.StatusSeeOther, reviewURL(id))
}

// reviewAct runs a review action on the counsellor of the path.
func (s *Server) reviewAct(c echo.Context, successKey string, act func(ctx context.Context, p auth.Principal, id uuid.UUID) error) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.reviewDone(c, id, act(c.Request().Context(), p, id), successKey)
}

func (s *Server) credentialVerify(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	return s.reviewAct(c, "flash_credential_verified", func(ctx context.Context, p auth.Principal, id uuid.UUID) error {
		_, err := s.Counselors.VerifyCredential(ctx, p, id, cid)
		return err
	})
}

func (s *Server) counselorVerify(c echo.Context) error {
	return s.reviewAct(c, "flash_counselor_verified", func(ctx context.Context, p auth.Principal, id uuid.UUID) error {
		_, err := s.Counselors.Verify(ctx, p, id)
		return err
	})
}

func (s *Server) counselorReinstate(c echo.Context) error {
	return s.reviewAct(c, "flash_counselor_reinstated", func(ctx context.Context, p auth.Principal, id uuid.UUID) error {
		_, err := s.Counselors.Reinstate(ctx, p, id)
		return err
	})
}

// maxReason is the longest reason the forms accept (the database's limit).
const maxReason = 500

// reasoned runs an action that needs a reason: a blank or overlong reason
// (or one the domain refuses) re-renders the review with the message
// beside the textarea.
func (s *Server) reasoned(c echo.Context, f reasonForm, successKey string, act func(ctx context.Context, p auth.Principal, id uuid.UUID, reason string) error) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f.Reason, f.Errors = strings.TrimSpace(c.FormValue("reason")), formErrors{}
	f.Errors.required("reason", f.Reason)
	f.Errors.text("reason", f.Reason, true, "field_invalid")
	if len([]rune(f.Reason)) > maxReason {
		f.Errors.add("reason", "review_reason_too_long")
	}
	if !f.Errors.Any() {
		err = act(c.Request().Context(), p, id, f.Reason)
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
			f.Errors.add("reason", "review_reason_too_long")
		} else {
			return s.reviewDone(c, id, err, successKey)
		}
	}
	return s.renderReview(c, http.StatusBadRequest, id, f)
}

func (s *Server) credentialReject(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	f := reasonForm{Action: "reject", CredentialID: cid}
	return s.reasoned(c, f, "flash_credential_rejected", func(ctx context.Context, p auth.Principal, id uuid.UUID, reason string) error {
		_, err := s.Counselors.RejectCredential(ctx, p, id, cid, reason)
		return err
	})
}

func (s *Server) counselorSuspend(c echo.Context) error {
	f := reasonForm{Action: "suspend"}
	return s.reasoned(c, f, "flash_counselor_suspended", func(ctx context.Context, p auth.Principal, id uuid.UUID, reason string) error {
		_, err := s.Counselors.Suspend(ctx, p, id, reason)
		return err
	})
}
