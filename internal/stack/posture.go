package stack

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/orgscan"
	"github.com/rootguard/rootguard/internal/schedule"
)

// The posture stack (`rootguard posture deploy`) is separate from the alert
// stack: it has its own lifecycle (deployed after the pipeline, removed
// without touching it) and takes the pipeline's queue and bucket as
// parameters, so deploying or removing it never changes the alert stack.

// PostureStack is the scheduled auditor's stack in the home Region.
func (n Names) PostureStack() string { return n.Prefix + "-posture" }

// PostureFunction is the scheduled auditor (cmd/auditor).
func (n Names) PostureFunction() string { return n.Prefix + "-posture" }

// PostureFunctionRole is the auditor's execution role.
func (n Names) PostureFunctionRole() string { return n.Prefix + "-posture-function" }

// PostureLogGroup is the auditor's log group.
func (n Names) PostureLogGroup() string { return "/aws/lambda/" + n.PostureFunction() }

// PostureSchedule is the EventBridge Scheduler schedule running the auditor.
func (n Names) PostureSchedule() string { return n.Prefix + "-posture" }

// PostureSchedulerRole is the role the schedule invokes the auditor with.
func (n Names) PostureSchedulerRole() string { return n.Prefix + "-posture-scheduler" }

// PostureDeadLetterQueue holds the invocations the schedule could not make.
func (n Names) PostureDeadLetterQueue() string { return n.Prefix + "-posture-dlq" }

// PostureImportRole is the role in each member account the auditor assumes
// to import that member's Security Hub findings (--security-hub).
func (n Names) PostureImportRole() string { return n.Prefix + "-posture-import" }

// PostureRunsPrefix is where runs and their reports are kept in the
// pipeline's bucket; PostureLifecycleRule expires them.
const PostureRunsPrefix = "posture/runs/"

// PostureLifecycleRule is the ID of the bucket lifecycle rule expiring old
// runs (put by `posture deploy`, taken out by `posture remove`).
func (n Names) PostureLifecycleRule() string { return n.Prefix + "-posture-runs" }

// Logical IDs and parameters of the posture stack.
const (
	LogicalPostureFunction = "AuditorFunction"
	LogicalPostureRole     = "AuditorRole"
	LogicalPostureLogs     = "AuditorLogs"
	LogicalPostureSchedule = "AuditorSchedule"
	LogicalSchedulerRole   = "AuditorSchedulerRole"
	LogicalPostureDLQ      = "AuditorScheduleDeadLetterQueue"
	LogicalPostureFailures = "AuditorFailedRuns"

	ParamAlertQueueURL = "AlertQueueUrl"
)

// Environment variables the auditor reads (internal/posture names them
// from these).
const (
	EnvPostureBucket      = "ROOTGUARD_POSTURE_BUCKET"
	EnvPosturePrefix      = "ROOTGUARD_POSTURE_PREFIX"
	EnvPostureQueueURL    = "ROOTGUARD_ALERT_QUEUE_URL"
	EnvPostureHeartbeat   = "ROOTGUARD_POSTURE_HEARTBEAT"
	EnvPostureRoleName    = "ROOTGUARD_ROLE_NAME"
	EnvPostureSecurityHub = "ROOTGUARD_SECURITY_HUB"
	EnvGoMemLimit         = "GOMEMLIMIT"
)

// Auditor settings that are not options.
const (
	// A 10,000-account run takes 75–93 s on the local AWS at 50 ms a call
	// (BENCHMARKS.md); Lambda's maximum, 900 s, leaves room for a slow
	// organization without cutting a run short.
	postureTimeoutSeconds = 900
	// DefaultPostureMemoryMB holds a 10,000-account run: 437 MB peak with
	// GOMEMLIMIT=400MiB (BENCHMARKS.md).
	DefaultPostureMemoryMB = 512
	// Scheduler retries an invocation it could not make (throttled, the
	// function missing or not invocable) this often, for at most this
	// long, then dead-letters it. A run that fails inside the function is
	// retried by Lambda (asynchronous invocation: twice, its default and
	// maximum), then dead-lettered too.
	scheduleRetryAttempts = 3
	scheduleMaxEventAge   = 3600
	lambdaRetryAttempts   = 2
	// DefaultPostureRetentionDays is how long runs and reports stay under
	// PostureRunsPrefix.
	DefaultPostureRetentionDays = 90
)

// PostureOptions shape the posture stack.
type PostureOptions struct {
	Prefix string
	// Schedule is a rate() or cron() expression (default schedule.Default);
	// Timezone the IANA zone cron() is evaluated in (default UTC).
	Schedule, Timezone string
	Heartbeat          bool
	// RoleName is the role assumed in members when centralized root access
	// is off (default orgscan's OrganizationAccountAccessRole).
	RoleName string
	// SecurityHub lets the auditor assume PostureImportRole in members and
	// tells it to import findings (ROOTGUARD_SECURITY_HUB=1).
	SecurityHub bool
	// Architecture of the function: arm64 (default) or x86_64.
	Architecture string
	// MemoryMB is the function's memory (default DefaultPostureMemoryMB);
	// GOMEMLIMIT is derived from it.
	MemoryMB  int
	Partition account.Partition
}

func (o PostureOptions) prefix() string {
	if o.Prefix == "" {
		return DefaultPrefix
	}
	return o.Prefix
}

func (o PostureOptions) memory() int {
	if o.MemoryMB == 0 {
		return DefaultPostureMemoryMB
	}
	return o.MemoryMB
}

func (o PostureOptions) schedule() string {
	if o.Schedule == "" {
		return schedule.Default
	}
	return o.Schedule
}

// roleNamePattern is IAM's role name syntax (IAM API Reference, CreateRole:
// RoleName, [\w+=,.@-]+, at most 64 characters).
var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// Validate checks the options before anything calls AWS.
func (o PostureOptions) Validate() error {
	if err := (HubOptions{Prefix: o.Prefix, Architecture: o.Architecture}).validate(); err != nil {
		return err
	}
	if _, err := schedule.Parse(o.schedule()); err != nil {
		return err
	}
	if o.Timezone != "" {
		if _, err := time.LoadLocation(o.Timezone); err != nil || o.Timezone == "Local" {
			return fmt.Errorf("time zone %q: use an IANA name such as Europe/Paris", o.Timezone)
		}
	}
	if o.RoleName != "" && !roleNamePattern.MatchString(o.RoleName) {
		return fmt.Errorf("role name %q: use at most 64 letters, digits and +=,.@_-", o.RoleName)
	}
	// Lambda takes 128 MB to 10,240 MB (Lambda Developer Guide, "Configure
	// Lambda function memory").
	if m := o.memory(); m < 128 || m > 10240 {
		return fmt.Errorf("memory %d MB: Lambda takes 128 to 10240", m)
	}
	return nil
}

// GoMemLimit is the Go runtime's soft memory limit for a function of
// memoryMB: about 78 % of it (400MiB at 512 MB, the setting measured in
// BENCHMARKS.md), leaving the rest to the runtime's own and the binary's
// non-heap memory, so the collector works harder before Lambda kills the
// function for exceeding its memory.
func GoMemLimit(memoryMB int) string {
	return strconv.Itoa(memoryMB*25/32) + "MiB"
}

// Posture is the scheduled auditor's stack: the function, its execution
// role, its log group, and an EventBridge Scheduler schedule with its own
// role (invoke this function only), retry policy and dead-letter queue.
// The alert pipeline's queue URL and the code location are parameters.
func Posture(o PostureOptions) (*Template, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	n := Names{o.prefix()}
	p := o.Partition
	if p.ID == "" {
		p = account.AWS
	}
	arch := o.Architecture
	if arch == "" {
		arch = defaultArchitecture
	}
	roleName := o.RoleName
	if roleName == "" {
		roleName = orgscan.DefaultRoleName
	}
	bucket := n.ArtifactBucket("${AWS::AccountId}", "${AWS::Region}")
	queueARN := Sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:" + n.Queue())
	functionARN := Sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:" + n.PostureFunction())
	logGroupARN := Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:" + n.PostureLogGroup() + ":*")

	t := &Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              "rootguard: audit the organization's root posture on a schedule and post drift to Slack through the alert pipeline",
		Parameters: map[string]Parameter{
			ParamCodeBucket:    {Type: "String", Description: "Versioned private bucket holding the auditor's zip"},
			ParamCodeKey:       {Type: "String", Description: "S3 key of the auditor's zip"},
			ParamCodeVersion:   {Type: "String", Description: "S3 object version of the zip, so new code updates the function"},
			ParamAlertQueueURL: {Type: "String", Description: "URL of the alert pipeline's queue (output QueueUrl of the alert stack): digests go there"},
		},
		Resources: map[string]Resource{},
		Outputs: map[string]Output{
			"FunctionName":            {"Scheduled auditor", Ref(LogicalPostureFunction)},
			"ScheduleName":            {"EventBridge Scheduler schedule running the auditor", Ref(LogicalPostureSchedule)},
			"ScheduleDeadLetterQueue": {"Invocations the schedule could not make, and runs that failed", Ref(LogicalPostureDLQ)},
			"LogGroupName":            {"Auditor logs", Ref(LogicalPostureLogs)},
		},
	}
	r := t.Resources
	r[LogicalPostureLogs] = Resource{
		Type:                "AWS::Logs::LogGroup",
		DeletionPolicy:      "Delete",
		UpdateReplacePolicy: "Delete",
		Properties: map[string]any{
			"LogGroupName":    n.PostureLogGroup(),
			"RetentionInDays": logRetentionDays,
			"Tags":            managedTags(),
		},
	}
	statements := []Statement{
		{Sid: "ReadTheOrganization", Effect: "Allow", Action: orgReadActions, Resource: []any{"*"}},
		// The management account is audited with this role's own
		// credentials: the actions of `rootguard audit`
		// (docs/permissions/audit.json), which IAM scopes to "*".
		{Sid: "AuditTheManagementAccount", Effect: "Allow", Action: auditActions, Resource: []any{"*"}},
		{
			Sid: "AuditMemberRootUsersWithCentralizedRootAccess", Effect: "Allow",
			Action:    []string{"sts:AssumeRoot"},
			Resource:  []any{Sub("arn:${AWS::Partition}:iam::*:root")},
			Condition: map[string]map[string]any{"StringEquals": {"sts:TaskPolicyArn": Sub("arn:${AWS::Partition}:iam::aws:policy/root-task/IAMAuditRootUserCredentials")}},
		},
		{Sid: "AuditMembersThroughTheirRoleWithoutIt", Effect: "Allow", Action: []string{"sts:AssumeRole"}, Resource: []any{Sub("arn:${AWS::Partition}:iam::*:role/" + roleName)}},
		{Sid: "KeepRunsAndReportsInThePipelinesBucket", Effect: "Allow", Action: []string{"s3:GetObject", "s3:PutObject"}, Resource: []any{Sub("arn:${AWS::Partition}:s3:::" + bucket + "/posture/*")}},
		{Sid: "QueueTheDigestOnTheAlertQueue", Effect: "Allow", Action: []string{"sqs:SendMessage"}, Resource: []any{queueARN}},
		{Sid: "WriteOwnLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []any{logGroupARN}},
		// Lambda sends a failed run's record to the on-failure destination
		// with the function's execution role (Lambda Developer Guide,
		// "Adding a destination to a function").
		{Sid: "DeadLetterFailedRuns", Effect: "Allow", Action: []string{"sqs:SendMessage"}, Resource: []any{GetAtt(LogicalPostureDLQ, "Arn")}},
	}
	if o.SecurityHub {
		// docs/permissions/posture-securityhub.json: members' findings are
		// imported as each member (the default product takes findings of
		// the caller's own account only), the hub's own with this role.
		statements = append(statements,
			Statement{
				Sid: "ImportFindingsAsEachMember", Effect: "Allow", Action: []string{"sts:AssumeRole"},
				Resource: []any{Sub("arn:${AWS::Partition}:iam::*:role/" + n.PostureImportRole())},
			},
			Statement{
				Sid: "ImportTheHubsOwnFindings", Effect: "Allow", Action: []string{"securityhub:BatchImportFindings"},
				Resource: []any{Sub("arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:product/${AWS::AccountId}/default")},
			})
	}
	r[LogicalPostureRole] = Resource{
		Type: "AWS::IAM::Role",
		Properties: map[string]any{
			"RoleName":                 n.PostureFunctionRole(),
			"Description":              "rootguard posture auditor: read the organization, audit root users, keep runs, queue digests",
			"AssumeRolePolicyDocument": assumeBy(p, "lambda"),
			"Policies":                 []any{map[string]any{"PolicyName": "posture-auditor", "PolicyDocument": policy(statements...)}},
			"Tags":                     managedTags(),
		},
	}
	env := map[string]any{
		EnvPostureBucket:   Sub(bucket),
		EnvPostureQueueURL: Ref(ParamAlertQueueURL),
		EnvPostureRoleName: roleName,
		EnvGoMemLimit:      GoMemLimit(o.memory()),
	}
	if o.Heartbeat {
		env[EnvPostureHeartbeat] = "true"
	}
	if o.SecurityHub {
		env[EnvPostureSecurityHub] = "1"
	}
	r[LogicalPostureFunction] = Resource{
		Type:      "AWS::Lambda::Function",
		DependsOn: []string{LogicalPostureLogs},
		Properties: map[string]any{
			"FunctionName":  n.PostureFunction(),
			"Description":   "rootguard: audits the organization's root posture on a schedule and queues the drift digest",
			"Runtime":       "provided.al2023",
			"Handler":       "bootstrap",
			"Architectures": []string{arch},
			"MemorySize":    o.memory(),
			"Timeout":       postureTimeoutSeconds,
			"Role":          GetAtt(LogicalPostureRole, "Arn"),
			"Code": map[string]any{
				"S3Bucket":        Ref(ParamCodeBucket),
				"S3Key":           Ref(ParamCodeKey),
				"S3ObjectVersion": Ref(ParamCodeVersion),
			},
			"LoggingConfig": map[string]any{"LogFormat": "JSON", "LogGroup": Ref(LogicalPostureLogs)},
			"Environment":   map[string]any{"Variables": env},
			"Tags":          managedTags(),
		},
	}
	// Scheduler invokes the function asynchronously: a run that fails
	// inside it is retried by Lambda, then recorded in the same dead-letter
	// queue as the invocations Scheduler could not make, so no failed run
	// is silent.
	r[LogicalPostureFailures] = Resource{
		Type: "AWS::Lambda::EventInvokeConfig",
		Properties: map[string]any{
			"FunctionName":         Ref(LogicalPostureFunction),
			"Qualifier":            "$LATEST",
			"MaximumRetryAttempts": lambdaRetryAttempts,
			"DestinationConfig":    map[string]any{"OnFailure": map[string]any{"Destination": GetAtt(LogicalPostureDLQ, "Arn")}},
		},
	}
	r[LogicalPostureDLQ] = Resource{
		Type: "AWS::SQS::Queue",
		Properties: map[string]any{
			"QueueName":              n.PostureDeadLetterQueue(),
			"SqsManagedSseEnabled":   true,
			"MessageRetentionPeriod": queueRetentionSeconds,
			"Tags":                   managedTags(),
		},
	}
	// Scheduler assumes the role for this account's schedules only
	// (aws:SourceAccount, the confused-deputy guard of the EventBridge
	// Scheduler User Guide, "Set up the execution role"); it may invoke this
	// function and nothing else, and dead-letter to this queue (the
	// execution role sends dead-letter events: "Configuring a schedule's
	// dead-letter queue", https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
	trust := assumeBy(p, "scheduler")
	trust.Statement[0].Condition = map[string]map[string]any{"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}
	r[LogicalSchedulerRole] = Resource{
		Type: "AWS::IAM::Role",
		Properties: map[string]any{
			"RoleName":                 n.PostureSchedulerRole(),
			"Description":              "rootguard: EventBridge Scheduler invokes the posture auditor, and nothing else",
			"AssumeRolePolicyDocument": trust,
			"Policies": []any{map[string]any{
				"PolicyName": "invoke-posture-auditor",
				"PolicyDocument": policy(
					Statement{Sid: "InvokeTheAuditorOnly", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: []any{functionARN}},
					Statement{Sid: "DeadLetterUndeliveredInvocations", Effect: "Allow", Action: []string{"sqs:SendMessage"}, Resource: []any{GetAtt(LogicalPostureDLQ, "Arn")}},
				),
			}},
			"Tags": managedTags(),
		},
	}
	sched := map[string]any{
		"Name":               n.PostureSchedule(),
		"Description":        "rootguard: run the posture auditor",
		"GroupName":          "default",
		"ScheduleExpression": o.schedule(),
		"FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
		"State":              "ENABLED",
		"Target": map[string]any{
			"Arn":     GetAtt(LogicalPostureFunction, "Arn"),
			"RoleArn": GetAtt(LogicalSchedulerRole, "Arn"),
			"Input":   "{}",
			"RetryPolicy": map[string]any{
				"MaximumRetryAttempts":     scheduleRetryAttempts,
				"MaximumEventAgeInSeconds": scheduleMaxEventAge,
			},
			"DeadLetterConfig": map[string]any{"Arn": GetAtt(LogicalPostureDLQ, "Arn")},
		},
	}
	if o.Timezone != "" {
		sched["ScheduleExpressionTimezone"] = o.Timezone
	}
	r[LogicalPostureSchedule] = Resource{Type: "AWS::Scheduler::Schedule", Properties: sched}
	return t, nil
}

// orgReadActions read the organization and its OU tree
// (docs/permissions/audit-org.json).
var orgReadActions = []string{
	"organizations:DescribeOrganization", "organizations:ListAccounts", "organizations:ListAccountsForParent",
	"organizations:ListOrganizationalUnitsForParent", "organizations:ListRoots",
}

// auditActions are `rootguard audit`'s (docs/permissions/audit.json; a test
// holds the two equal).
var auditActions = []string{
	"sts:GetCallerIdentity", "iam:GetAccountSummary", "iam:ListAccountAliases", "iam:GetCredentialReport",
	"iam:GenerateCredentialReport", "iam:ListVirtualMFADevices", "iam:ListOrganizationsFeatures",
	"account:ListRegions", "events:ListRules", "events:TestEventPattern", "events:ListTargetsByRule",
	"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
	"logs:DescribeMetricFilters", "logs:TestMetricFilter", "cloudwatch:DescribeAlarmsForMetric",
}
