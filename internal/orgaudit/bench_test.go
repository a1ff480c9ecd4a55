package orgaudit

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/rootguard/rootguard/internal/audit"
	"github.com/rootguard/rootguard/internal/awsconfig"
	"github.com/rootguard/rootguard/internal/awsemu"
	"github.com/rootguard/rootguard/internal/orgscan"
)

// benchLatency is injected on every call, as the issue asks.
const benchLatency = 50 * time.Millisecond

// benchOrg builds an organization with centralized root access and n
// members in the three states of org(), with latency on every call and,
// when throttle is set, throttling on IAM (2 %) and STS (1 %).
func benchOrg(b *testing.B, n int, throttle bool) (*awsemu.Server, aws.Config) {
	b.Helper()
	emu, err := awsemu.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(emu.Close)
	o := emu.NewCentralizedRootOrg("100000000000")
	o.AddMembers(n, func(i int, a *awsemu.Account) {
		if i%3 == 0 {
			a.Root().SetPassword(now.AddDate(-1, 0, 0), now.AddDate(0, -6, 0))
			a.Root().AddAccessKey(awsemu.AccessKey{LastUsed: now.AddDate(0, 0, -2), LastUsedService: "s3"})
		}
	})
	creds := o.Admin("auditor")
	emu.InjectFault(awsemu.Fault{Latency: benchLatency})
	if throttle {
		emu.InjectFault(awsemu.Fault{Service: "iam", ThrottleRate: 0.02})
		emu.InjectFault(awsemu.Fault{Service: "sts", ThrottleRate: 0.01})
	}
	cfg := emu.Config(creds)
	cfg.Retryer = awsconfig.NewRetryer
	cfg.HTTPClient = awsconfig.NewHTTPClient()
	return emu, cfg
}

// BenchmarkOrgAudit is `rootguard audit --org` on the local AWS. It reports
// the wall time, the ideal the concurrency bound and the call chains allow,
// and the API calls per member account. Run it with -benchtime 1x: one run
// of 1,000 accounts is the measurement.
func BenchmarkOrgAudit(b *testing.B) {
	for _, tc := range []struct {
		accounts, concurrency int
		throttle              bool
	}{
		{100, orgscan.DefaultConcurrency, true},
		{300, orgscan.DefaultConcurrency, true},
		{1000, orgscan.DefaultConcurrency, false},
		{1000, orgscan.DefaultConcurrency, true},
		{1000, 1, true},
	} {
		name := fmt.Sprintf("accounts=%d/concurrency=%d/throttle=%v", tc.accounts, tc.concurrency, tc.throttle)
		b.Run(name, func(b *testing.B) {
			emu, cfg := benchOrg(b, tc.accounts, tc.throttle)
			for b.Loop() {
				emu.ResetCalls()
				start := time.Now()
				res, err := Run(context.Background(), cfg, Options{
					Selection:   orgscan.Selection{Org: true},
					Concurrency: tc.concurrency,
					Audit:       audit.Options{Now: func() time.Time { return now }},
				})
				wall := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				errorsSeen := 0
				for _, r := range res.Rows {
					if r.Result.Error != "" || anyError(r.Result) {
						errorsSeen++
					}
				}
				if errorsSeen > 0 {
					b.Fatalf("%d accounts ended in ERROR: throttling must be absorbed by the retryer", errorsSeen)
				}
				calls := emu.Calls()
				perMember := map[string]int{}
				chain := map[string]int{} // dependent calls per member
				discovery := 0
				reportCalls, reportGenerations := 0, 0 // the management account's credential report
				for _, c := range calls {
					if c.Account == "100000000000" && c.Service == "iam" {
						switch c.Action {
						case "GetCredentialReport":
							reportCalls++
						case "GenerateCredentialReport":
							reportCalls++
							reportGenerations++
						}
					}
					switch {
					case c.Service == "sts" && c.Action == "AssumeRoot":
						perMember[c.Params["TargetPrincipal"]]++
						chain[c.Params["TargetPrincipal"]] = max(chain[c.Params["TargetPrincipal"]], 2) // AssumeRoot → ListAccessKeys
					case c.Account != "100000000000":
						perMember[c.Account]++
						if c.Action == "GetAccessKeyLastUsed" {
							chain[c.Account] = 3 // … → GetAccessKeyLastUsed
						}
					case c.Service == "organizations" || c.Action == "GetCallerIdentity" || c.Action == "ListOrganizationsFeatures":
						discovery++
					}
				}
				memberCalls, chainCalls := 0, 0
				for acct, n := range perMember {
					memberCalls += n
					chainCalls += chain[acct]
				}
				// Ideal: identity and features at once (1 call), then
				// DescribeOrganization and the ListAccounts pages one after
				// another; members start as soon as the first page is in,
				// so the run lasts the longer of the discovery chain and
				// the first page plus the members' dependent chains (2
				// calls, or 3 for a root key's last use) packed perfectly
				// onto `concurrency` workers. Throttling retries are not
				// in the ideal.
				//
				// Beside them runs the management account's own audit, whose
				// longest chain is its credential report: after
				// GetCallerIdentity, GetCredentialReport (none yet) →
				// GenerateCredentialReport (STARTED) → the audit's first poll
				// 500 ms later → GenerateCredentialReport (COMPLETE) →
				// GetCredentialReport. Its calls are counted from the call
				// log; each poll after the first waits twice as long (the
				// audit's backoff). At 100 accounts this chain is the longest.
				pages := int(math.Ceil(float64(tc.accounts+1) / 20))
				discoveryChain := 2 + pages
				packed := 3 + math.Ceil(float64(chainCalls)/float64(tc.concurrency))
				reportWait := time.Duration(0)
				for i, d := 1, 500*time.Millisecond; i < reportGenerations; i, d = i+1, d*2 {
					reportWait += d
				}
				reportChain := time.Duration(1+reportCalls)*benchLatency + reportWait
				ideal := max(time.Duration(max(float64(discoveryChain), packed))*benchLatency, reportChain)
				b.ReportMetric(wall.Seconds(), "wall_s")
				b.ReportMetric(ideal.Seconds(), "ideal_s")
				b.ReportMetric(100*ideal.Seconds()/wall.Seconds(), "%_of_ideal")
				b.ReportMetric(float64(memberCalls)/float64(len(perMember)), "calls/member")
				b.ReportMetric(float64(discovery), "discovery_calls")
				b.ReportMetric(reportChain.Seconds(), "mgmt_report_chain_s")
			}
		})
	}
}
