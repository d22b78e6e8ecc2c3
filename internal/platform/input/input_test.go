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
