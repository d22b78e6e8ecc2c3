package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestConcurrentAPITestsRunUnderTheRaceDetector: `make test` runs this
// package without the race detector except for the tests named by the
// Makefile's API_RACE_TESTS, so every test here that starts goroutines of
// its own (requests at once) must be named there, and every name there
// must still be a test.
func TestConcurrentAPITestsRunUnderTheRaceDetector(t *testing.T) {
	t.Parallel()
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^API_RACE_TESTS\s*:=\s*\^\(([^)]*)\)\$\$$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("the Makefile has no API_RACE_TESTS := ^(A|B|…)$$ line")
	}
	listed := strings.Split(string(m[1]), "|")

	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	tests := map[string]bool{} // test name → starts goroutines
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Body == nil {
				continue
			}
			concurrent := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if _, ok := n.(*ast.GoStmt); ok {
					concurrent = true
				}
				return !concurrent
			})
			tests[fn.Name.Name] = concurrent
		}
	}
	for name, concurrent := range tests {
		if concurrent && !slices.Contains(listed, name) {
			t.Errorf("%s starts goroutines: add it to API_RACE_TESTS in the Makefile so `make test` runs it under the race detector", name)
		}
	}
	for _, name := range listed {
		if _, ok := tests[name]; !ok {
			t.Errorf("API_RACE_TESTS names %s, which is no test of this package", name)
		}
	}
}
