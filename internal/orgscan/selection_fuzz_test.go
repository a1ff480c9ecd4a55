package orgscan

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzSelectionValidate feeds Validate the comma-separated values of
// --accounts, --exclude-accounts and --ou. What it accepts is well formed —
// account IDs of 12 ASCII digits, OU IDs ou-<4–32>-<8–32> or root IDs
// r-<4–32> of lowercase letters and digits — and what it refuses, it quotes.
func FuzzSelectionValidate(f *testing.F) {
	f.Add("111122223333", "", "")
	f.Add("111122223333,222233334444", "333344445555", "ou-abcd-12345678")
	f.Add("", "11112222333", "")
	f.Add("", "1111222233334", "r-ab12")
	f.Add("", "", "ou-abcd-1234567")
	f.Add("", "", "OU-ABCD-12345678")
	f.Add("", "", "r-abc")
	f.Add("１１１１２２２２３３３３", "", "")
	f.Add("111122223333\n", "", "ou-abcd-12345678\n")
	f.Add(" 111122223333", "", "")
	f.Add("", "", ",")
	f.Fuzz(func(t *testing.T, accounts, exclude, ous string) {
		sel := Selection{Accounts: split(accounts), Exclude: split(exclude), OUs: split(ous)}
		err := sel.Validate()
		bad, found := "", false
		for _, id := range slices.Concat(sel.Accounts, sel.Exclude) {
			if !found && !isAccountIDByHand(id) {
				bad, found = id, true
			}
		}
		for _, id := range sel.OUs {
			if !found && !isParentIDByHand(id) {
				bad, found = id, true
			}
		}
		switch {
		case err == nil && found:
			t.Fatalf("accepted %q", bad)
		case err != nil && !found:
			t.Fatalf("refused a well-formed selection %+v: %v", sel, err)
		case err != nil && !strings.Contains(err.Error(), strconv.Quote(bad)):
			t.Fatalf("error %q does not quote %q", err, bad)
		}
	})
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func isAccountIDByHand(s string) bool {
	return len(s) == 12 && strings.Trim(s, "0123456789") == ""
}

func isParentIDByHand(s string) bool {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	word := func(w string, lo, hi int) bool { return len(w) >= lo && len(w) <= hi && strings.Trim(w, alnum) == "" }
	if rest, ok := strings.CutPrefix(s, "r-"); ok {
		return word(rest, 4, 32)
	}
	rest, ok := strings.CutPrefix(s, "ou-")
	if !ok {
		return false
	}
	a, b, ok := strings.Cut(rest, "-")
	return ok && word(a, 4, 32) && word(b, 8, 32)
}
