package prompt

import (
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/iostreams"
)

// FuzzConfirmTyped feeds the typed confirmation that guards irreversible
// deletions whatever the user types. It confirms only when the first line,
// without surrounding spaces, is exactly the account ID (or count) asked for.
func FuzzConfirmTyped(f *testing.F) {
	for _, tc := range [][2]string{
		{"111122223333\n", "111122223333"},
		{"  111122223333 \r\n", "111122223333"},
		{"111122223333", "111122223333"},
		{"11112222333\n", "111122223333"},
		{"\n111122223333\n", "111122223333"},
		{"111122223333\n111122223333\n", "3"},
		{"3\n", "3"},
		{"yes\n", "111122223333"},
		{"", "111122223333"},
	} {
		f.Add(tc[0], tc[1])
	}
	f.Fuzz(func(t *testing.T, typed, want string) {
		if want == "" || want != strings.TrimSpace(want) {
			return // confirm asks for an account ID or a count
		}
		ios, in, _, _ := iostreams.Test()
		ios.SetTTY(true, false, false)
		in.WriteString(typed)
		ok, err := NewTerminal(ios).ConfirmTyped("Type the account ID:", want)
		first, _, _ := strings.Cut(typed, "\n")
		match := strings.TrimSpace(first) == want
		switch {
		case ok && !match:
			t.Fatalf("typing %q confirmed %q", typed, want)
		case !ok && match && err == nil:
			t.Fatalf("typing %q did not confirm %q", typed, want)
		case typed == "" && err == nil:
			t.Fatal("no answer at all is not an error")
		}
	})
}
