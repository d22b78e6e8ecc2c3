package db

import (
	"slices"
	"testing"
)

// TestSchemaCheckKnowsTheVersionsGooseApplies: CheckCurrent reads the
// versions from the files' names; goose parses the files. They must agree,
// or a server could start over a schema goose would still migrate.
func TestSchemaCheckKnowsTheVersionsGooseApplies(t *testing.T) {
	t.Parallel()
	m, err := NewMigrator("postgres://unused.invalid/none?sslmode=disable") // sources are read without connecting
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var goose []int64
	for _, s := range m.p.ListSources() {
		goose = append(goose, s.Version)
	}
	ours, err := embeddedVersions()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ours, goose) {
		t.Fatalf("versions from names %v, goose's %v", ours, goose)
	}
}
