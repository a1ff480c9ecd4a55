package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// EventPatternQuota is EventBridge's default "Event pattern size" quota:
// 2,048 characters per pattern, adjustable per account and Region through
// Service Quotas (Amazon EventBridge User Guide, "Amazon EventBridge
// quotas"; the PutRule API's own length limit is 4,096). rootguard keeps
// every pattern it writes within the default, so a deploy never depends on
// a raised quota.
const EventPatternQuota = 2048

// ErrPatternTooLong: a rule's pattern would not fit EventPatternQuota.
var ErrPatternTooLong = errors.New("event pattern too long")

// checkPattern refuses a pattern over EventPatternQuota before anything
// is deployed, rather than failing mid-way in CloudFormation.
func checkPattern(rule, pattern string) error {
	if n := len(pattern); n > EventPatternQuota {
		return fmt.Errorf("%w: rule %s's event pattern is %d characters, over EventBridge's event pattern size quota of %d characters; "+
			"guard fewer or shorter trail names, or use a shorter --prefix", ErrPatternTooLong, rule, n, EventPatternQuota)
	}
	return nil
}

// TestSource is the source of `alert test` events; the function marks them
// as tests (alertevent.TestSource).
const TestSource = "rootguard.test"

// TestDetailType is the detail-type `alert test` puts on the bus.
const TestDetailType = "rootguard test alert"

// rootActivity matches everything the root user does that CloudTrail sends
// to EventBridge: console sign-in and the other sign-in events, and every
// API call. The runbook's pattern matched ConsoleLogin only.
var rootActivity = map[string]any{
	"detail": map[string]any{"userIdentity": map[string]any{"type": []string{"Root"}}},
}

// tamperingCall is an API call that can silence the pipeline, with the
// request parameters naming the resource it acts on. The list mirrors the
// calls the alert function classifies as tampering (alertevent); the
// package's tests check that every one is classified so.
type tamperingCall struct {
	event    string // CloudTrail event source
	names    []string
	prefixed bool // Lambda appends its API version to event names
	param    string
	arnPart  string // what precedes the name in the resource's ARN
}

var tamperingCalls = []tamperingCall{
	{"cloudtrail.amazonaws.com", []string{"DeleteTrail", "StopLogging", "UpdateTrail"}, false, "name", "trail/"},
	{"cloudtrail.amazonaws.com", []string{"PutEventSelectors"}, false, "trailName", "trail/"},
	{"events.amazonaws.com", []string{"DeleteRule", "DisableRule"}, false, "name", "rule/"},
	{"events.amazonaws.com", []string{"RemoveTargets"}, false, "rule", "rule/"},
	{"lambda.amazonaws.com", []string{"DeleteFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration"}, true, "functionName", ":function:"},
	{"ssm.amazonaws.com", []string{"DeleteParameter"}, false, "name", "/"},
	{"ssm.amazonaws.com", []string{"DeleteParameters"}, false, "names", "/"},
}

// guardedMatchers match a resource identifier the way the function's guard
// does: a name starting with prefix, or an ARN (or Lambda's partial ARN)
// whose resource part does; plus the exact names in extra (an existing trail
// rootguard relies on).
func guardedMatchers(prefix, arnPart string, extra []string) []any {
	m := []any{
		map[string]string{"prefix": prefix},
		map[string]string{"wildcard": "*" + arnPart + escapeWildcard(prefix) + "*"},
	}
	for _, name := range extra {
		if strings.HasPrefix(name, prefix) {
			continue
		}
		m = append(m, name, map[string]string{"wildcard": "*" + arnPart + escapeWildcard(name)})
	}
	return m
}

func escapeWildcard(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`).Replace(s)
}

// tamperingPatterns match the calls in tamperingCalls on rootguard's own
// resources, whoever makes them.
func tamperingPatterns(prefix string, guardedTrails []string) []any {
	var out []any
	for _, call := range tamperingCalls {
		var names []any
		for _, n := range call.names {
			if call.prefixed {
				names = append(names, map[string]string{"prefix": n})
			} else {
				names = append(names, n)
			}
		}
		var extra []string
		if call.arnPart == "trail/" {
			extra = guardedTrails
		}
		out = append(out, map[string]any{
			"detail": map[string]any{
				"eventSource":       []string{call.event},
				"eventName":         names,
				"requestParameters": map[string]any{call.param: guardedMatchers(prefix, call.arnPart, extra)},
			},
		})
	}
	return out
}

// HubPattern is the event pattern of the rule in HomeRegion: root activity,
// tampering with the pipeline (including guardedTrails, trails rootguard did
// not create but relies on), and `alert test` events.
func HubPattern(prefix string, guardedTrails []string) string {
	alternatives := append([]any{
		rootActivity,
		map[string]any{"source": []string{TestSource}},
	}, tamperingPatterns(prefix, guardedTrails)...)
	return mustJSON(map[string]any{"$or": alternatives})
}

// ForwardPattern is the pattern of the rules in other regions: root activity
// only, since the pipeline's resources all live in HomeRegion.
func ForwardPattern() string { return mustJSON(rootActivity) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps, slices and strings built above
	}
	return string(b)
}
