package stack

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rootguard/rootguard/internal/account"
)

func TestPostureTemplatesMatchGolden(t *testing.T) {
	for golden, o := range map[string]PostureOptions{
		"posture-default.json": {},
		"posture-full.json": {Prefix: "rgp", Schedule: "cron(0 6 ? * MON-FRI *)", Timezone: "Europe/Paris", Heartbeat: true,
			RoleName: "AuditRole", SecurityHub: true, Architecture: "x86_64", MemoryMB: 1024},
	} {
		tmpl, err := Posture(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.JSON()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", golden)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/stack -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("template differs from %s; run go test ./internal/stack -update and review the diff", path)
		}
	}
}

func TestPostureOptionsRefuseBadValues(t *testing.T) {
	for _, o := range []PostureOptions{
		{Schedule: "daily"}, {Schedule: "rate(0 days)"}, {Schedule: "cron(0 6 * * * *)"}, {Schedule: "at(2027-01-01T00:00:00)"},
		{Timezone: "Mars/Olympus"}, {Timezone: "Local"}, {RoleName: "a role"}, {RoleName: strings.Repeat("r", 65)},
		{MemoryMB: 64}, {MemoryMB: 20000}, {Prefix: "UPPER"}, {Architecture: "mips"},
	} {
		if _, err := Posture(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestGoMemLimitFollowsTheFunctionsMemory(t *testing.T) {
	// 400MiB at 512 MB is the setting BENCHMARKS.md measured under 512 MB.
	for mb, want := range map[int]string{512: "400MiB", 128: "100MiB", 1024: "800MiB", 10240: "8000MiB"} {
		if got := GoMemLimit(mb); got != want {
			t.Errorf("GoMemLimit(%d) = %s, want %s", mb, got, want)
		}
	}
	tmpl, err := Posture(PostureOptions{MemoryMB: 1024})
	if err != nil {
		t.Fatal(err)
	}
	props := tmpl.Resources[LogicalPostureFunction].Properties.(map[string]any)
	env := props["Environment"].(map[string]any)["Variables"].(map[string]any)
	if props["MemorySize"] != 1024 || env[EnvGoMemLimit] != "800MiB" {
		t.Errorf("memory %v, GOMEMLIMIT %v", props["MemorySize"], env[EnvGoMemLimit])
	}
}

// The auditor's role allows what `posture run` is documented to need
// (audit.json, audit-org.json, posture.json), nothing more but for writing
// its own logs; its scheduler role invokes this function only.
func TestPostureRolesAreLeastPrivilege(t *testing.T) {
	tmpl, err := Posture(PostureOptions{Partition: account.AWSUSGov})
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, f := range []string{"audit.json", "audit-org.json", "posture.json"} {
		documented = append(documented, docActions(t, f)...)
	}
	documented = slices.DeleteFunc(documented, func(a string) bool { return a == "sqs:GetQueueUrl" }) // the function is given the URL
	documented = append(documented, "logs:CreateLogStream", "logs:PutLogEvents")
	got := roleActions(t, tmpl, LogicalPostureRole)
	slices.Sort(documented)
	documented = slices.Compact(documented)
	if !slices.Equal(got, documented) {
		t.Errorf("auditor role allows\n%v\nthe documents say\n%v", got, documented)
	}
	if got := roleActions(t, tmpl, LogicalSchedulerRole); !slices.Equal(got, []string{"lambda:InvokeFunction", "sqs:SendMessage"}) {
		t.Errorf("scheduler role allows %v", got)
	}
	body, _ := tmpl.JSON()
	for _, want := range []string{`"Service": "scheduler.amazonaws.com"`, `"aws:SourceAccount"`, `"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/root-task/IAMAuditRootUserCredentials"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("template lacks %s", want)
		}
	}
	if strings.Contains(string(body), "arn:aws:") || strings.Contains(string(body), "posture-import") {
		t.Error("the template names the aws partition, or grants the import role without --security-hub")
	}
	hub, _ := Posture(PostureOptions{SecurityHub: true})
	withHub := append(slices.Clone(documented), docActions(t, "posture-securityhub.json")...)
	slices.Sort(withHub)
	if got := roleActions(t, hub, LogicalPostureRole); !slices.Equal(got, slices.Compact(withHub)) {
		t.Errorf("with --security-hub the auditor role allows\n%v\nthe documents say\n%v", got, slices.Compact(withHub))
	}
	if body, _ := hub.JSON(); !strings.Contains(string(body), `"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/rootguard-posture-import"`) || !strings.Contains(string(body), `"ROOTGUARD_SECURITY_HUB": "1"`) {
		t.Error("--security-hub does not let the auditor assume the import role, or does not tell it to import")
	}
}

func docActions(t *testing.T, file string) []string {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "..", "docs", "permissions", file))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Action any `json:"Action"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range doc.Statement {
		switch a := s.Action.(type) {
		case string:
			out = append(out, a)
		case []any:
			for _, x := range a {
				out = append(out, x.(string))
			}
		}
	}
	return out
}

func roleActions(t *testing.T, tmpl *Template, logical string) []string {
	t.Helper()
	props := tmpl.Resources[logical].Properties.(map[string]any)
	var out []string
	for _, p := range props["Policies"].([]any) {
		for _, s := range p.(map[string]any)["PolicyDocument"].(PolicyDocument).Statement {
			out = append(out, s.Action...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
