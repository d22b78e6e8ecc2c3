package api

import (
	"testing"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// TestStrictJSONRefusesWhatALenientDecoderTakes: every body a lenient
// decoder accepts with a silent change is refused, naming the field.
func TestStrictJSONRefusesWhatALenientDecoderTakes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body, field string // field "" = accepted
	}{
		{"plain", `{"a":"x","b":[1,{"c":"y"}]}`, ""},
		{"escaped pair", `{"a":"\ud83d\ude00"}`, ""},
		{"escaped backslash before u", `{"a":"\\ud800"}`, ""},
		{"literal replacement character", `{"a":"\ufffd�"}`, ""},
		{"trailing brace", `{"a":1}}`, "body"},
		{"trailing value", `{"a":1} {"a":2}`, "body"},
		{"trailing garbage", `{"a":1}x`, "body"},
		{"trailing whitespace", "{\"a\":1}\n\t ", ""},
		{"duplicate key", `{"a":1,"a":2}`, "a"},
		{"duplicate nested key", `{"p":{"g":"x","g":"y"}}`, "p.g"},
		{"NUL escape", `{"name":"a\u0000b"}`, "name"},
		{"NUL in array", `{"tags":["ok","\u0000"]}`, "tags.1"},
		{"NUL in a key", `{"a\u0000":1}`, "body"},
		{"lone high surrogate", `{"a":"\ud800"}`, "body"},
		{"lone low surrogate", `{"a":"\udc00x"}`, "body"},
		{"high then not low", `{"a":"\ud800\u0041"}`, "body"},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", "body"},
		{"empty", ``, "body"},
		{"truncated", `{"a":`, "body"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkStrictJSON([]byte(c.body))
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeInvalid || e.Fields[c.field] == "" {
				t.Fatalf("got %v, want 400 naming %q", err, c.field)
			}
		})
	}
}

func TestJSONContentTypes(t *testing.T) {
	t.Parallel()
	for ct, ok := range map[string]bool{
		"": true, "application/json": true, "application/json; charset=utf-8": true, "Application/JSON; charset=UTF-8": true,
		"application/jsonp": false, "application/json; charset=iso-8859-1": false, "text/plain": false, "application/json; x=1": false,
	} {
		if err := checkJSONContentType(ct); (err == nil) != ok {
			t.Errorf("%q: %v", ct, err)
		}
	}
}

func TestParseTimeOffsetsAndCase(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{
		"2026-04-01T10:00:00+09:00": true, "2026-04-01t10:00:00z": true, "2026-04-01T10:00:00Z": true,
		"2026-04-01T10:00:00+23:59": true, "2026-04-01T10:00:00+24:00": false, "2026-04-01T10:00:00-24:00": false,
		"2026-04-01T10:00:00": false, "2026-04-01 10:00:00+09:00": false, "0001-01-01T00:00:00Z": false,
	} {
		if _, err := parseTime("start", v); (err == nil) != ok {
			t.Errorf("%q: %v", v, err)
		}
	}
}
