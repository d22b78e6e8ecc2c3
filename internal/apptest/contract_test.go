package apptest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCheckContractFailsAnswersOutsideTheDocument proves the harness's
// check can fail: each answer below breaks openapi.json in one way, and
// each is reported; answers that fit, or that the document does not
// cover, are not.
func TestCheckContractFailsAnswersOutsideTheDocument(t *testing.T) {
	t.Parallel()
	json := http.Header{"Content-Type": {"application/json"}}
	for _, c := range []struct {
		name, method, target string
		status               int
		header               http.Header
		body                 string
		want                 string // "" when the answer fits
	}{
		{"a list that fits", "GET", "/api/v1/companies", 200, json, `{"items":[],"total":0,"page":1,"per_page":0}`, ""},
		{"an error that fits", "GET", "/api/v1/companies", 403, json, `{"error":{"code":"forbidden","message":"no"}}`, ""},
		{"a wrong type", "GET", "/api/v1/companies", 200, json, `{"items":"x","total":0,"page":1,"per_page":0}`, "doesn't match"},
		{"a missing required field", "GET", "/api/v1/companies", 200, json, `{"items":[],"page":1,"per_page":0}`, "doesn't match"},
		{"a field the list does not document", "GET", "/api/v1/companies", 200, json, `{"items":[],"total":0,"page":1,"per_page":0,"next":"x"}`, "does not document: /next"},
		{"a nested field not documented", "GET", "/api/v1/companies", 200, json, `{"items":[{"id":"0b3f6c1e-8a43-4c3e-9d0e-3f1b9d7a2c11","name":"a","plan_code":"trial","seats":1,"min_group":10,"employees":0,"created_at":"2026-01-01T00:00:00Z","secret":1}],"total":1,"page":1,"per_page":1}`, "/items/0/secret"},
		{"a field the error envelope has not", "GET", "/api/v1/companies", 403, json, `{"error":{"code":"forbidden","message":"no","trace":"x"}}`, "doesn't match"},
		{"an id that is not a uuid", "GET", "/api/v1/me", 200, json, `{"id":"7","email":"a@b.example","name":"a","role":"operator","company_id":null}`, "doesn't match"},
		{"a status not declared", "GET", "/api/v1/companies", 418, json, `{"error":{"code":"teapot","message":"no"}}`, "does not declare status 418"},
		{"a 500", "GET", "/api/v1/companies", 500, json, `{"error":{"code":"internal","message":"oops"}}`, "500"},
		{"a 500 on a path not documented", "GET", "/api/v1/nowhere", 500, json, `{}`, "500"},
		{"a media type not declared", "GET", "/api/v1/invoices/0b3f6c1e-8a43-4c3e-9d0e-3f1b9d7a2c11/pdf", 200, http.Header{"Content-Type": {"text/html"}}, `<p>`, `does not declare "text/html"`},
		{"a PDF where one is declared", "GET", "/api/v1/invoices/0b3f6c1e-8a43-4c3e-9d0e-3f1b9d7a2c11/pdf", 200, http.Header{"Content-Type": {"application/pdf"}}, `%PDF-1.7`, ""},
		{"a body where none is declared", "POST", "/api/v1/auth/logout", 204, json, `{}`, "declares no body"},
		{"a path not documented", "GET", "/api/v1/nowhere", 404, json, `{"error":{"code":"not_found","message":"no"}}`, ""},
		{"a page outside the API", "GET", "/counselors", 200, http.Header{"Content-Type": {"text/html"}}, `<p>`, ""},
		{"a HEAD", "HEAD", "/api/v1/companies", 200, json, ``, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			u, err := url.Parse(c.target)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckContract(c.method, u, Response{Status: c.status, Header: c.header, Body: []byte(c.body)})
			switch {
			case c.want == "" && err != nil:
				t.Errorf("reported %v, want nothing", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("reported %v, want an error holding %q", err, c.want)
			}
		})
	}
}
