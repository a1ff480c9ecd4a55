package audit

import (
	"slices"
	"testing"
)

// The checks a member's IAMAuditRootUserCredentials session can decide are
// exactly those that read nothing but the root user's credentials.
func TestRootSessionCheckIDs(t *testing.T) {
	want := []CheckID{CheckRootAccessKeys, CheckRootMFA, CheckRootHardwareMFA, CheckRootSigningCertificates, CheckRootRecentUse}
	if got := RootSessionCheckIDs(); !slices.Equal(got, want) {
		t.Errorf("RootSessionCheckIDs() = %v, want %v", got, want)
	}
}

// Check IDs are unique, and an unknown ID is refused rather than ignored.
func TestCheckIDsUnique(t *testing.T) {
	seen := map[CheckID]bool{}
	for _, id := range CheckIDs() {
		if seen[id] {
			t.Errorf("duplicate check ID %s", id)
		}
		seen[id] = true
	}
	if _, err := selectChecks([]CheckID{"root-nonsense"}); err == nil {
		t.Error("an unknown check ID was accepted")
	}
}
