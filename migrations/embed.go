// Package migrations holds the numbered SQL migrations, embedded in the
// binary so a deployment can never run code against a schema it lacks.
package migrations

import "embed"

// FS is the migrations folder as goose reads it.
//
//go:embed *.sql
var FS embed.FS
