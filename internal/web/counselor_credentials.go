package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/httperr"
)

// credentialForm is the submit-a-credential form, kept on error.
type credentialForm struct {
	Kind, RegistrationNumber, IssuedOn, ExpiresOn string

	Errors formErrors
}

// credentialsPage is the counsellor's credentials with the submit form.
type credentialsPage struct {
	Format
	CounselorFormat
	Credentials []counselor.Credential
	Kinds       []string
	Form        credentialForm
}

// credentialFieldKeys are the messages beside each credential field when
// the domain refuses its value.
var credentialFieldKeys = map[string]string{
	"kind":                "field_choose_one",
	"registration_number": "cred_err_number",
	"issued_on":           "cred_err_issued_on",
	"expires_on":          "cred_err_expires_on",
}

func (s *Server) renderCredentials(c echo.Context, status int, f credentialForm) error {
	p, _ := principalOf(c)
	creds, err := s.Counselors.MyCredentials(c.Request().Context(), p)
	if err != nil {
		return err
	}
	if f.Errors == nil {
		f.Errors = formErrors{}
	}
	return s.render(c, status, pageCounselorCredentials, credentialsPage{Credentials: creds, Kinds: counselor.CredentialKinds, Form: f})
}

func (s *Server) counselorCredentialList(c echo.Context) error {
	return s.renderCredentials(c, http.StatusOK, credentialForm{})
}

func (s *Server) counselorCredentialSubmit(c echo.Context) error {
	p, _ := principalOf(c)
	f := credentialForm{
		Kind: c.FormValue("kind"), RegistrationNumber: strings.TrimSpace(c.FormValue("registration_number")),
		IssuedOn: strings.TrimSpace(c.FormValue("issued_on")), ExpiresOn: strings.TrimSpace(c.FormValue("expires_on")),
		Errors: formErrors{},
	}
	if !contains(counselor.CredentialKinds, f.Kind) {
		f.Errors.add("kind", "field_choose_one")
	}
	f.Errors.required("registration_number", f.RegistrationNumber)
	f.Errors.text("registration_number", f.RegistrationNumber, false, "cred_err_number")
	f.Errors.required("issued_on", f.IssuedOn)
	if f.Errors.Any() {
		return s.renderCredentials(c, http.StatusBadRequest, f)
	}
	_, err := s.Counselors.SubmitCredential(c.Request().Context(), p, counselor.CredentialInput{
		Kind: f.Kind, RegistrationNumber: f.RegistrationNumber, IssuedOn: f.IssuedOn, ExpiresOn: optional(f.ExpiresOn),
	})
	e, isApp := apperr.As(err)
	switch {
	case err == nil:
		s.setFlash(c, "success", "flash_credential_submitted")
		return c.Redirect(http.StatusSeeOther, "/counselor/credentials")
	case isApp && e.Code == apperr.CodeInvalid:
		f.Errors.addDomain(e.Fields, credentialFieldKeys)
		return s.renderCredentials(c, http.StatusBadRequest, f)
	case isApp && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable):
		f.Errors.add("", "cred_err_refused")
		return s.renderCredentials(c, httperr.Status(e.Code), f)
	}
	return err
}
