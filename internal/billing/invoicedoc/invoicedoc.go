// Package invoicedoc renders an invoice as a document a company can file:
// an A4 PDF carrying the fields of a Japanese qualified invoice (適格請求書)
// and a CSV of its lines. It names quantities, never who, which department
// or which day.
package invoicedoc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// DefaultFont is IPA Gothic from Debian's fonts-ipafont-gothic: a TrueType
// font with the Japanese glyphs the invoice needs.
const DefaultFont = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"

// FontEnv names the environment variable that points at another TrueType
// font.
const FontEnv = "TAIWA_PDF_FONT"

// FontPath is the font the PDF uses: $TAIWA_PDF_FONT, else DefaultFont.
func FontPath() string {
	if p := strings.TrimSpace(os.Getenv(FontEnv)); p != "" {
		return p
	}
	return DefaultFont
}

// ErrUnavailable is matched (errors.Is) by every FontError: the PDF cannot
// be made on this machine, which is the operator's problem, not the
// caller's.
var ErrUnavailable = errors.New("invoicedoc: PDF rendering is unavailable")

// ReasonPDFUnavailable is the API code (503) of an invoice PDF that cannot
// be made on this server (ErrUnavailable).
const ReasonPDFUnavailable apperr.Reason = "pdf_unavailable"

// Unavailable is the 503 both HTTP layers answer for cause, an error that
// is ErrUnavailable: the cause is logged, never shown.
func Unavailable(cause error) *apperr.Error {
	return apperr.Unavailable(ReasonPDFUnavailable,
		"the invoice PDF cannot be made on this server right now; download the CSV or try again later").Wrap(cause)
}

// FontError reports a font that cannot be read or used.
type FontError struct {
	Path string
	Err  error
}

func (e *FontError) Error() string {
	return fmt.Sprintf("invoicedoc: font %s cannot be used (install fonts-ipafont-gothic or set %s): %v", e.Path, FontEnv, e.Err)
}

// Unwrap gives the cause.
func (e *FontError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *FontError) Is(target error) bool { return target == ErrUnavailable }

// Yen formats an amount as ¥12,345 (negative: -¥1,000).
func Yen(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + "¥" + b.String()
}

// PeriodRange is the first and last day of a YYYY-MM period.
func PeriodRange(period string) (first, last time.Time, err error) {
	first, err = time.Parse("2006-01", period)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("invoicedoc: period %q is not YYYY-MM", period)
	}
	return first, first.AddDate(0, 1, -1), nil
}

// jaDate is 2026年10月31日; an unparsable date is shown as given.
func jaDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.Format("2006年1月2日")
}

// kindLabels name the line kinds when a line has no description.
var kindLabels = map[string][2]string{
	billing.LinePlanFee:       {"月額基本料", "Monthly fee"},
	billing.LineSeats:         {"利用席数", "Seats"},
	billing.LineSessions:      {"面談", "Sessions"},
	billing.LineLateCancelled: {"直前キャンセル", "Late cancellations"},
	billing.LineNoShows:       {"無断欠席", "No-shows"},
	billing.LineOverage:       {"超過面談", "Sessions over the plan"},
	billing.LineAdjustment:    {"調整", "Adjustment"},
}

// LineLabel is what a line is called in lang. A description written
// "日本語 / English" gives the part in lang.
func LineLabel(l billing.Line, lang string) string {
	if d := strings.TrimSpace(l.Description); d != "" {
		if ja, en, ok := strings.Cut(d, " / "); ok {
			if lang == "en" {
				return strings.TrimSpace(en)
			}
			return strings.TrimSpace(ja)
		}
		return d
	}
	if k, ok := kindLabels[l.Kind]; ok {
		if lang == "en" {
			return k[1]
		}
		return k[0]
	}
	return l.Kind
}
