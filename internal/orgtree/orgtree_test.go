package orgtree

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/rootguard/rootguard/internal/awsemu"
)

func TestPaths(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	mgmt := emu.AddAccount("100000000000", "management")
	o := emu.CreateOrganization(mgmt.ID)
	prod := o.AddOU(o.RootID(), "prod")
	pci := o.AddOU(prod, "pci")
	dev := o.AddOU(o.RootID(), "dev")
	for id, parent := range map[string]string{"200000000001": prod, "200000000002": pci, "200000000003": pci, "200000000004": dev, "200000000005": o.RootID()} {
		o.AddAccount(emu.AddAccount(id, "m"+id), parent)
	}
	admin := emu.Config(mgmt.AddUser("auditor", "*").AddAccessKey(awsemu.AccessKey{}))
	paths, err := Paths(t.Context(), organizations.NewFromConfig(admin))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"100000000000": "Root", "200000000001": "Root/prod", "200000000002": "Root/prod/pci", "200000000003": "Root/prod/pci", "200000000004": "Root/dev", "200000000005": "Root"}
	if len(paths) != len(want) {
		t.Errorf("paths = %v", paths)
	}
	for id, p := range want {
		if paths[id] != p {
			t.Errorf("%s in %q, want %q", id, paths[id], p)
		}
	}

	// Without permission to read the tree, the report says it is not grouped.
	limited := emu.Config(mgmt.AddUser("limited", "organizations:ListAccounts").AddAccessKey(awsemu.AccessKey{}))
	got, note := ForReport(t.Context(), limited)
	if got != nil || !strings.Contains(note, "not grouped by OU") || !strings.Contains(note, "ListRoots") {
		t.Errorf("without permission: %v, note %q", got, note)
	}
}
