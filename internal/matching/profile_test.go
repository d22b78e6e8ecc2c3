package matching_test

import (
	"context"
	"testing"

	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

func TestSaveFitProfileStoresAndReturnsTheAnswers(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	emp := f.emps[0]
	if _, err := f.svc.MyFitProfile(ctx, emp); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("before answering: err = %v, want not_found", err)
	}
	fp := answers(3, 2)
	fp.Values["power"] = 5
	fp.Theme = "career"
	fp.Preferences = &matching.Preferences{Gender: "any", Languages: []string{"en", "ja", "en"}}
	if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.MyFitProfile(ctx, emp)
	if err != nil {
		t.Fatal(err)
	}
	if got.Values["power"] != 5 || got.Values["security"] != 3 || got.Style["structured_free"] != 2 || got.Theme != "career" {
		t.Fatalf("read back %+v", got)
	}
	if p := got.Preferences; p == nil || p.Gender != "" || len(p.Languages) != 2 || p.Languages[0] != "ja" {
		t.Fatalf("preferences = %+v, want gender any stored as empty and languages [ja en]", got.Preferences)
	}
}
