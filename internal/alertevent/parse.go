package alertevent

import (
	"regexp"
	"strings"
	"time"

	"github.com/rootguard/rootguard/internal/digest"
)

// TestSource is the EventBridge source of rootguard's synthetic test event.
const TestSource = "rootguard.test"

// The scheduled auditor's digest event: an EventBridge-shaped message it
// sends to the alert queue, whose detail is a digest.Digest.
const (
	PostureSource     = "rootguard.posture"
	PostureDetailType = "rootguard Posture Digest"
)

// Parse reads one EventBridge event. It never fails: what cannot be
// understood becomes a KindUnrecognised Event saying what was missing.
func Parse(raw []byte, cfg Config) Event {
	env, ok := readObject(raw)
	if !ok {
		return unrecognised(Event{}, raw, SeverityHigh, "not a JSON object")
	}
	ev := Event{
		ID:         env.str("id"),
		DetailType: env.str("detail-type"),
		Source:     env.str("source"),
		Account:    env.str("account"),
		Region:     env.str("region"),
	}
	ev.Time, ev.RawTime = readTime(env.str("time"))
	detail := env.obj("detail")

	if ev.Source == TestSource {
		ev.Kind, ev.Severity = KindTest, SeverityInfo
		ev.Title, ev.Group = "Test alert from rootguard", "test alerts"
		ev.Message = detail.str("message")
		ev.AccountAlias = cfg.AccountAliases[ev.Account]
		return ev
	}
	if ev.Source == PostureSource {
		d, err := digest.Parse(env["detail"])
		if err != nil {
			return unrecognised(ev, raw, SeverityHigh, err.Error())
		}
		ev.Kind, ev.Digest, ev.Severity = KindPostureDigest, d, DigestSeverity(d)
		ev.Title, ev.Group = "Root posture digest", "posture digests"
		return ev
	}
	if detail == nil {
		return unrecognised(ev, raw, SeverityHigh, "no CloudTrail detail object")
	}
	readRecord(&ev, detail)
	ev.AccountAlias = cfg.AccountAliases[ev.Account]

	if ev.EventName == "" {
		return unrecognised(ev, raw, SeverityHigh, "no eventName in detail")
	}
	if classifyTampering(&ev, detail, cfg) {
		return ev
	}
	if ev.EventName == "AssumeRoot" && ev.EventSource == "sts.amazonaws.com" {
		classifyAssumeRoot(&ev, detail)
		return ev
	}
	if ev.Identity.Type != "Root" {
		return unrecognised(ev, raw, SeverityMedium, "not made as root and not aimed at rootguard's resources")
	}
	switch ev.EventName {
	case "ConsoleLogin":
		classifyConsoleLogin(&ev, detail)
		return ev
	case "PasswordRecoveryRequested", "PasswordRecoveryCompleted", "PasswordUpdated", "EmailUpdated":
		classifyRootSignIn(&ev, detail)
		return ev
	}
	if ev.DetailType == "AWS API Call via CloudTrail" || detail.str("eventType") == "AwsApiCall" {
		classifyRootAPICall(&ev, detail)
		return ev
	}
	return unrecognised(ev, raw, SeverityMedium, "root event of an unknown type")
}

// readRecord copies the CloudTrail record's fields into ev, preferring them
// over the envelope's.
func readRecord(ev *Event, d object) {
	ev.EventID = d.str("eventID")
	ev.EventName = d.str("eventName")
	ev.EventSource = d.str("eventSource")
	ev.SourceIP = d.str("sourceIPAddress")
	ev.UserAgent = d.str("userAgent")
	ev.ErrorCode = d.str("errorCode")
	ev.ErrorMessage = d.str("errorMessage")
	id := d.obj("userIdentity")
	ev.Identity = Identity{
		Type:        id.str("type"),
		ARN:         id.str("arn"),
		AccountID:   id.str("accountId"),
		PrincipalID: id.str("principalId"),
		UserName:    id.str("userName"),
	}
	if sc := id.obj("sessionContext"); ev.Identity.Type == "Root" && sc.str("assumedRoot") == "true" {
		ev.Identity.Session = &RootSession{
			AccessKeyID:    id.str("accessKeyId"),
			SourceIdentity: sc.str("sourceIdentity"),
			Created:        sc.obj("attributes").str("creationDate"),
		}
	}
	for _, acct := range []string{d.str("recipientAccountId"), ev.Identity.AccountID} {
		if acct != "" {
			ev.Account = acct
			break
		}
	}
	if r := d.str("awsRegion"); r != "" {
		ev.Region = r
	}
	if t, rawT := readTime(d.str("eventTime")); !t.IsZero() || rawT != "" {
		ev.Time, ev.RawTime = t, rawT
	}
}

func readTime(s string) (time.Time, string) {
	if s == "" {
		return time.Time{}, ""
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, s
	}
	return t.UTC(), ""
}

func unrecognised(ev Event, raw []byte, sev Severity, problem string) Event {
	ev.Kind, ev.Severity = KindUnrecognised, sev
	ev.Title, ev.Group = "Unrecognised event", "unrecognised events"
	if ev.EventName != "" {
		ev.Title = "Unrecognised event: " + ev.EventName
	} else if ev.DetailType != "" {
		ev.Title = "Unrecognised event: " + ev.DetailType
	}
	ev.Problems = append(ev.Problems, problem)
	ev.Excerpt = excerpt(raw)
	return ev
}

func classifyConsoleLogin(ev *Event, d object) {
	ev.Kind = KindConsoleLogin
	ev.MFAUsed = d.obj("additionalEventData").str("MFAUsed")
	ev.Result = d.obj("responseElements").str("ConsoleLogin")
	if ev.Result == "" && (ev.ErrorMessage != "" || ev.ErrorCode != "") {
		ev.Result = "Failure"
	}
	switch {
	case ev.Result != "Success":
		ev.Severity, ev.Title, ev.Group = SeverityHigh, "Failed root sign-in", "failed root sign-ins"
	case ev.MFAUsed == "Yes":
		ev.Severity, ev.Title, ev.Group = SeverityMedium, "Root signed in with MFA", "root sign-ins with MFA"
	case ev.MFAUsed == "No":
		ev.Severity, ev.Title, ev.Group = SeverityCritical, "Root signed in without MFA", "root sign-ins without MFA"
	default:
		ev.Severity, ev.Title, ev.Group = SeverityCritical, "Root signed in (MFA use not recorded)", "root sign-ins, MFA use not recorded"
	}
}

var rootSignIn = map[string]struct {
	sev          Severity
	title, group string
}{
	"PasswordRecoveryRequested": {SeverityHigh, "Root password recovery requested", "root password recovery requests"},
	"PasswordRecoveryCompleted": {SeverityCritical, "Root password reset through recovery", "root password recoveries"},
	"PasswordUpdated":           {SeverityCritical, "Root password changed", "root password changes"},
	"EmailUpdated":              {SeverityCritical, "Root e-mail address changed", "root e-mail changes"},
}

func classifyRootSignIn(ev *Event, d object) {
	c := rootSignIn[ev.EventName]
	ev.Kind, ev.Severity, ev.Title, ev.Group = KindRootSignIn, c.sev, c.title, c.group
	ev.Result = d.obj("responseElements").str(ev.EventName)
	if ev.Result == "" && (ev.ErrorMessage != "" || ev.ErrorCode != "") {
		ev.Result = "Failure"
	}
	if ev.Result != "" && ev.Result != "Success" {
		ev.Title = "Failed: " + ev.Title
		ev.Severity = SeverityHigh
	}
}

func classifyRootAPICall(ev *Event, d object) {
	ev.Kind = KindRootAPICall
	ev.Result = apiResult(ev)
	req := d.obj("requestParameters")
	user := req.str("userName")
	switch ev.EventName {
	case "CreateAccessKey":
		if user == "" {
			ev.Severity, ev.Title, ev.Group = SeverityCritical, "Root access key created", "root access keys created"
		} else {
			ev.Severity, ev.Title, ev.Group = SeverityHigh, "Access key created by root for IAM user", "access keys created by root"
			ev.Target = user
		}
	case "DeactivateMFADevice", "DeleteVirtualMFADevice":
		ev.Target = req.str("serialNumber")
		if user == "" {
			ev.Severity, ev.Title, ev.Group = SeverityCritical, "MFA was deactivated", "MFA deactivations"
		} else {
			ev.Severity, ev.Title, ev.Group = SeverityHigh, "MFA was deactivated for IAM user", "MFA deactivations"
			ev.Target = strings.TrimSpace(user + " " + ev.Target)
		}
	case "CreateLoginProfile":
		ev.Severity, ev.Title, ev.Group = SeverityHigh, "Console password created by root", "console passwords created by root"
		ev.Target = user
	default:
		ev.Severity, ev.Title, ev.Group = SeverityMedium, "Root called "+ev.EventName, "root API calls"
	}
	if ev.Result == "Failure" {
		ev.Title = "Failed: " + ev.Title
	}
}

// classifyAssumeRoot reads an sts:AssumeRoot call (IAM User Guide, "Track
// privileged tasks in AWS CloudTrail"): requestParameters.targetPrincipal
// and taskPolicyArn.arn, responseElements.credentials.accessKeyId — the key
// every call of the session carries in the member account.
func classifyAssumeRoot(ev *Event, d object) {
	ev.Kind, ev.Group = KindRootSessionOpened, "root sessions opened"
	ev.Result = apiResult(ev)
	req := d.obj("requestParameters")
	ev.Target = req.str("targetPrincipal")
	ev.TaskPolicy = req.obj("taskPolicyArn").str("arn")
	if i := strings.LastIndexByte(ev.TaskPolicy, '/'); i >= 0 {
		ev.TaskPolicy = ev.TaskPolicy[i+1:]
	}
	ev.SessionKey = d.obj("responseElements").obj("credentials").str("accessKeyId")
	ev.Severity, ev.Title = SeverityHigh, "Root session opened in a member account"
	if ev.Result == "Failure" {
		ev.Severity, ev.Title = SeverityMedium, "Failed: root session refused"
	}
}

func apiResult(ev *Event) string {
	if ev.ErrorCode != "" || ev.ErrorMessage != "" {
		return "Failure"
	}
	return "Success"
}

// pipelineCall describes an API call that can silence rootguard's alerts.
type pipelineCall struct {
	what  string   // what the call does, for the title
	param []string // requestParameters fields naming the resource
}

// pipelineCalls, by event source and API name (Lambda's version suffix
// removed), are the calls that stop, blind or replace the alert pipeline.
var pipelineCalls = map[string]map[string]pipelineCall{
	"cloudtrail.amazonaws.com": {
		"StopLogging":       {"CloudTrail logging stopped", []string{"name"}},
		"DeleteTrail":       {"CloudTrail trail deleted", []string{"name"}},
		"UpdateTrail":       {"CloudTrail trail changed", []string{"name"}},
		"PutEventSelectors": {"CloudTrail event selectors changed", []string{"trailName"}},
	},
	"events.amazonaws.com": {
		"DisableRule":   {"EventBridge rule disabled", []string{"name"}},
		"DeleteRule":    {"EventBridge rule deleted", []string{"name"}},
		"RemoveTargets": {"EventBridge rule targets removed", []string{"rule"}},
	},
	"lambda.amazonaws.com": {
		"DeleteFunction":              {"Alert function deleted", []string{"functionName"}},
		"UpdateFunctionCode":          {"Alert function code replaced", []string{"functionName"}},
		"UpdateFunctionConfiguration": {"Alert function configuration changed", []string{"functionName"}},
	},
	"ssm.amazonaws.com": {
		"DeleteParameter":  {"Webhook parameter deleted", []string{"name"}},
		"DeleteParameters": {"Webhook parameter deleted", []string{"names"}},
	},
}

// lambdaVersionSuffix is the API version Lambda appends to CloudTrail event
// names: DeleteFunction20150331, UpdateFunctionCode20150331v2.
var lambdaVersionSuffix = regexp.MustCompile(`20\d{6}(v\d+)?$`)

func classifyTampering(ev *Event, d object, cfg Config) bool {
	name := ev.EventName
	if ev.EventSource == "lambda.amazonaws.com" {
		name = lambdaVersionSuffix.ReplaceAllString(name, "")
	}
	call, ok := pipelineCalls[ev.EventSource][name]
	if !ok {
		return false
	}
	req := d.obj("requestParameters")
	var ids []string
	for _, p := range call.param {
		if v := req.str(p); v != "" {
			ids = append(ids, v)
		}
		ids = append(ids, req.strs(p)...)
	}
	for _, id := range ids {
		if cfg.guards(id) {
			ev.Kind, ev.Severity = KindTampering, SeverityCritical
			ev.Title, ev.Group = "Alert pipeline tampering: "+call.what, "alert pipeline changes"
			ev.Target = id
			ev.Result = apiResult(ev)
			if ev.Result == "Failure" {
				ev.Severity, ev.Title = SeverityHigh, "Attempted alert pipeline tampering: "+call.what
			}
			return true
		}
	}
	return false
}

// DigestSeverity ranks a posture digest: a new FAIL of a critical check is
// critical; any other new FAIL, a new ERROR or a joined account is high
// (unknown is never fine); an account leaving or suspended is medium; only
// fixes, a heartbeat or a baseline are info.
func DigestSeverity(d *digest.Digest) Severity {
	sev := SeverityInfo
	for _, c := range d.Changes {
		s := SeverityInfo
		switch c.Kind {
		case digest.NewFail:
			s = SeverityHigh
			if c.Severity == "critical" {
				s = SeverityCritical
			}
		case digest.NewError, digest.Joined:
			s = SeverityHigh
		case digest.Left, digest.Suspended:
			s = SeverityMedium
		}
		sev = max(sev, s)
	}
	// Changes trimmed away still count, at the level their kind has at least.
	for k, n := range d.Omitted {
		switch {
		case n == 0:
		case k == digest.NewFail || k == digest.NewError || k == digest.Joined:
			sev = max(sev, SeverityHigh)
		case k == digest.Left || k == digest.Suspended:
			sev = max(sev, SeverityMedium)
		}
	}
	return sev
}
