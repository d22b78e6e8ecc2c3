package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// planForm is the create or edit form of a plan, as typed.
type planForm struct {
	Create                                                 bool
	Code, NameJa, NameEn, Kind                             string
	MonthlyFee, SessionPrice, SeatPrice, Included, Overage string
	Cap, Notice                                            string
	Trial, Active                                          bool
	Errors                                                 formErrors
}

func planFormOf(p billing.Plan) planForm {
	f := planForm{Code: p.Code, NameJa: p.NameJa, NameEn: p.NameEn, Kind: p.Kind, Trial: p.IsTrial, Active: p.Active,
		MonthlyFee: strconv.FormatInt(p.MonthlyFeeJPY, 10), SessionPrice: strconv.FormatInt(p.SessionPriceJPY, 10),
		SeatPrice: strconv.FormatInt(p.SeatPriceJPY, 10), Included: strconv.Itoa(p.IncludedSessions),
		Overage: strconv.FormatInt(p.OveragePriceJPY, 10), Notice: strconv.Itoa(p.LateCancelNoticeH), Errors: formErrors{}}
	if p.SessionCap != nil {
		f.Cap = strconv.Itoa(*p.SessionCap)
	}
	return f
}

// plansPage is the operator's plans with the create form and the edit
// form that failed, if any.
type plansPage struct {
	Format
	BillingFormat
	Plans  []billing.Plan
	Kinds  []string
	Create planForm
	Failed planForm
}

// FormFor is plan p's edit form: the failed one kept, or its values.
func (pg plansPage) FormFor(p billing.Plan) planForm {
	if !pg.Failed.Create && pg.Failed.Code == p.Code && pg.Failed.Errors.Any() {
		return pg.Failed
	}
	return planFormOf(p)
}

// planFieldKeys are the messages of the plan form's fields.
var planFieldKeys = map[string]string{
	"code": "bill_err_plan_code", "name_ja": "field_required", "name_en": "field_required", "kind": "field_invalid",
	"monthly_fee_jpy": "bill_err_yen", "session_price_jpy": "bill_err_yen", "seat_price_jpy": "bill_err_yen",
	"overage_price_jpy": "bill_err_yen", "included_sessions": "bill_err_count", "session_cap": "bill_err_count",
	"late_cancel_notice_hours": "bill_err_notice",
}

func (s *Server) renderPlans(c echo.Context, status int, pg plansPage) error {
	p, _ := principalOf(c)
	list, err := s.Billing.Plans(c.Request().Context(), p)
	if err != nil {
		return err
	}
	pg.Plans, pg.Kinds = list, []string{billing.KindPerSession, billing.KindSubscription, billing.KindPerSeat}
	if pg.Create.Errors == nil {
		pg.Create = planForm{Create: true, Kind: billing.KindPerSession, Active: true, MonthlyFee: "0", SessionPrice: "0",
			SeatPrice: "0", Included: "0", Overage: "0", Notice: "24", Errors: formErrors{}}
	}
	return s.render(c, status, pagePlans, pg)
}

func (s *Server) planList(c echo.Context) error {
	return s.renderPlans(c, http.StatusOK, plansPage{})
}

// planSave creates a plan (create=1) or saves an existing one's changes.
func (s *Server) planSave(c echo.Context) error {
	p, _ := principalOf(c)
	f := planForm{
		Create: c.FormValue("create") == "1", Code: strings.TrimSpace(c.FormValue("code")),
		NameJa: strings.TrimSpace(c.FormValue("name_ja")), NameEn: strings.TrimSpace(c.FormValue("name_en")),
		Kind: c.FormValue("kind"), MonthlyFee: strings.TrimSpace(c.FormValue("monthly_fee_jpy")),
		SessionPrice: strings.TrimSpace(c.FormValue("session_price_jpy")), SeatPrice: strings.TrimSpace(c.FormValue("seat_price_jpy")),
		Included: strings.TrimSpace(c.FormValue("included_sessions")), Overage: strings.TrimSpace(c.FormValue("overage_price_jpy")),
		Cap: strings.TrimSpace(c.FormValue("session_cap")), Notice: strings.TrimSpace(c.FormValue("late_cancel_notice_hours")),
		Trial: c.FormValue("is_trial") == "1", Active: c.FormValue("active") == "1", Errors: formErrors{},
	}
	plan := billing.Plan{Code: f.Code, NameJa: f.NameJa, NameEn: f.NameEn, Kind: f.Kind, IsTrial: f.Trial, Active: f.Active}
	f.Errors.text("name_ja", f.NameJa, false, "field_invalid")
	f.Errors.text("name_en", f.NameEn, false, "field_invalid")
	const maxYen = 100_000_000
	plan.MonthlyFeeJPY = int64(f.Errors.intIn("monthly_fee_jpy", f.MonthlyFee, 0, maxYen, "bill_err_yen"))
	plan.SessionPriceJPY = int64(f.Errors.intIn("session_price_jpy", f.SessionPrice, 0, maxYen, "bill_err_yen"))
	plan.SeatPriceJPY = int64(f.Errors.intIn("seat_price_jpy", f.SeatPrice, 0, maxYen, "bill_err_yen"))
	plan.OveragePriceJPY = int64(f.Errors.intIn("overage_price_jpy", f.Overage, 0, maxYen, "bill_err_yen"))
	plan.IncludedSessions = f.Errors.intIn("included_sessions", f.Included, 0, 100000, "bill_err_count")
	plan.LateCancelNoticeH = f.Errors.intIn("late_cancel_notice_hours", f.Notice, 0, 168, "bill_err_notice")
	if f.Cap != "" {
		n := f.Errors.intIn("session_cap", f.Cap, 1, 100000, "bill_err_count")
		plan.SessionCap = &n
	}
	if !f.Errors.Any() && f.Create {
		list, err := s.Billing.Plans(c.Request().Context(), p)
		if err != nil {
			return err
		}
		for _, existing := range list {
			if existing.Code == f.Code {
				f.Errors.add("code", "bill_err_plan_taken")
			}
		}
	}
	if !f.Errors.Any() {
		_, err := s.Billing.SavePlan(c.Request().Context(), p, plan)
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
			f.Errors.addDomain(e.Fields, planFieldKeys)
		} else if err != nil {
			return err
		} else {
			s.setFlash(c, "success", "bill_flash_plan_saved")
			return c.Redirect(http.StatusSeeOther, "/operator/plans")
		}
	}
	pg := plansPage{Failed: f}
	if f.Create {
		pg.Create = f
	}
	return s.renderPlans(c, http.StatusBadRequest, pg)
}

// contractForm is the change-contract form: months, as typed.
type contractForm struct {
	PlanCode, Seats, From, Until string
	Errors                       formErrors
}

// contractPage is one company's contracts with the forms to change and
// end the current one.
type contractPage struct {
	Format
	BillingFormat
	PeopleFormat
	Company   company.Company
	Contracts []billing.Contract
	Current   *billing.Contract
	Plans     []billing.Plan
	Change    contractForm
	End       contractForm
	MinMonth  string // the earliest month a change may start
}

// contractFieldKeys are the messages of the contract forms' fields (the
// domain's dates renamed to the forms' months by renameFields).
var contractFieldKeys = map[string]string{
	"plan_code": "field_invalid", "seats": "bill_err_seats", "from": "bill_err_month", "until": "bill_err_month",
}

func (s *Server) renderContract(c echo.Context, status int, pg contractPage) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("company")
	}
	if pg.Company, err = s.Companies.Get(ctx, p, id); err != nil {
		return err
	}
	if pg.Contracts, err = s.Billing.Contracts(ctx, p, id); err != nil {
		return err
	}
	if pg.Plans, err = s.Billing.Plans(ctx, p); err != nil {
		return err
	}
	today := s.Clock.Now().In(billing.JST).Format(time.DateOnly)
	for i, ct := range pg.Contracts {
		if ct.Status != "ended" && ct.StartsOn <= today && (ct.EndsOn == nil || *ct.EndsOn >= today) {
			pg.Current = &pg.Contracts[i]
			break
		}
	}
	next := s.thisMonth().Next().String()
	pg.MinMonth = next
	if pg.Change.Errors == nil {
		pg.Change = contractForm{PlanCode: pg.Company.PlanCode, Seats: strconv.Itoa(pg.Company.Seats), From: next, Errors: formErrors{}}
		if pg.Current != nil {
			pg.Change.PlanCode, pg.Change.Seats = pg.Current.PlanCode, strconv.Itoa(pg.Current.Seats)
		}
	}
	if pg.End.Errors == nil {
		pg.End = contractForm{Until: s.thisMonth().String(), Errors: formErrors{}}
	}
	return s.render(c, status, pageContract, pg)
}

func (s *Server) contractShow(c echo.Context) error {
	return s.renderContract(c, http.StatusOK, contractPage{})
}

// monthBounds reads a YYYY-MM month into its first and last day.
func monthBounds(f formErrors, field, v string) (first, last string) {
	p, err := billing.ParsePeriod(strings.TrimSpace(v))
	if err != nil {
		f.add(field, "bill_err_month")
		return "", ""
	}
	return p.FirstDay(), p.LastDay()
}

func (s *Server) contractChange(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("company")
	}
	f := contractForm{PlanCode: c.FormValue("plan_code"), Seats: strings.TrimSpace(c.FormValue("seats")),
		From: strings.TrimSpace(c.FormValue("from")), Until: strings.TrimSpace(c.FormValue("until")), Errors: formErrors{}}
	in := billing.ContractChange{PlanCode: f.PlanCode}
	in.Seats = f.Errors.intIn("seats", f.Seats, 1, 1000000, "bill_err_seats")
	in.StartsOn, _ = monthBounds(f.Errors, "from", f.From)
	if f.Until != "" {
		if _, last := monthBounds(f.Errors, "until", f.Until); last != "" {
			in.EndsOn = &last
		}
	}
	if !f.Errors.Any() {
		_, err := s.Billing.ChangeContract(c.Request().Context(), p, id, in)
		if done, err := s.contractSaved(c, id, f.Errors, err, "bill_flash_contract_changed"); done || err != nil {
			return err
		}
	}
	return s.renderContract(c, http.StatusBadRequest, contractPage{Change: f})
}

// contractSaved turns a contract change's outcome into the answer: field
// errors and refusals go onto the form (done false), success flashes and
// redirects to the contract page (done true), anything else is returned.
func (s *Server) contractSaved(c echo.Context, id uuid.UUID, fe formErrors, err error, flash string) (done bool, _ error) {
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		fe.addDomain(renameFields(e.Fields), contractFieldKeys)
		return false, nil
	} else if ok && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable) {
		fe.add("", "bill_err_contract_refused")
		return false, nil
	} else if err != nil {
		return false, err
	}
	s.setFlash(c, "success", flash)
	return true, c.Redirect(http.StatusSeeOther, "/operator/companies/"+id.String()+"/contract")
}

// renameFields maps the domain's date fields onto the form's month fields.
func renameFields(fields map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range fields {
		switch k {
		case "starts_on":
			k = "from"
		case "ends_on":
			k = "until"
		}
		out[k] = v
	}
	return out
}

func (s *Server) contractEnd(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("company")
	}
	f := contractForm{Until: strings.TrimSpace(c.FormValue("until")), Errors: formErrors{}}
	_, last := monthBounds(f.Errors, "until", f.Until)
	if !f.Errors.Any() {
		_, err := s.Billing.EndContract(c.Request().Context(), p, id, last)
		if done, err := s.contractSaved(c, id, f.Errors, err, "bill_flash_contract_ended"); done || err != nil {
			return err
		}
	}
	return s.renderContract(c, http.StatusBadRequest, contractPage{End: f})
}

// planFormView is a plan form with the page it is drawn on.
type planFormView struct {
	V *View
	F planForm
}

// Bind pairs a plan form with the page for the plan_form template.
func (pg plansPage) Bind(v *View, f planForm) planFormView { return planFormView{V: v, F: f} }
