package root

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/rootguard/rootguard/"

// TestLayers keeps docs/architecture.md's layers true: a command package
// imports no other command (only a parent command imports its direct
// subcommands, and internal/cmd/root the top-level ones, to attach them),
// and nothing below the commands imports one.
// A command that needs another's clients or logic takes it from an engine.
func TestLayers(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		from := filepath.ToSlash(rel)
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			to, _ := strconv.Unquote(imp.Path.Value)
			to, ok := strings.CutPrefix(to, module)
			if !ok || !strings.HasPrefix(to, "internal/cmd/") {
				continue
			}
			switch {
			case !strings.HasPrefix(from, "internal/cmd/"):
				t.Errorf("%s imports the command %s: below the commands, nothing imports one", p, to)
			case from == "internal/cmd/root" && path.Dir(to) == "internal/cmd":
				// the top command attaches the top-level commands
			case path.Dir(to) != from:
				t.Errorf("%s imports the command %s, which is not its subcommand: share an engine instead", p, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
