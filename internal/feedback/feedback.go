// Package feedback is the employee's side of a held session: one rating
// (satisfaction, fit, the five WHO-5 items, an optional comment only the
// platform sees), their own sealed notes, reading the summary the
// counsellor prepared and sharing items of it with HR by explicit,
// revocable consent, and opting out of aggregate reports.
package feedback

import (
	"time"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/record"
)

// Service keeps feedback, employees' notes and their sharing consents.
type Service struct {
	DB      *db.DB
	Keys    *seal.Keyring
	Records *record.Service
	// Now is the clock (tests move it); nil means time.Now.
	Now func() time.Time
}
