package input

import (
	"net/url"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

func TestProblem(t *testing.T) {
	for s, bad := range map[string]bool{
		"": false, "営業部/東京支店": false, "a\tb\r\nc": false, "😀": false,
		"a\x00b": true, "\xff": true, "a\x1bb": true, "a\x7f": true, "\xed\xa0\x80": true, // a UTF-8-encoded surrogate
	} {
		if got := Problem(s) != ""; got != bad {
			t.Errorf("%q: bad %v, want %v", s, got, bad)
		}
	}
}

func TestValuesNamesTheField(t *testing.T) {
	err := Values(url.Values{"q": {"ok"}, "name": {"x", "a\x00"}})
	if e, ok := apperr.As(err); !ok || e.Fields["name"] == "" {
		t.Fatalf("%v", err)
	}
	if err := Values(url.Values{"q": {"キャリア"}}); err != nil {
		t.Fatal(err)
	}
}

func TestInstantOffsetsAndCase(t *testing.T) {
	for v, ok := range map[string]bool{
		"2026-04-01T10:00:00+09:00": true, "2026-04-01t10:00:00z": true, "2026-04-01T10:00:00.5Z": true,
		"2026-04-01T10:00:00+23:59": true, "2026-04-01T10:00:00+24:00": false, "2026-04-01T10:00:00-24:00": false,
		"2026-04-01T10:00:00": false, "0001-01-01T00:00:00Z": false, "garbage": false,
	} {
		if _, got := Instant(v); got != ok {
			t.Errorf("%q: %v, want %v", v, got, ok)
		}
	}
}
