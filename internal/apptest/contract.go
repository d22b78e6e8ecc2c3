package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/taiwa/taiwa/internal/api"
)

// contract is openapi.json, parsed, validated and routed once per test
// binary: every answer the harness receives is checked against it.
var contract struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

// OpenAPI is the API's document as kin-openapi reads it, loaded and
// validated once per test binary; callers must not change it.
func OpenAPI() (*openapi3.T, error) {
	contract.once.Do(func() {
		contract.doc, contract.router, contract.err = loadContract(api.OpenAPIDocument())
	})
	return contract.doc, contract.err
}

func loadContract(b []byte) (*openapi3.T, routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, nil, fmt.Errorf("openapi.json: %w", err)
	}
	// NewRouter validates the document (as OpenAPI 3.1) before routing it.
	r, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("openapi.json: %w", err)
	}
	return doc, r, nil
}

// uuidFormat checks format "uuid" (kin-openapi leaves it unchecked unless
// told): any RFC 9562 layout, lowercase or not.
var uuidFormat = openapi3.NewRegexpFormatValidator(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// CheckContract reports how an answer to method and target (a path with
// its query, as sent) breaks openapi.json: a 500, a status the operation
// does not declare, a media type it does not declare, or a JSON body
// outside the schema. Answers outside /api/v1/, to HEAD, or to a path and
// method the document does not list are not checked (nil).
func CheckContract(method string, target *url.URL, r Response) error {
	if !strings.HasPrefix(target.Path, "/api/v1/") || method == http.MethodHead {
		return nil
	}
	if r.Status == http.StatusInternalServerError {
		return errors.New("a 500 is never part of the contract")
	}
	if _, err := OpenAPI(); err != nil {
		return err
	}
	// The document's server is "/": route on the path and query alone.
	req := &http.Request{Method: method, URL: &url.URL{Path: target.Path, RawPath: target.RawPath, RawQuery: target.RawQuery}, Header: http.Header{}}
	route, params, err := contract.router.FindRoute(req)
	if err != nil {
		return nil // not a documented operation (or not this method)
	}
	out := route.Operation.Responses.Status(r.Status)
	if out == nil {
		out = route.Operation.Responses.Default()
	}
	if out == nil || out.Value == nil {
		return fmt.Errorf("operation %s does not declare status %d", route.Operation.OperationID, r.Status)
	}
	ct := r.Header.Get("Content-Type")
	if len(out.Value.Content) == 0 {
		if len(r.Body) > 0 {
			return fmt.Errorf("operation %s declares no body for %d, got %s", route.Operation.OperationID, r.Status, ct)
		}
		return nil
	}
	if out.Value.Content.Get(ct) == nil {
		return fmt.Errorf("operation %s does not declare %q for %d", route.Operation.OperationID, ct, r.Status)
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
		return nil // CSV, PDF, images: the media type is the contract
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.Status,
		Header:                 r.Header,
		Body:                   io.NopCloser(bytes.NewReader(r.Body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus:   true,
			MultiError:              true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidator("uuid", uuidFormat)},
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("operation %s: %w", route.Operation.OperationID, err)
	}
	var v any
	_ = json.Unmarshal(r.Body, &v) // valid: ValidateResponse decoded it
	if extra := undocumented(out.Value.Content.Get(ct).Schema.Value, v, ""); len(extra) > 0 {
		return fmt.Errorf("operation %s: %d answers with fields openapi.json does not document: %s",
			route.Operation.OperationID, r.Status, strings.Join(extra, ", "))
	}
	return nil
}

// undocumented lists the properties of v (JSON pointers) that its schema
// does not name: an object schema that lists properties documents all its
// fields (a map is a schema with additionalProperties alone). allOf
// branches add up; of oneOf and anyOf, the branches v matches count.
func undocumented(s *openapi3.Schema, v any, at string) []string {
	if s == nil {
		return nil
	}
	switch v := v.(type) {
	case map[string]any:
		props, open := documentedProperties(s, v)
		var out []string
		for k, x := range v {
			switch p, ok := props[k]; {
			case ok:
				out = append(out, undocumented(p, x, at+"/"+k)...)
			case open != nil:
				out = append(out, undocumented(open, x, at+"/"+k)...)
			case len(props) > 0:
				out = append(out, at+"/"+k)
			}
		}
		return out
	case []any:
		if s.Items == nil {
			return nil
		}
		var out []string
		for i, x := range v {
			out = append(out, undocumented(s.Items.Value, x, fmt.Sprintf("%s/%d", at, i))...)
		}
		return out
	}
	return nil
}

// documentedProperties are the properties s names for the object v, and
// the schema of any other property (nil: none is documented).
func documentedProperties(s *openapi3.Schema, v any) (map[string]*openapi3.Schema, *openapi3.Schema) {
	props := map[string]*openapi3.Schema{}
	var open *openapi3.Schema
	add := func(b *openapi3.Schema) {
		p, o := documentedProperties(b, v)
		for k, x := range p {
			props[k] = x
		}
		if o != nil {
			open = o
		}
	}
	for k, p := range s.Properties {
		props[k] = p.Value
	}
	switch ap := s.AdditionalProperties; {
	case ap.Schema != nil:
		open = ap.Schema.Value
	case ap.Has != nil && *ap.Has:
		open = &openapi3.Schema{}
	}
	for _, b := range s.AllOf {
		add(b.Value)
	}
	for _, b := range append(slices.Clone(s.OneOf), s.AnyOf...) {
		if b.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()) == nil {
			add(b.Value)
		}
	}
	return props, open
}

// checkContract fails the harness's test when an answer breaks the
// contract, naming the request and the answer.
func (c *Client) checkContract(req *http.Request, r Response) {
	c.tb().Helper()
	if err := CheckContract(req.Method, req.URL, r); err != nil {
		c.tb().Errorf("openapi.json: %s %s answered %d: %v\nbody: %s", req.Method, shorten(req.URL.RequestURI(), 300), r.Status, err, shorten(string(r.Body), 600))
	}
}

// shorten keeps at most n bytes of s for a message.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
