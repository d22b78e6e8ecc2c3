package web

import (
	"cmp"
	"slices"
)

// actionKeys name every audited action in plain words, in both languages.
// TestEveryAuditedActionHasALabel reads the code base for the action codes
// it writes and fails when one has no label here.
var actionKeys = map[string]string{
	"audit.view":                  "audit_act_audit_view",
	"auth.login":                  "audit_act_login",
	"auth.mfa":                    "audit_act_auth_mfa",
	"auth.password_set":           "audit_act_auth_password_set",
	"booking.cancel_withdrawn":    "audit_act_booking_cancel_withdrawn",
	"company.admin_create":        "audit_act_company_admin_create",
	"company.create":              "audit_act_company_create",
	"company.require_admin_mfa":   "audit_act_company_require_admin_mfa",
	"consent.grant":               "audit_act_consent_grant",
	"consent.withdraw":            "audit_act_consent_withdraw",
	"counselor.credential.submit": "audit_act_counselor_credential_submit",
	"counselor.photo.update":      "audit_act_counselor_photo_update",
	"counselor.profile.update":    "audit_act_counselor_profile_update",
	"counselor.create":            "audit_act_counselor_create",
	"counselor.credential.reject": "audit_act_counselor_credential_reject",
	"counselor.credential.verify": "audit_act_counselor_credential_verify",
	"counselor.reinstate":         "audit_act_counselor_reinstate",
	"counselor.suspend":           "audit_act_counselor_suspend",
	"counselor.verify":            "audit_act_counselor_verify",
	"demo.seed":                   "audit_act_demo_seed",
	"employee.import":             "audit_act_employee_import",
	"feedback.create":             "audit_act_feedback",
	"invoice.download":            "audit_act_invoice_download",
	"invoice.push":                "audit_act_invoice_push",
	"invoice.send_now":            "audit_act_invoice_send_now",
	"invoice.stripe_event":        "audit_act_invoice_stripe_event",
	"review.approve":              "audit_act_review_approve",
	"review.delete":               "audit_act_review_delete",
	"review.reject":               "audit_act_review_reject",
	"mfa.passkey_add":             "audit_act_mfa_passkey_add",
	"mfa.passkey_remove":          "audit_act_mfa_passkey_remove",
	"mfa.recovery_codes":          "audit_act_mfa_recovery_codes",
	"mfa.recovery_used":           "audit_act_mfa_recovery_used",
	"mfa.reset":                   "audit_act_mfa_reset",
	"mfa.totp_enrol":              "audit_act_mfa_totp_enrol",
	"mfa.totp_remove":             "audit_act_mfa_totp_remove",
	"programme.create":            "audit_act_programme_create",
	"programme.enrol":             "audit_act_programme_enrol",
	"programme.invite":            "audit_act_programme_invite",
	"record.amend":                "audit_act_record_amend",
	"record.notes_unreadable":     "audit_act_record_notes_unreadable",
	"record.read":                 "audit_act_record_read",
	"record.summary_read":         "audit_act_summary_read",
	"record.write":                "audit_act_record_write",
	"report.export":               "audit_act_report_export",
	"report.release":              "audit_act_report_release",
	"report.view":                 "audit_act_report_view",
	"risk_alert.acknowledge":      "audit_act_risk_alert_acknowledge",
	"risk_alert.escalate":         "audit_act_risk_alert_escalate",
	"risk_alert.raise":            "audit_act_risk_alert_raise",
	"risk_alert.read":             "audit_act_risk_alert_read",
	"risk_alert.resolve":          "audit_act_risk_alert_resolve",
	"shared.view":                 "audit_act_shared_view",
	"user.create_cli":             "audit_act_user_create_cli",
	"user.disable":                "audit_act_user_disable",
	"user.enable":                 "audit_act_user_enable",
}

// Action is an audited action in plain words, or its code.
func (v AuditFormat) Action(code string) string {
	if k, ok := actionKeys[code]; ok {
		return v.T(k)
	}
	return code
}

// actionOption is one choice of the audit log's action filter.
type actionOption struct {
	Code, Label string
}

// ActionOptions are the labelled actions to filter by, in the order of
// their codes, so that each domain's actions stand together.
func (v AuditFormat) ActionOptions() []actionOption {
	out := make([]actionOption, 0, len(actionKeys))
	for code, key := range actionKeys {
		out = append(out, actionOption{Code: code, Label: v.T(key)})
	}
	slices.SortFunc(out, func(a, b actionOption) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// ActorRole names the role of an entry's actor, the platform's own jobs
// ("system") included.
func (v AuditFormat) ActorRole(r string) string {
	if r == "system" {
		return v.T("audit_role_system")
	}
	return v.label(roleKeys, r)
}
