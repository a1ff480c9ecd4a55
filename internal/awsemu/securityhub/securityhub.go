// Package securityhub models AWS Security Hub (CSPM) per account and
// Region for awsemu, as far as a finding provider and its reader need it:
// EnableSecurityHub, DescribeHub and DisableSecurityHub, BatchImportFindings
// into the account's default product, and GetFindings with the string
// filters on the finding's identity and state. It speaks REST-JSON, so
// aws-sdk-go-v2's securityhub client works against it unmodified.
//
// What it follows, from AWS's documentation:
//
//   - Who may import: for the default product
//     (arn:<partition>:securityhub:<region>:<account>:product/<account>/default)
//     the caller's account must be the finding's AwsAccountId (API Reference,
//     BatchImportFindings:
//     https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html).
//     A finding naming another account or another account's product fails
//     the whole call with AccessDeniedException "… is not authorized to
//     perform: securityhub:BatchImportFindings on resource: <ProductArn>",
//     as AWS Support confirmed to Prowler
//     (https://github.com/prowler-cloud/prowler/issues/867).
//   - An account without Security Hub: each finding comes back in
//     FailedFindings with the error InvalidAccess (User Guide,
//     "BatchImportFindings for finding providers":
//     https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html);
//     the other operations answer InvalidAccessException (401) "Account <id>
//     is not subscribed to AWS Security Hub".
//   - Batch size: at most 100 findings per request (same page).
//   - Create or update: a finding is found by Id and ProductArn; an update
//     whose UpdatedAt is not later than the stored one is ignored (same
//     page). An update cannot change Note, UserDefinedFields,
//     VerificationState or Workflow (API Reference, BatchImportFindings):
//     those stay as they were. CreatedAt and FirstObservedAt stay those of
//     the finding's creation — when the issue was first seen (User Guide,
//     "Required top-level ASFF attributes": CreatedAt "indicates when the
//     potential security issue … was created"); the docs do not say an
//     update moves them, and this model never does.
//   - Workflow (User Guide, "Setting the workflow status of findings":
//     https://docs.aws.amazon.com/securityhub/latest/userguide/findings-workflow-status.html):
//     NEW when created without one; NOTIFIED or RESOLVED go back to NEW when
//     RecordState changes from ARCHIVED to ACTIVE or Compliance.Status from
//     PASSED to FAILED, WARNING or NOT_AVAILABLE; SUPPRESSED stays. The
//     automatic RESOLVED on PASSED is for Security Hub's own control
//     findings only, never for an imported one: a provider resolves its
//     finding by archiving it (RecordState ARCHIVED).
//   - An invalid finding: FailedFindings with ErrorCode InvalidInput and
//     "Finding does not adhere to Amazon Finding Format. data should have
//     required property 'X'." (the message AWS answers, as reported in
//     https://github.com/aws-samples/aws-securityhub-config-integration/issues/3).
package securityhub

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// MaxBatch is the most findings one BatchImportFindings call takes.
const MaxBatch = 100

// Hub is Security Hub in every account and Region of one emulator.
type Hub struct {
	mu   sync.Mutex
	now  func() time.Time
	hubs map[emu.Scope]*hub
}

type hub struct {
	enabled      bool
	subscribedAt time.Time
	findings     map[findingKey]*finding
	order        []findingKey // creation order, for stable pages
}

type findingKey struct{ productARN, id string }

// finding is a stored finding: its attributes as imported (and as
// GetFindings returns them), with the ones the model reads decoded.
type finding struct {
	attrs map[string]json.RawMessage
	state findingState
}

// Register answers Security Hub's operations on host and returns the model.
func Register(host emu.Host) *Hub {
	h := &Hub{now: host.Now, hubs: map[emu.Scope]*hub{}}
	for pattern, handler := range map[string]func(*emu.Call) error{
		"POST /accounts":        h.enable,
		"GET /accounts":         h.describe,
		"DELETE /accounts":      h.disable,
		"POST /findings/import": h.batchImport,
		"POST /findings":        h.getFindings,
	} {
		host.HandleREST("securityhub", pattern, func(c *emu.Call) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			return handler(c)
		})
	}
	return h
}

func (h *Hub) hubOf(s emu.Scope) *hub {
	hb := h.hubs[s]
	if hb == nil {
		hb = &hub{findings: map[findingKey]*finding{}}
		h.hubs[s] = hb
	}
	return hb
}

func (hb *hub) enable(at time.Time) {
	hb.enabled, hb.subscribedAt = true, at.UTC()
}

func notSubscribed(account string) error {
	return emu.NewError(http.StatusUnauthorized, "InvalidAccessException", "Account %s is not subscribed to AWS Security Hub", account)
}

func invalidInput(format string, args ...any) error {
	return emu.BadRequest("InvalidInputException", format, args...)
}

// enabledHub is the caller's hub, or InvalidAccessException.
func (h *Hub) enabledHub(c *emu.Call) (*hub, error) {
	hb := h.hubs[c.Scope()]
	if hb == nil || !hb.enabled {
		return nil, notSubscribed(c.Caller.Account)
	}
	return hb, nil
}

// partition is the partition of a Region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	}
	return "aws"
}

func hubARN(s emu.Scope) string {
	return "arn:" + partition(s.Region) + ":securityhub:" + s.Region + ":" + s.Account + ":hub/default"
}

// DefaultProductARN is the account's own product in region, the one a
// custom integration imports into.
func DefaultProductARN(account, region string) string {
	return "arn:" + partition(region) + ":securityhub:" + region + ":" + account + ":product/" + account + "/default"
}

// enable answers EnableSecurityHub; an account already subscribed is
// ResourceConflictException.
func (h *Hub) enable(c *emu.Call) error {
	var in struct {
		EnableDefaultStandards  *bool
		ControlFindingGenerator string
		Tags                    map[string]string
	}
	if err := c.DecodeJSON(&in); err != nil {
		return err
	}
	hb := h.hubOf(c.Scope())
	if hb.enabled {
		return emu.NewError(http.StatusConflict, "ResourceConflictException", "Account is already subscribed to Security Hub")
	}
	hb.enable(h.now())
	return c.Result(struct{}{})
}

func (h *Hub) describe(c *emu.Call) error {
	hb, err := h.enabledHub(c)
	if err != nil {
		return err
	}
	arn := hubARN(c.Scope())
	if want := c.Request.URL.Query().Get("HubArn"); want != "" && want != arn {
		return invalidInput("Invalid HubArn %s", want)
	}
	return c.Result(struct {
		HubArn                  string
		SubscribedAt            string
		AutoEnableControls      bool
		ControlFindingGenerator string
	}{arn, hb.subscribedAt.Format(time.RFC3339Nano), true, "SECURITY_CONTROL"})
}

// disable answers DisableSecurityHub. The findings stay in the model, out
// of reach until Security Hub is enabled again.
func (h *Hub) disable(c *emu.Call) error {
	hb, err := h.enabledHub(c)
	if err != nil {
		return err
	}
	hb.enabled = false
	return c.Result(struct{}{})
}
