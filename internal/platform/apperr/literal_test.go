package apperr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// reasonArgs are apperr's functions that take a reason, with the position
// of that argument. Of the methods, Because is checked (its name is
// apperr's alone); Has is not, as url.Values has one too.
var reasonArgs = map[string]int{
	"Unauthorized": 0, "Conflict": 0, "Unprocessable": 0,
	"Unavailable": 0, "UnavailableFor": 0, "HasReason": 1,
}

// moduleRoot is the directory of go.mod above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package")
		}
		dir = parent
	}
}

// TestNoLiteralReasonsAnywhere walks every Go file of the module and fails
// on an error reason written as a string literal (it must be a constant
// declared next to the domain that raises it) and on code that branches on
// an error's human message.
func TestNoLiteralReasonsAnywhere(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "node_modules" || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		for _, p := range literalReasons(fset, f, strings.HasSuffix(path, "_test.go")) {
			t.Errorf("%s:%s", rel, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("walked only %d files: the walk is broken", files)
	}
}

// TestLiteralReasonsAreFound proves the walk's rules catch each shape of
// literal reason and of a branch on a message, and let constants through.
func TestLiteralReasonsAreFound(t *testing.T) {
	const src = `package x

import "github.com/taiwa/taiwa/internal/platform/apperr"

const ReasonGone apperr.Reason = "gone"

func bad(err error, e *apperr.Error) {
	_ = apperr.Conflict("taken", "no")                         // 1
	_ = apperr.Unprocessable("refused", "no")                  // 2
	_ = apperr.Unavailable("down", "no")                       // 3
	_ = &apperr.Error{Code: apperr.CodeConflict, Reason: "x"}  // 4
	_ = e.Because("finer")                                     // 5
	_ = apperr.HasReason(err, "taken")                         // 6
	_ = e.Reason == "taken"                                    // 7
	_ = "taken" != e.Why                                       // 8
	switch e.Reason {
	case "taken": // 9
	}
	_ = e.Message == "employee not found" // 10
}

func good(err error, e *apperr.Error) {
	_ = apperr.Conflict(ReasonGone, "no")
	_ = &apperr.Error{Code: apperr.CodeConflict, Reason: ReasonGone, Message: "no"}
	_ = e.Because(ReasonGone)
	_ = e.Reason == ReasonGone || e.Reason != ""
	switch e.Reason {
	case ReasonGone:
	}
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := literalReasons(fset, f, false); len(got) != 10 {
		t.Errorf("found %d problems, want 10:\n%s", len(got), strings.Join(got, "\n"))
	}
	// A file that does not import apperr compares its own Reason fields
	// (a dismissal's) freely; a test may compare a message.
	other := strings.Replace(src, `import "github.com/taiwa/taiwa/internal/platform/apperr"`, `import apperr "example.com/other"`, 1)
	if f, err = parser.ParseFile(fset, "y.go", other, 0); err != nil {
		t.Fatal(err)
	}
	if got := literalReasons(fset, f, true); len(got) != 0 {
		t.Errorf("a file without apperr: found %v, want nothing", got)
	}
}

// literalReasons lists, for a file, each reason written as a literal and
// each branch on an error's message. Only files that import apperr are
// checked: other types have Reason fields of their own (a dismissal's).
func literalReasons(fset *token.FileSet, f *ast.File, isTest bool) []string {
	const apperrPath = "github.com/taiwa/taiwa/internal/platform/apperr"
	inApperr := f.Name.Name == "apperr"
	imported := inApperr
	for _, im := range f.Imports {
		if p, _ := strconv.Unquote(im.Path.Value); p == apperrPath {
			imported = true
		}
	}
	if !imported {
		return nil
	}
	var out []string
	report := func(n ast.Node, what string) {
		out = append(out, strconv.Itoa(fset.Position(n.Pos()).Line)+": "+what)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			name, isApperr := callee(n.Fun, inApperr)
			if i, ok := reasonArgs[name]; ok && isApperr && i < len(n.Args) && isLiteral(n.Args[i]) {
				report(n, "apperr."+name+" is given a literal reason")
			}
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Because" && len(n.Args) == 1 && isLiteral(n.Args[0]) {
				report(n, sel.Sel.Name+" is given a literal reason")
			}
		case *ast.CompositeLit:
			if isErrorType(n.Type, inApperr) {
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok && isField(kv.Key, "Reason", "Why") && isLiteral(kv.Value) {
						report(kv, "an apperr.Error literal has a literal reason")
					}
				}
			}
		case *ast.BinaryExpr:
			if n.Op != token.EQL && n.Op != token.NEQ {
				break
			}
			if isSelector(n.X, "Reason", "Why") && isLiteral(n.Y) || isSelector(n.Y, "Reason", "Why") && isLiteral(n.X) {
				report(n, "a reason is compared with a literal")
			}
			if !isTest && (isSelector(n.X, "Message") || isSelector(n.Y, "Message")) {
				report(n, "code branches on an error's message")
			}
		case *ast.SwitchStmt:
			if isSelector(n.Tag, "Message") && !isTest {
				report(n, "code switches on an error's message")
			}
			if !isSelector(n.Tag, "Reason", "Why") {
				break
			}
			for _, st := range n.Body.List {
				for _, e := range st.(*ast.CaseClause).List {
					if isLiteral(e) {
						report(e, "a reason is switched on with a literal case")
					}
				}
			}
		}
		return true
	})
	return out
}

// callee names a call's function and says whether it is apperr's.
func callee(fun ast.Expr, inApperr bool) (string, bool) {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name, inApperr
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && x.Name == "apperr" {
			return f.Sel.Name, true
		}
	}
	return "", false
}

// isErrorType reports whether t names apperr.Error.
func isErrorType(t ast.Expr, inApperr bool) bool {
	switch t := t.(type) {
	case *ast.Ident:
		return inApperr && t.Name == "Error"
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && x.Name == "apperr" && t.Sel.Name == "Error"
	}
	return false
}

// isLiteral reports a non-empty string literal ("" means "no reason").
func isLiteral(e ast.Expr) bool {
	if p, ok := e.(*ast.ParenExpr); ok {
		return isLiteral(p.X)
	}
	l, ok := e.(*ast.BasicLit)
	return ok && l.Kind == token.STRING && l.Value != `""` && l.Value != "``"
}

func isField(e ast.Expr, names ...string) bool {
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	for _, n := range names {
		if id.Name == n {
			return true
		}
	}
	return false
}

func isSelector(e ast.Expr, names ...string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && isField(s.Sel, names...)
}
