package report

import (
	"os"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/audit"
)

// TestEveryCheckHasARuleAndADocSection keeps the SARIF rules' full
// descriptions and helpUri anchors true for every check.
func TestEveryCheckHasARuleAndADocSection(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range audit.CheckIDs() {
		if audit.Description(id) == "" {
			t.Errorf("%s has no SARIF fullDescription", id)
		}
		if !strings.Contains(string(doc), "\n### "+string(id)+"\n") {
			t.Errorf("docs/checks.md has no section %q for the helpUri anchor", "### "+id)
		}
	}
}
