// Package alertevent reads the events rootguard's alert function receives —
// an EventBridge envelope around a CloudTrail record, or rootguard's own test
// event — into a typed Event, and decides what happened and how bad it is.
//
// Parsing never fails: an event that cannot be understood becomes a
// KindUnrecognised Event carrying whatever could be read and a short excerpt
// of the raw input, so nothing is dropped silently.
package alertevent

import (
	"time"

	"github.com/rootguard/rootguard/internal/digest"
)

// Kind is what an event is about.
type Kind int

const (
	// KindUnrecognised is anything rootguard does not know, including input
	// that is not JSON at all. Problems says what was missing.
	KindUnrecognised Kind = iota
	// KindConsoleLogin is a root ConsoleLogin, successful or not.
	KindConsoleLogin
	// KindRootSignIn is another root sign-in event: password recovery,
	// password or e-mail change.
	KindRootSignIn
	// KindRootAPICall is an "AWS API Call via CloudTrail" made as root.
	KindRootAPICall
	// KindTampering is a call, by anyone, that disables or changes rootguard's
	// own alert pipeline.
	KindTampering
	// KindTest is rootguard's synthetic test event (source rootguard.test).
	KindTest
	// KindPostureDigest is the scheduled auditor's digest of a run (source
	// rootguard.posture): Digest says what drifted.
	KindPostureDigest
	// KindRootSessionOpened is an sts:AssumeRoot call: someone opened a
	// root session in a member account. Identity is who; Target the member
	// and TaskPolicy the task it is scoped to.
	KindRootSessionOpened
)

var kindNames = [...]string{"unrecognised", "console-login", "root-sign-in", "root-api-call", "tampering", "test", "posture-digest", "root-session-opened"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Severity ranks events; a higher value needs attention sooner.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// Identity is the CloudTrail userIdentity of whoever acted.
type Identity struct {
	Type        string
	ARN         string
	AccountID   string
	PrincipalID string
	UserName    string
	// Session is set when root acted in an sts:AssumeRoot session.
	Session *RootSession
}

// RootSession is what a CloudTrail record says about the sts:AssumeRoot
// session a root event was made in. AWS marks such sessions with
// userIdentity.sessionContext.assumedRoot = "true" (IAM User Guide, "Track
// privileged tasks in AWS CloudTrail"). Who opened the session is the
// principal of the matching AssumeRoot event in the management (or IAM
// delegated administrator) account, found by the session's access key ID
// (that event's responseElements.credentials.accessKeyId); the member's
// record names it only through sessionContext.sourceIdentity, which
// AssumeRoot carries over from a caller that has one (STS API reference,
// AssumeRoot response, SourceIdentity).
type RootSession struct {
	AccessKeyID    string
	SourceIdentity string // "" when the opener carried none
	Created        string // sessionContext.attributes.creationDate, as written
}

// Event is one alert-worthy event, as far as it could be read. Empty strings
// mean "not in the event".
type Event struct {
	Kind     Kind
	Severity Severity
	// Title says what happened in a few words, e.g. "Root signed in without MFA".
	Title string
	// Group names events that a batch summary counts together, as a plural
	// that reads well after a number: "failed root sign-ins".
	Group string

	// From the EventBridge envelope.
	ID         string // EventBridge event id
	DetailType string
	Source     string

	// From the CloudTrail record (or the envelope when the record lacks it).
	EventID      string
	EventName    string // as recorded, e.g. UpdateFunctionCode20150331v2
	EventSource  string
	Account      string
	AccountAlias string // from Config.AccountAliases
	Region       string
	Time         time.Time // zero when no readable time
	RawTime      string    // the time as written, when it could not be parsed
	SourceIP     string
	UserAgent    string
	Identity     Identity
	// Result is "Success" or "Failure" for sign-in events and API calls.
	Result       string
	ErrorCode    string
	ErrorMessage string
	// MFAUsed is additionalEventData.MFAUsed for ConsoleLogin: "Yes", "No" or "".
	MFAUsed string
	// Target is what a root API call or tampering acted on, e.g. a trail name,
	// an IAM user or an MFA device serial.
	Target string
	// Message is the free text of a test event.
	Message string
	// TaskPolicy is the root-task policy of an AssumeRoot call, and
	// SessionKey the access key ID of the session it opened.
	TaskPolicy string
	SessionKey string
	// Digest is a posture digest's content; set only for KindPostureDigest.
	Digest *digest.Digest

	// Problems lists what could not be read; non-empty only for KindUnrecognised.
	Problems []string
	// Excerpt is the start of the raw input, for KindUnrecognised.
	Excerpt string
}
