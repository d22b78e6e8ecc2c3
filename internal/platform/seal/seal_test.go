package seal

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func ring(t *testing.T, ids ...string) *Keyring {
	t.Helper()
	var parts []string
	for _, id := range ids {
		k, err := NewKey(id)
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, k)
	}
	k, err := ParseKeys(strings.Join(parts, ","))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealedValueOpensOnlyForItsRow(t *testing.T) {
	k := ring(t, "k1")
	row := AAD("session_records", "private_notes", "booking-1")
	sealed, err := k.Seal([]byte("MARKER 秘密"), row)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("MARKER")) {
		t.Fatal("plaintext visible in the sealed value")
	}
	got, err := k.Open(sealed, row)
	if err != nil || string(got) != "MARKER 秘密" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, AAD("session_records", "private_notes", "booking-2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("moved to another row: err = %v, want ErrOpen", err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := k.Open(tampered, row); !errors.Is(err, ErrOpen) {
		t.Fatalf("tampered: err = %v", err)
	}
	if id, _ := KeyID(sealed); id != "k1" {
		t.Fatalf("key id %q", id)
	}
}

func TestRotationResealsWithTheCurrentKey(t *testing.T) {
	oldKey, _ := NewKey("old")
	old, _ := ParseKeys(oldKey)
	row := AAD("employee_notes", "x")
	sealed, _ := old.Seal([]byte("note"), row)
	// The new keyring lists the new key first and keeps the old one.
	newKey, _ := NewKey("new")
	both, err := ParseKeys(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	out, changed, err := both.Reseal(sealed, row)
	if err != nil || !changed {
		t.Fatalf("reseal: changed=%v err=%v", changed, err)
	}
	if !bytes.HasPrefix(out, Prefix("new")) {
		t.Fatalf("resealed with %q", out[:10])
	}
	if again, changed, _ := both.Reseal(out, row); changed || !bytes.Equal(again, out) {
		t.Fatal("a value under the current key must come back unchanged")
	}
	newOnly, _ := ParseKeys(newKey)
	if got, err := newOnly.Open(out, row); err != nil || string(got) != "note" {
		t.Fatalf("open after rotation = %q, %v", got, err)
	}
	if _, err := newOnly.Open(sealed, row); !errors.Is(err, ErrOpen) {
		t.Fatal("a value under a dropped key must not open")
	}
}

func TestParseKeysRejectsBadSpecsWithoutEchoingKeys(t *testing.T) {
	for _, spec := range []string{"", "nocolon", "bad id:AAAA", "k1:short", "k1:" + strings.Repeat("A", 44) + ",k1:" + strings.Repeat("A", 44)} {
		_, err := ParseKeys(spec)
		if err == nil {
			t.Errorf("ParseKeys(%q) accepted", spec)
			continue
		}
		if strings.Contains(spec, "AAAA") && strings.Contains(err.Error(), "AAAA") {
			t.Errorf("error echoes key material: %v", err)
		}
	}
}

func TestAADIsUnambiguous(t *testing.T) {
	if bytes.Equal(AAD("ab", "c"), AAD("a", "bc")) {
		t.Fatal("AAD parts must not run together")
	}
}
