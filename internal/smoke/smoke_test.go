//go:build smoke

package smoke

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/stack"
)

func realAWS(t *testing.T) aws.Config {
	t.Helper()
	if os.Getenv("ROOTGUARD_SMOKE") != "1" {
		t.Skip("set ROOTGUARD_SMOKE=1 to run against real AWS")
	}
	if os.Getenv("AWS_ENDPOINT_URL") != "" {
		t.Fatal("AWS_ENDPOINT_URL is set: the smoke tests are for real AWS")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := awsconfig.Load(ctx, awsconfig.Options{Profile: os.Getenv("AWS_PROFILE"), Region: os.Getenv("AWS_REGION")})
	if err != nil {
		t.Fatal(err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("running as %s in %s", aws.ToString(id.Arn), cfg.Region)
	return cfg
}

// TestAuditOwnAccount: every check is decided on real AWS's answers (the
// credential report, GetAccountSummary, ListMFADevices, EventBridge,
// CloudTrail, Organizations), none ERROR with the documented permissions,
// and the JSON document is well formed.
func TestAuditOwnAccount(t *testing.T) {
	cfg := realAWS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := audit.Account(ctx, cfg, audit.Options{})
	if res.Error != "" {
		t.Fatalf("the account could not be audited: %s", res.Error)
	}
	var got []audit.CheckID
	for _, c := range res.Checks {
		got = append(got, c.ID)
		t.Logf("%-30s %-5s %s", c.ID, c.Status, c.Detail)
		if c.Status == audit.Error {
			t.Errorf("%s: ERROR (%s) — with docs/permissions/audit.json granted, every check must be decided", c.ID, c.Detail)
		}
		if c.Status == audit.Fail && c.Remediation == "" {
			t.Errorf("%s: FAIL without a remediation", c.ID)
		}
	}
	for _, id := range audit.CheckIDs() {
		if !slices.Contains(got, id) {
			t.Errorf("check %s is missing from the result", id)
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatalf("the result does not encode: %v", err)
	}
}

// TestTemplatesValidate: CloudFormation itself accepts every template
// rootguard deploys, and asks for no capability deploy does not pass.
func TestTemplatesValidate(t *testing.T) {
	cfg := realAWS(t)
	client := cloudformation.NewFromConfig(cfg)
	hub := func(o stack.HubOptions) func() (*stack.Template, error) {
		return func() (*stack.Template, error) { return stack.Hub(o) }
	}
	for _, tc := range []struct {
		name  string
		build func() (*stack.Template, error)
	}{
		{"hub", hub(stack.HubOptions{})},
		{"hub with trail, forwarders and e-mail", hub(stack.HubOptions{CreateTrail: true, ForwardRegions: []string{"eu-west-1"}, Email: "alerts@example.com", AllManagementEvents: true})},
		{"organization hub", hub(stack.HubOptions{OrgID: "o-exampleorg1"})},
		{"forwarder", func() (*stack.Template, error) { return stack.Forwarder("", "eu-west-1", false) }},
		{"forwarder of all management events", func() (*stack.Template, error) { return stack.Forwarder("", "eu-west-1", true) }},
		{"spoke", func() (*stack.Template, error) {
			return stack.Spoke(stack.HubOptions{AllManagementEvents: true}, "111122223333")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			body, err := tmpl.JSON()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := client.ValidateTemplate(ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(string(body))})
			if err != nil {
				t.Fatalf("CloudFormation rejects the template: %v", err)
			}
			for _, c := range out.Capabilities {
				if c != "CAPABILITY_NAMED_IAM" && c != "CAPABILITY_IAM" {
					t.Errorf("the template needs %s, which deploy does not pass (%s)", c, aws.ToString(out.CapabilitiesReason))
				}
			}
			if strings.Contains(string(body), "hooks.slack.com") {
				t.Error("a template carries a webhook URL")
			}
		})
	}
}
