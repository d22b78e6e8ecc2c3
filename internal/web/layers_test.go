package web_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestTheHTTPLayersAreSiblings proves that neither HTTP layer reaches the
// other through any chain of imports: what both need lives in a domain
// package (report.WriteCSV, store.NewRequest, billing.Invoice.Filename) or
// in the neutral internal/platform/httperr, which reaches neither. It asks
// the go command for the transitive dependencies, as `go list -deps` does.
func TestTheHTTPLayersAreSiblings(t *testing.T) {
	t.Parallel()
	const mod = "github.com/taiwa/taiwa/internal/"
	cases := []struct {
		pkg       string
		mustReach string // a transitive dependency that proves the listing is real
		never     []string
	}{
		{pkg: "web", mustReach: "platform/httperr", never: []string{"api"}},
		{pkg: "api", mustReach: "platform/apperr", never: []string{"web"}},
		{pkg: "platform/httperr", mustReach: "platform/apperr", never: []string{"api", "web"}},
	}
	for _, tc := range cases {
		t.Run(strings.ReplaceAll(tc.pkg, "/", "_"), func(t *testing.T) {
			deps := goListDeps(t, mod+tc.pkg)
			if !slices.Contains(deps, mod+tc.mustReach) {
				t.Fatalf("%s: go list -deps does not list %s; the listing cannot be trusted:\n%s",
					tc.pkg, tc.mustReach, strings.Join(deps, "\n"))
			}
			for _, dep := range deps {
				for _, n := range tc.never {
					if dep == mod+n || strings.HasPrefix(dep, mod+n+"/") {
						t.Errorf("internal/%s depends on %s; move what both HTTP layers need to a domain package or internal/platform/httperr", tc.pkg, dep)
					}
				}
			}
		})
	}
}

// goListDeps is the package's transitive imports, itself included.
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", "{{.ImportPath}}", pkg)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	return strings.Fields(string(out))
}

// TestDomainPackagesNeverReachEcho: the domain packages, and the wiring
// that builds them, know nothing of HTTP. A domain method takes a context,
// a principal or ids and plain values, and answers values or an
// *apperr.Error; only the HTTP layers speak echo.
func TestDomainPackagesNeverReachEcho(t *testing.T) {
	t.Parallel()
	const mod = "github.com/taiwa/taiwa/internal/"
	for _, pkg := range []string{
		"account", "audit", "billing", "billing/invoicedoc", "booking", "company", "consent", "counselor",
		"demo", "feedback", "matching", "programme", "record", "report", "report/dp", "report/store", "services",
	} {
		deps := goListDeps(t, mod+pkg)
		if !slices.Contains(deps, mod+"platform/apperr") && !strings.HasPrefix(pkg, "report/dp") {
			t.Fatalf("%s: go list -deps does not list platform/apperr; the listing cannot be trusted", pkg)
		}
		for _, dep := range deps {
			if strings.HasPrefix(dep, "github.com/labstack/echo") {
				t.Errorf("internal/%s depends on %s: keep HTTP in internal/api, internal/web and internal/platform/httperr", pkg, dep)
			}
		}
	}
}
