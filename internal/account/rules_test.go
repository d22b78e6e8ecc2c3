package account_test

import (
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/account"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"  Sato@Example.COM ", "sato@example.com"},
		{"emp0001@sample-shoji.example", "emp0001@sample-shoji.example"},
		{"", ""},
		{"no-at-sign", ""},
		{"a@localhost", ""},
		{"佐藤 <sato@example.com>", ""},
		{"a@b.c" + strings.Repeat("x", 260), ""},
	}
	for _, c := range cases {
		got, err := account.NormalizeEmail("email", c.in)
		if c.want == "" && err == nil {
			t.Errorf("%q: accepted as %q, want refusal", c.in, got)
		}
		if c.want != "" && (err != nil || got != c.want) {
			t.Errorf("%q: %q (%v), want %q", c.in, got, err, c.want)
		}
	}
}

func TestCheckPasswordBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pw string
		ok bool
	}{
		{"short", false},
		{"123456789", false},
		{"1234567890", true},
		{"パスワードは十文字以上", true}, // counted in characters, not bytes
		{strings.Repeat("x", 200), true},
		{strings.Repeat("x", 201), false},
	}
	for _, c := range cases {
		if err := account.CheckPassword(c.pw); (err == nil) != c.ok {
			t.Errorf("%q: err %v, want ok=%v", c.pw, err, c.ok)
		}
	}
}

func TestHashPasswordIsArgon2idPHC(t *testing.T) {
	t.Parallel()
	h, err := account.HashPassword("correct-horse-2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,") {
		t.Fatalf("hash %q is not an argon2id PHC string with the expected parameters", h)
	}
}
