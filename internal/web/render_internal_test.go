package web

import (
	"reflect"
	"testing"
)

// TestViewStaysALayout keeps View what layout.html needs and the shared
// Format helpers small: a page's own labels and figures belong on the
// page's data, not on a type every page sees.
func TestViewStaysALayout(t *testing.T) {
	n := reflect.TypeFor[*View]().NumMethod()
	t.Logf("View: %d methods", n)
	if n > 8 {
		t.Errorf("View has %d methods, at most 8: put page methods on the page's data", n)
	}
	format := reflect.TypeFor[Format]().NumMethod()
	t.Logf("Format: %d methods", format)
	if format > 15 {
		t.Errorf("Format has %d methods, at most 15: put page methods on the page's data", format)
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[BookingFormat](), reflect.TypeFor[CounselorFormat](), reflect.TypeFor[PeopleFormat](),
		reflect.TypeFor[BillingFormat](), reflect.TypeFor[RecordFormat](), reflect.TypeFor[ProgrammeFormat](),
		reflect.TypeFor[ReportFormat](), reflect.TypeFor[FeedbackFormat](), reflect.TypeFor[AuditFormat](),
	} {
		own := typ.NumMethod() - format
		t.Logf("%s: %d methods of its own", typ.Name(), own)
		if own > 12 {
			t.Errorf("%s has %d methods of its own, at most 12: split it or move them to a page", typ.Name(), own)
		}
	}
}

// TestLocalizeFillsEveryFormatOfThePage checks that render's localize
// reaches Format embedded directly and through a helper, for a page given
// by value or by pointer.
func TestLocalizeFillsEveryFormatOfThePage(t *testing.T) {
	type page struct {
		Format
		BookingFormat
		Title string
	}
	f := Format{Lang: "en", path: "/x"}
	check := func(name string, got any) {
		t.Helper()
		p, ok := got.(*page)
		if !ok {
			t.Fatalf("%s: localize gave %T, want *page", name, got)
		}
		if p.Format.Lang != "en" || p.BookingFormat.Lang != "en" || p.BookingFormat.path != "/x" || p.Title != "t" {
			t.Errorf("%s: localize gave %+v", name, *p)
		}
	}
	check("value", localize(page{Title: "t"}, f))
	check("pointer", localize(&page{Title: "t"}, f))
	if got := localize(nil, f); got != nil {
		t.Errorf("nil page: localize gave %v", got)
	}
	if got := localize("text", f); got != "text" {
		t.Errorf("a page that is not a struct: localize gave %v", got)
	}
}
