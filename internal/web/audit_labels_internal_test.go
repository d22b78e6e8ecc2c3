package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/taiwa/taiwa/internal/company"
	webfs "github.com/taiwa/taiwa/web"
)

// actionCode is the shape of an audited action: dotted snake_case words.
var actionCode = regexp.MustCompile(`^[a-z][a-z_]*(\.[a-z][a-z_]*)+$`)

// auditedActions reads the module's Go code (tests aside) for the action
// codes it writes to the audit log: the Action of an audit.Event literal,
// a literal assigned to a variable named action, and a literal passed as
// a function's parameter named action, and a literal assigned to an
// Action field (ev.Action = "…").
func auditedActions(t *testing.T, root string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			files = append(files, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Functions with a parameter named action: name → its position.
	actionParam := map[string]int{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			fd, ok := n.(*ast.FuncDecl)
			if !ok {
				return true
			}
			i := 0
			for _, fld := range fd.Type.Params.List {
				names := max(1, len(fld.Names))
				for j, nm := range fld.Names {
					if nm.Name == "action" {
						actionParam[fd.Name.Name] = i + j
					}
				}
				i += names
			}
			return true
		})
	}
	found := map[string]string{}
	add := func(e ast.Expr) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(lit.Value)
		if err == nil && actionCode.MatchString(s) {
			found[s] = fset.Position(lit.Pos()).String()
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if !isEventType(n.Type) {
					return true
				}
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Action" {
							add(kv.Value)
						}
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					id, isIdent := l.(*ast.Ident)
					sel, isSel := l.(*ast.SelectorExpr)
					if i < len(n.Rhs) && (isIdent && id.Name == "action" || isSel && sel.Sel.Name == "Action") {
						add(n.Rhs[i])
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if id.Name == "action" && i < len(n.Values) {
						add(n.Values[i])
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if i, ok := actionParam[name]; ok && i < len(n.Args) {
					add(n.Args[i])
				}
			}
			return true
		})
	}
	return found
}

// isEventType reports whether a composite literal's type is audit.Event.
func isEventType(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		return ok && x.Name == "audit" && e.Sel.Name == "Event"
	case *ast.Ident:
		return e.Name == "Event"
	}
	return false
}

// TestEveryAuditedActionHasALabel fails when the code base writes an audit
// action that the audit log would show as a raw code: every action needs a
// label, in Japanese and in English.
func TestEveryAuditedActionHasALabel(t *testing.T) {
	t.Parallel()
	found := auditedActions(t, filepath.Join("..", ".."))
	// The scan must see the kinds of writes it is meant to see.
	for _, want := range []string{"risk_alert.read", "risk_alert.escalate", "auth.login", "record.amend",
		"consent.withdraw", "counselor.credential.verify", "counselor.suspend", "report.export"} {
		if _, ok := found[want]; !ok {
			t.Fatalf("the scan did not find %q (found %d codes): it is broken", want, len(found))
		}
	}
	ja, en := catalogueKeys(t, "ja"), catalogueKeys(t, "en")
	var problems []string
	for code, where := range found {
		key, ok := actionKeys[code]
		switch {
		case !ok:
			problems = append(problems, code+" has no label ("+where+")")
		case !ja[key] || !en[key]:
			problems = append(problems, code+": "+key+" is missing from a catalogue")
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	// And no label for a code nobody writes any more.
	for code := range actionKeys {
		if _, ok := found[code]; !ok {
			t.Errorf("label for %q, which the code base no longer writes", code)
		}
	}
}

// TestRosterHeadersAcceptTheUIsColumnNames: whatever the roster table
// calls a column, in either language, is a heading the import accepts.
func TestRosterHeadersAcceptTheUIsColumnNames(t *testing.T) {
	t.Parallel()
	for _, lang := range Languages {
		files, err := catalogueFiles(webfs.FS, lang)
		if err != nil {
			t.Fatal(err)
		}
		labels := map[string]string{}
		for _, f := range files {
			var m map[string]any
			if _, err := toml.DecodeFS(webfs.FS, f, &m); err != nil {
				t.Fatal(err)
			}
			for k, v := range m {
				if s, ok := v.(string); ok {
					labels[k] = s
				}
			}
		}
		for _, col := range company.ImportColumns {
			label := labels[importColumnKeys[col]]
			if got, ok := company.ImportColumnOf(label); !ok || got != col {
				t.Errorf("%s: the heading %q (the UI's name of %s) reads as %q, %v", lang, label, col, got, ok)
			}
		}
	}
}
