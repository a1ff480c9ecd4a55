package orgscan

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/rootsession"
)

func ids(accts []Account) []string {
	out := make([]string, len(accts))
	for i, a := range accts {
		out[i] = a.ID
	}
	return out
}

// sampleOrg: management 111…, OU "prod" with 222… and a nested OU "pci"
// with 333…, a suspended 444… under root, and 555… under root.
func sampleOrg(t *testing.T) (*awsemu.Server, string) {
	t.Helper()
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	org := emu.NewOrg("111111111111")
	prod := org.AddOU(org.RootID(), "prod")
	pci := org.AddOU(prod, "pci")
	for id, parent := range map[string]string{"222222222222": prod, "333333333333": pci, "444444444444": org.RootID(), "555555555555": org.RootID()} {
		org.AddMemberUnder(parent, id, "acct-"+id[:1]).AddRole(DefaultRoleName, org.Management.ID)
	}
	emu.Account("444444444444").Suspend()
	return emu, prod
}

func TestDiscover(t *testing.T) {
	emu, prod := sampleOrg(t)
	admin := emu.Account("111111111111").AddUser("reader", "*").AddAccessKey(awsemu.AccessKey{})
	client := organizations.NewFromConfig(emu.Config(admin))
	ctx := context.Background()

	tests := []struct {
		name        string
		sel         Selection
		want        []string
		wantSkipped []string
		wantErr     string
	}{
		{name: "whole organization", sel: Selection{Org: true},
			want: []string{"111111111111", "222222222222", "333333333333", "555555555555"}, wantSkipped: []string{"444444444444"}},
		{name: "an OU includes nested OUs", sel: Selection{OUs: []string{prod}}, want: []string{"222222222222", "333333333333"}},
		{name: "exclude", sel: Selection{Org: true, Exclude: []string{"111111111111", "333333333333"}},
			want: []string{"222222222222", "555555555555"}, wantSkipped: []string{"444444444444"}},
		{name: "explicit accounts, deduplicated", sel: Selection{OUs: []string{prod}, Accounts: []string{"222222222222", "555555555555"}},
			want: []string{"222222222222", "333333333333", "555555555555"}},
		{name: "an account outside the organization", sel: Selection{Accounts: []string{"999999999999"}}, wantErr: "999999999999 is not in organization"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Discover(ctx, client, tt.sel)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := ids(got.Accounts)
			slices.Sort(g)
			if !slices.Equal(g, tt.want) {
				t.Errorf("accounts = %v, want %v", g, tt.want)
			}
			if s := ids(got.Skipped); !slices.Equal(s, tt.wantSkipped) {
				t.Errorf("skipped = %v, want %v", s, tt.wantSkipped)
			}
			if got.Management != "111111111111" {
				t.Errorf("management = %s", got.Management)
			}
		})
	}
}

func TestCredentialsAssumeRoleAndRoot(t *testing.T) {
	emu, _ := sampleOrg(t)
	admin := emu.Account("111111111111").AddUser("operator", "*").AddAccessKey(awsemu.AccessKey{})
	base := emu.Config(admin)
	ctx := context.Background()

	whoami := func(c *Credentials, acct string) (string, Access, error) {
		cfg, access, err := c.For(ctx, acct)
		if err != nil {
			return "", access, err
		}
		out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", access, err
		}
		return *out.Arn, access, nil
	}

	roles := &Credentials{Base: base, Home: "111111111111"}
	arn, access, err := whoami(roles, "222222222222")
	if err != nil || access != AccessAssumeRole || !strings.HasPrefix(arn, "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/") {
		t.Fatalf("assume role: arn=%s access=%s err=%v", arn, access, err)
	}
	if arn, access, _ := whoami(roles, "111111111111"); access != AccessCaller || !strings.HasSuffix(arn, ":user/operator") {
		t.Fatalf("management account must use the caller: %s %s", arn, access)
	}
	before := len(emu.CallsTo("sts", "AssumeRole"))
	if _, _, err := roles.For(ctx, "222222222222"); err != nil {
		t.Fatal(err)
	}
	if after := len(emu.CallsTo("sts", "AssumeRole")); after != before {
		t.Fatalf("credentials must be cached for the run: %d AssumeRole calls, want %d", after, before)
	}
	emu.Account("555555555555").AddRole("Other", "111111111111")
	if _, _, err := (&Credentials{Base: base, Home: "111111111111", RoleName: "Missing"}).For(ctx, "555555555555"); err == nil {
		t.Fatal("a missing role must be an error")
	}

	emu.Organization().EnableCentralizedRootAccess(awsemu.CentralizedRootAccess...)
	roots := &Credentials{Base: base, Home: "111111111111", RootSessions: true, Task: rootsession.AuditRootUserCredentials}
	arn, access, err = whoami(roots, "333333333333")
	if err != nil || access != AccessAssumeRoot || arn != "arn:aws:iam::333333333333:root" {
		t.Fatalf("assume root: arn=%s access=%s err=%v", arn, access, err)
	}
}

func TestEachBoundsConcurrencyAndKeepsOrder(t *testing.T) {
	accts := make([]Account, 40)
	for i := range accts {
		accts[i] = Account{ID: strings.Repeat(string(rune('0'+i%10)), 12)}
	}
	var running, peak, finished atomic.Int32
	res := Each(context.Background(), accts, 4, time.Second, func(ctx context.Context, _ int, a Account) string {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		running.Add(-1)
		return a.ID
	}, func(int, string) { finished.Add(1) })
	if peak.Load() > 4 || peak.Load() < 2 {
		t.Fatalf("peak concurrency %d, want 2..4", peak.Load())
	}
	if finished.Load() != 40 {
		t.Fatalf("done called %d times", finished.Load())
	}
	for i, r := range res {
		if r != accts[i].ID {
			t.Fatalf("result %d = %s, want %s (results must be by index)", i, r, accts[i].ID)
		}
	}
}

func TestEachDeadlinePerAccount(t *testing.T) {
	accts := []Account{{ID: "hang"}, {ID: "fast"}}
	start := time.Now()
	res := Each(context.Background(), accts, 2, 50*time.Millisecond, func(ctx context.Context, _ int, a Account) error {
		if a.ID == "hang" {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}, nil)
	if res[0] != context.DeadlineExceeded || res[1] != nil {
		t.Fatalf("results = %v", res)
	}
	if time.Since(start) > time.Second {
		t.Fatal("a hanging account must end at its deadline")
	}
}

// TestDiscoverEachStreamsPages: for the whole organization, the first
// page's accounts are handed over before the last page is listed, each
// account once and in discovery order; a selection by OU is handed over
// only once resolved.
func TestDiscoverEachStreamsPages(t *testing.T) {
	emu, prod := sampleOrg(t)
	for i := range 40 {
		a := emu.AddAccount(fmt.Sprintf("6%011d", i), "extra")
		emu.Organization().AddAccount(a, emu.Organization().RootID())
	}
	emu.InjectFault(awsemu.Fault{Service: "organizations", Latency: 30 * time.Millisecond})
	admin := emu.Account("111111111111").AddUser("lister", "*").AddAccessKey(awsemu.AccessKey{})
	client := organizations.NewFromConfig(emu.Config(admin))

	var firstEmit time.Time
	var emitted []string
	got, err := DiscoverEach(context.Background(), client, Selection{Org: true, Exclude: []string{"600000000003"}}, func(a Account) {
		if firstEmit.IsZero() {
			firstEmit = time.Now()
		}
		emitted = append(emitted, a.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	pages := emu.CallsTo("organizations", "ListAccounts")
	if len(pages) < 3 {
		t.Fatalf("%d ListAccounts pages, want at least 3 for 45 accounts", len(pages))
	}
	if last := pages[len(pages)-1].Time; !firstEmit.Before(last) {
		t.Errorf("first account handed over at %s, after the last page was requested at %s: discovery did not stream", firstEmit, last)
	}
	if !slices.Equal(emitted, ids(got.Accounts)) || slices.Contains(emitted, "600000000003") || slices.Contains(emitted, "444444444444") {
		t.Errorf("emitted %v\nwant the ACTIVE, non-excluded accounts once each, in order: %v", emitted, ids(got.Accounts))
	}

	emitted = nil
	byOU, err := DiscoverEach(context.Background(), client, Selection{OUs: []string{prod}}, func(a Account) { emitted = append(emitted, a.ID) })
	if err != nil || !slices.Equal(emitted, ids(byOU.Accounts)) || len(emitted) != 2 {
		t.Errorf("by OU: emitted %v, accounts %v, err %v", emitted, ids(byOU.Accounts), err)
	}
}
