package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// TestBillingRunBillsWithTheConfiguredIssuer runs the real binary: the
// billing subcommand's service comes from services.New, so it carries the
// seller of TAIWA_INVOICE_ISSUER_* (it was once built by hand without
// one).
func TestBillingRunBillsWithTheConfiguredIssuer(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "taiwa")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := dbtest.New(t)
	cmd := exec.Command(bin, "billing", "run", "--period", "2026-03")
	cmd.Env = env.CommandEnv("TAIWA_INVOICE_ISSUER_NAME=試験請求株式会社", "TAIWA_INVOICE_ISSUER_ADDRESS=東京都港区芝公園4-2-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("billing run: %v\n%s", err, out)
	}
	for _, want := range []string{"billing 2026-03: 0 invoices created, 0 unchanged", "issuer 試験請求株式会社 (T7123456789012)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("billing run said %q, want %q in it", out, want)
		}
	}
}

// TestSubcommandsBuildServicesOnlyThroughTheConstructor reads the
// subcommands' source: no domain service (x.Service{…}), payment client or
// search index is built by hand in cmd/taiwa; they come from
// openServices (services.New) or app.New, which wire every field.
func TestSubcommandsBuildServicesOnlyThroughTheConstructor(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Service" {
					t.Errorf("%s: %s.Service{…} built by hand; use openServices", fset.Position(n.Pos()), sel.X)
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "payments" || pkg.Name == "meili") && strings.HasPrefix(sel.Sel.Name, "New") {
					t.Errorf("%s: %s.%s called by hand; use openServices", fset.Position(n.Pos()), pkg.Name, sel.Sel.Name)
				}
			}
			return true
		})
	}
	if checked < 5 {
		t.Fatalf("read %d files, want the subcommands' sources", checked)
	}
}
