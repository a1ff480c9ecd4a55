package stack

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/rootguard/rootguard/internal/account"
)

// Rule states: the second also delivers CloudTrail's read-only management
// events, so read-only root calls alert too.
const (
	RuleEnabled                  = "ENABLED"
	RuleEnabledWithAllManagement = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
)

// Pipeline settings that are not options: chosen once, here.
const (
	functionTimeoutSeconds = 30
	functionMemoryMB       = 128
	// AWS recommends a source queue visibility timeout of at least six times
	// the function timeout for SQS event source mappings.
	queueVisibilitySeconds = 6 * functionTimeoutSeconds
	queueRetentionSeconds  = 14 * 24 * 3600 // the SQS maximum
	maxReceiveCount        = 5
	// A short window lets a burst of failed sign-ins arrive as one batch the
	// function summarises, without delaying a single alert noticeably.
	batchSize            = 100
	batchingWindowSecond = 2
	// Two concurrent batches keep posts under Slack's webhook rate limit.
	maxConcurrency      = 2
	ruleRetryAttempts   = 185   // EventBridge's maximum
	ruleMaxEventAge     = 86400 // EventBridge's maximum, in seconds
	logRetentionDays    = 90
	alarmPeriodSeconds  = 300
	defaultArchitecture = "arm64"
)

// Template parameters of the hub stack. They locate the code and the
// webhook parameter; none holds a secret.
const (
	ParamCodeBucket       = "CodeBucket"
	ParamCodeKey          = "CodeKey"
	ParamCodeVersion      = "CodeObjectVersion"
	ParamWebhookParameter = "WebhookParameterName"
)

// Environment variables the alert function reads.
const (
	EnvWebhookParameter   = "ROOTGUARD_WEBHOOK_PARAMETER"
	EnvResourcePrefix     = "ROOTGUARD_RESOURCE_PREFIX"
	EnvProtectedResources = "ROOTGUARD_PROTECTED_RESOURCES"
)

// Logical IDs the deploy engine and `alert status` look up.
const (
	LogicalFunction   = "AlertFunction"
	LogicalRule       = "RootActivityRule"
	LogicalQueue      = "AlertQueue"
	LogicalDLQ        = "AlertDeadLetterQueue"
	LogicalTrail      = "ManagementTrail"
	LogicalTrailBkt   = "TrailBucket"
	LogicalLogGroup   = "AlertFunctionLogs"
	LogicalAlarmTopic = "AlarmTopic"
	LogicalAlarmEmail = "AlarmEmail"
)

// HubOptions shape the hub stack.
type HubOptions struct {
	// Prefix names every resource (default DefaultPrefix).
	Prefix string
	// OrganizationTrail makes the trail CreateTrail adds an organization
	// trail (it needs OrgID): one trail recording every member account's
	// management events, made in the management account or by CloudTrail's
	// delegated administrator.
	OrganizationTrail bool
	// CreateTrail adds a multi-region management trail and its bucket. Deploy
	// sets it only when no trail already logs management events into
	// HomeRegion: a second management trail costs money.
	CreateTrail bool
	// GuardedTrails are existing trails the pipeline relies on; tampering
	// with them alerts like tampering with rootguard's own.
	GuardedTrails []string
	// AllManagementEvents sets the rule to
	// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, for read-only root calls.
	AllManagementEvents bool
	// ForwardRegions are the other regions forwarding root activity here.
	ForwardRegions []string
	// Email, when set, subscribes an address to the pipeline's alarms.
	Email string
	// Architecture of the function: arm64 (default) or x86_64.
	Architecture string
	// OrgID, when set, makes this the organization's hub: an event bus that
	// accepts events from the organization's accounts only, and a rule on it
	// sending their root activity to the queue (see Spoke).
	OrgID string
	// Partition is the partition the stack is deployed in (default aws): its
	// home Region is where the hub lives and where forwarders send to.
	Partition account.Partition
}

// partition is Partition, or aws when unset.
func (o HubOptions) partition() account.Partition {
	if o.Partition.ID == "" {
		return account.AWS
	}
	return o.Partition
}

func (o HubOptions) prefix() string {
	if o.Prefix == "" {
		return DefaultPrefix
	}
	return o.Prefix
}

// Hub is the alert pipeline stack in the partition's home Region.
func Hub(o HubOptions) (*Template, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	n := Names{o.prefix()}
	p := o.partition()
	arch := o.Architecture
	if arch == "" {
		arch = defaultArchitecture
	}
	paramARN := Sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${" + ParamWebhookParameter + "}")
	logGroupARN := Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:" + n.LogGroup() + ":*")
	ruleARN := GetAtt(LogicalRule, "Arn")

	t := &Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              "rootguard: alert Slack on AWS root user activity and on tampering with this pipeline",
		Parameters: map[string]Parameter{
			ParamCodeBucket:  {Type: "String", Description: "Versioned private bucket holding the alert function's zip"},
			ParamCodeKey:     {Type: "String", Description: "S3 key of the alert function's zip"},
			ParamCodeVersion: {Type: "String", Description: "S3 object version of the zip, so new code updates the function"},
			ParamWebhookParameter: {
				Type:           "String",
				Description:    "Name of the SSM SecureString parameter holding the Slack webhook URL (the URL itself never enters the template)",
				Default:        n.WebhookParameter(),
				AllowedPattern: "^/[A-Za-z0-9_.\\-/]+$",
			},
		},
		Resources: map[string]Resource{},
		Outputs: map[string]Output{
			"FunctionName":     {"Alert function", Ref(LogicalFunction)},
			"RuleArn":          {"EventBridge rule matching root activity", ruleARN},
			"QueueUrl":         {"Queue between the rule and the function", Ref(LogicalQueue)},
			"DeadLetterQueue":  {"Undeliverable alerts; `rootguard alert redrive` re-delivers them", Ref(LogicalDLQ)},
			"LogGroupName":     {"Alert function logs", Ref(LogicalLogGroup)},
			"WebhookParameter": {"SSM parameter the function reads the webhook URL from", Ref(ParamWebhookParameter)},
		},
	}
	r := t.Resources

	r[LogicalLogGroup] = Resource{
		Type:                "AWS::Logs::LogGroup",
		DeletionPolicy:      "Delete",
		UpdateReplacePolicy: "Delete",
		Properties: map[string]any{
			"LogGroupName":    n.LogGroup(),
			"RetentionInDays": logRetentionDays,
			"Tags":            managedTags(),
		},
	}
	r[LogicalDLQ] = Resource{
		Type: "AWS::SQS::Queue",
		Properties: map[string]any{
			"QueueName":              n.DeadLetterQueue(),
			"SqsManagedSseEnabled":   true,
			"MessageRetentionPeriod": queueRetentionSeconds,
			"Tags":                   managedTags(),
		},
	}
	r[LogicalQueue] = Resource{
		Type: "AWS::SQS::Queue",
		Properties: map[string]any{
			"QueueName":              n.Queue(),
			"SqsManagedSseEnabled":   true,
			"MessageRetentionPeriod": queueRetentionSeconds,
			"VisibilityTimeout":      queueVisibilitySeconds,
			"RedrivePolicy": map[string]any{
				"deadLetterTargetArn": GetAtt(LogicalDLQ, "Arn"),
				"maxReceiveCount":     maxReceiveCount,
			},
			"Tags": managedTags(),
		},
	}
	r["AlertQueuePolicy"] = Resource{
		Type: "AWS::SQS::QueuePolicy",
		Properties: map[string]any{
			"Queues": []any{Ref(LogicalQueue), Ref(LogicalDLQ)},
			"PolicyDocument": policy(Statement{
				Sid:       "OnlyTheRootActivityRuleSends",
				Effect:    "Allow",
				Principal: servicePrincipal(p, "events"),
				Action:    []string{"sqs:SendMessage"},
				Resource:  []any{GetAtt(LogicalQueue, "Arn"), GetAtt(LogicalDLQ, "Arn")},
				Condition: map[string]map[string]any{"ArnEquals": {"aws:SourceArn": queueSenders(ruleARN, o.OrgID != "")}},
			}),
		},
	}
	r["AlertFunctionRole"] = Resource{
		Type: "AWS::IAM::Role",
		Properties: map[string]any{
			"RoleName":                 n.FunctionRole(),
			"Description":              "rootguard alert function: read its webhook parameter, write its logs, consume its queue",
			"AssumeRolePolicyDocument": assumeBy(p, "lambda"),
			"Policies": []any{map[string]any{
				"PolicyName": "alert-function",
				"PolicyDocument": policy(
					Statement{Sid: "ReadWebhookParameter", Effect: "Allow", Action: []string{"ssm:GetParameter"}, Resource: []any{paramARN}},
					Statement{
						Sid:      "DecryptWebhookParameterViaSSM",
						Effect:   "Allow",
						Action:   []string{"kms:Decrypt"},
						Resource: []any{Sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*")},
						Condition: map[string]map[string]any{"StringEquals": {
							"kms:ViaService":                      Sub("ssm.${AWS::Region}." + p.DNSSuffix),
							"kms:EncryptionContext:PARAMETER_ARN": paramARN,
						}},
					},
					Statement{Sid: "WriteOwnLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []any{logGroupARN}},
					Statement{
						Sid:      "ConsumeOwnQueue",
						Effect:   "Allow",
						Action:   []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
						Resource: []any{GetAtt(LogicalQueue, "Arn")},
					},
				),
			}},
			"Tags": managedTags(),
		},
	}
	protected := strings.Join(o.GuardedTrails, ",")
	r[LogicalFunction] = Resource{
		Type:      "AWS::Lambda::Function",
		DependsOn: []string{LogicalLogGroup},
		Properties: map[string]any{
			"FunctionName":  n.Function(),
			"Description":   "rootguard: posts root activity and pipeline tampering to Slack",
			"Runtime":       "provided.al2023",
			"Handler":       "bootstrap",
			"Architectures": []string{arch},
			"MemorySize":    functionMemoryMB,
			"Timeout":       functionTimeoutSeconds,
			"Role":          GetAtt("AlertFunctionRole", "Arn"),
			"Code": map[string]any{
				"S3Bucket":        Ref(ParamCodeBucket),
				"S3Key":           Ref(ParamCodeKey),
				"S3ObjectVersion": Ref(ParamCodeVersion),
			},
			"LoggingConfig": map[string]any{"LogFormat": "JSON", "LogGroup": Ref(LogicalLogGroup)},
			"Environment": map[string]any{"Variables": map[string]any{
				EnvWebhookParameter:   Ref(ParamWebhookParameter),
				EnvResourcePrefix:     n.Prefix,
				EnvProtectedResources: protected,
			}},
			"Tags": managedTags(),
		},
	}
	r["AlertQueueMapping"] = Resource{
		Type: "AWS::Lambda::EventSourceMapping",
		Properties: map[string]any{
			"EventSourceArn":                 GetAtt(LogicalQueue, "Arn"),
			"FunctionName":                   Ref(LogicalFunction),
			"BatchSize":                      batchSize,
			"MaximumBatchingWindowInSeconds": batchingWindowSecond,
			"FunctionResponseTypes":          []string{"ReportBatchItemFailures"},
			"ScalingConfig":                  map[string]any{"MaximumConcurrency": maxConcurrency},
			"Tags":                           managedTags(),
		},
	}
	pattern := HubPattern(n.Prefix, o.GuardedTrails)
	if err := checkPattern(n.Rule(), pattern); err != nil {
		return nil, err
	}
	r[LogicalRule] = Resource{
		Type: "AWS::Events::Rule",
		Properties: map[string]any{
			"Name":         n.Rule(),
			"Description":  "rootguard: root activity, tampering with the alert pipeline, and rootguard test events",
			"EventBusName": "default",
			"State":        ruleState(o.AllManagementEvents),
			"EventPattern": pattern,
			"Targets":      []any{queueTarget()},
		},
	}
	addAlarms(r, n, o.Email != "")
	if o.Email != "" {
		r[LogicalAlarmTopic] = Resource{
			Type: "AWS::SNS::Topic",
			Properties: map[string]any{
				"TopicName": n.AlarmTopic(),
				"Tags":      managedTags(),
			},
		}
		r[LogicalAlarmEmail] = Resource{
			Type: "AWS::SNS::Subscription",
			Properties: map[string]any{
				"TopicArn": Ref(LogicalAlarmTopic),
				"Protocol": "email",
				"Endpoint": o.Email,
			},
		}
	}
	if o.OrgID != "" {
		addOrgBus(t, n, o.OrgID, o.AllManagementEvents)
	}
	for _, region := range o.ForwardRegions {
		r["ForwardRole"+logicalSuffix(region)] = forwardRole(n, p, region)
	}
	if o.CreateTrail {
		addTrail(r, n, p, o.OrganizationTrail, o.OrgID)
		t.Outputs["TrailBucket"] = Output{"Bucket receiving the trail's logs; kept when the stack is removed", Ref(LogicalTrailBkt)}
	}
	return t, nil
}

// ruleState is the state of a rule matching root activity: read-only
// management events reach a rule only in RuleEnabledWithAllManagement.
func ruleState(allManagementEvents bool) string {
	if allManagementEvents {
		return RuleEnabledWithAllManagement
	}
	return RuleEnabled
}

// ValidateFlags checks what a user gives as flags (prefix, architecture,
// region names, e-mail) before anything calls AWS, so that a bad value is a
// usage error. The caller's partition is not known yet: the regions are
// checked against the partition of the first of them; the stack checks
// them against the caller's again when it is built.
func (o HubOptions) ValidateFlags() error {
	if o.Partition.ID == "" && len(o.ForwardRegions) > 0 {
		o.Partition = account.PartitionOfRegion(o.ForwardRegions[0])
	}
	// The deploy engine drops the home Region from --regions (`--regions
	// us-east-1` forwards none), so it is no error here.
	home := o.partition().HomeRegion
	o.ForwardRegions = slices.DeleteFunc(slices.Clone(o.ForwardRegions), func(r string) bool { return r == home })
	return o.validate()
}

func (o HubOptions) validate() error {
	if strings.Trim(o.prefix(), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || len(o.prefix()) > 20 {
		return fmt.Errorf("prefix %q: use at most 20 lowercase letters, digits and hyphens", o.Prefix)
	}
	switch o.Architecture {
	case "", "arm64", "x86_64":
	default:
		return fmt.Errorf("architecture %q: use arm64 or x86_64", o.Architecture)
	}
	p := o.partition()
	for i, region := range o.ForwardRegions {
		if region == p.HomeRegion {
			return fmt.Errorf("forward region %s is the home region", region)
		}
		if !validRegion(region) {
			return fmt.Errorf("forward region %q is not a region name", region)
		}
		if !p.IsRegion(region) {
			return fmt.Errorf("forward region %s is not in partition %s: events cannot cross partitions", region, p.ID)
		}
		if slices.Contains(o.ForwardRegions[:i], region) {
			return fmt.Errorf("forward region %s is given twice", region)
		}
	}
	if slices.Contains(o.GuardedTrails, "") {
		return fmt.Errorf("guarded trail name is empty")
	}
	if o.OrganizationTrail && (o.OrgID == "" || !o.CreateTrail) {
		return fmt.Errorf("an organization trail needs the organization's ID and CreateTrail")
	}
	if o.OrgID != "" && !validOrgID(o.OrgID) {
		return fmt.Errorf("organization ID %q is not of the form o-xxxxxxxxxx", o.OrgID)
	}
	if o.Email != "" {
		// A bare address, as SNS's email protocol takes it: no display name.
		addr, err := mail.ParseAddress(o.Email)
		if err != nil || addr.Address != o.Email || addr.Name != "" {
			return fmt.Errorf("e-mail %q is not an address (name@example.com)", o.Email)
		}
	}
	return nil
}

// validRegion accepts names such as eu-west-1 and us-gov-west-1. The
// longest region names today have 14 characters; 25 keeps the per-region
// role names (prefix-forward-region) inside IAM's 64.
func validRegion(r string) bool {
	if len(r) > 25 {
		return false
	}
	parts := strings.Split(r, "-")
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return false
		}
	}
	return strings.Trim(parts[len(parts)-1], "0123456789") == ""
}

// logicalSuffix turns a region into a logical-ID fragment: eu-west-1 → EuWest1.
func logicalSuffix(region string) string {
	var b strings.Builder
	for _, p := range strings.Split(region, "-") {
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

func assumeBy(p account.Partition, service string) PolicyDocument {
	return policy(Statement{
		Sid:       "AssumedBy" + service,
		Effect:    "Allow",
		Principal: servicePrincipal(p, service),
		Action:    []string{"sts:AssumeRole"},
	})
}

// ForwardPolicy is the inline policy of each forwarding role: without it
// the role exists but cannot put events on the bus.
const ForwardPolicy = "forward-root-activity"

// forwardRole lets the forwarding rule in region put events on this
// region's default bus, and nothing else. It lives in the hub stack because
// IAM is global; the Forwarder stack in region refers to it by name.
func forwardRole(n Names, p account.Partition, region string) Resource {
	doc := assumeBy(p, "events")
	doc.Statement[0].Condition = map[string]map[string]any{
		"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")},
		"ArnEquals": {"aws:SourceArn": Sub("arn:${AWS::Partition}:events:" + region +
			":${AWS::AccountId}:rule/" + n.ForwardRule())},
	}
	return Resource{
		Type: "AWS::IAM::Role",
		Properties: map[string]any{
			"RoleName":                 n.ForwardRole(region),
			"Description":              "rootguard: forward root activity from " + region + " to " + p.HomeRegion,
			"AssumeRolePolicyDocument": doc,
			"Policies": []any{map[string]any{
				"PolicyName": ForwardPolicy,
				"PolicyDocument": policy(Statement{
					Sid:      "PutOnHomeBus",
					Effect:   "Allow",
					Action:   []string{"events:PutEvents"},
					Resource: []any{Sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default")},
				}),
			}},
			"Tags": managedTags(),
		},
	}
}

// queueTarget sends a rule's events to the alert queue, retrying as long as
// EventBridge allows and dead-lettering the rest.
func queueTarget() map[string]any {
	return map[string]any{
		"Id":  "alert-queue",
		"Arn": GetAtt(LogicalQueue, "Arn"),
		"RetryPolicy": map[string]any{
			"MaximumRetryAttempts":     ruleRetryAttempts,
			"MaximumEventAgeInSeconds": ruleMaxEventAge,
		},
		"DeadLetterConfig": map[string]any{"Arn": GetAtt(LogicalDLQ, "Arn")},
	}
}

func addAlarms(r map[string]Resource, n Names, notify bool) {
	var actions []any
	if notify {
		actions = []any{Ref(LogicalAlarmTopic)}
	}
	alarm := func(name, description, namespace, metric, dimension string, value any) Resource {
		props := map[string]any{
			"AlarmName":          n.Prefix + "-" + name,
			"AlarmDescription":   description,
			"Namespace":          namespace,
			"MetricName":         metric,
			"Dimensions":         []any{map[string]any{"Name": dimension, "Value": value}},
			"Statistic":          "Maximum",
			"Period":             alarmPeriodSeconds,
			"EvaluationPeriods":  1,
			"Threshold":          1,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"TreatMissingData":   "notBreaching",
			"Tags":               managedTags(),
		}
		if actions != nil {
			props["AlarmActions"] = actions
		}
		return Resource{Type: "AWS::CloudWatch::Alarm", Properties: props}
	}
	r["DeadLetterAlarm"] = alarm("dead-letters",
		"Root activity alerts could not be delivered; fix the webhook, then run `rootguard alert redrive`",
		"AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", GetAtt(LogicalDLQ, "QueueName"))
	r["FunctionErrorAlarm"] = alarm("function-errors",
		"The rootguard alert function failed; see its log group",
		"AWS/Lambda", "Errors", "FunctionName", Ref(LogicalFunction))
}

func addTrail(r map[string]Resource, n Names, p account.Partition, org bool, orgID string) {
	trailARN := Sub("arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/" + n.Trail())
	bucketARN := GetAtt(LogicalTrailBkt, "Arn")
	objectsARN := Sub("${" + LogicalTrailBkt + ".Arn}/*")
	onlyThisTrail := map[string]map[string]any{"StringEquals": {"aws:SourceArn": trailARN}}
	r[LogicalTrailBkt] = Resource{
		Type: "AWS::S3::Bucket",
		// The logs are evidence: removing the pipeline keeps them.
		DeletionPolicy:      "Retain",
		UpdateReplacePolicy: "Retain",
		Properties: map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true,
				"IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
				map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
			}},
			"OwnershipControls":       map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"Tags":                    managedTags(),
		},
	}
	writeCond := map[string]map[string]any{"StringEquals": {
		"aws:SourceArn": trailARN,
		"s3:x-amz-acl":  "bucket-owner-full-control",
	}}
	// An organization trail writes the members' logs under
	// AWSLogs/<organization ID>/ and the account's own under
	// AWSLogs/<account ID>/ (CloudTrail User Guide, "Amazon S3 bucket
	// policy for CloudTrail", organization trails), both only for this
	// trail (aws:SourceArn).
	writeTo := []any{Sub("${" + LogicalTrailBkt + ".Arn}/AWSLogs/${AWS::AccountId}/*")}
	if org {
		writeTo = append(writeTo, Sub("${"+LogicalTrailBkt+".Arn}/AWSLogs/"+orgID+"/*"))
	}
	r["TrailBucketPolicy"] = Resource{
		Type: "AWS::S3::BucketPolicy",
		Properties: map[string]any{
			"Bucket": Ref(LogicalTrailBkt),
			"PolicyDocument": policy(
				Statement{
					Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*",
					Action:    []string{"s3:*"},
					Resource:  []any{bucketARN, objectsARN},
					Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
				},
				Statement{
					Sid: "TrailChecksAcl", Effect: "Allow", Principal: servicePrincipal(p, "cloudtrail"),
					Action: []string{"s3:GetBucketAcl"}, Resource: []any{bucketARN}, Condition: onlyThisTrail,
				},
				Statement{
					Sid: "OnlyThisTrailWrites", Effect: "Allow", Principal: servicePrincipal(p, "cloudtrail"),
					Action:    []string{"s3:PutObject"},
					Resource:  writeTo,
					Condition: writeCond,
				},
			),
		},
	}
	r[LogicalTrail] = Resource{
		Type:      "AWS::CloudTrail::Trail",
		DependsOn: []string{"TrailBucketPolicy"},
		Properties: map[string]any{
			"TrailName":                  n.Trail(),
			"S3BucketName":               Ref(LogicalTrailBkt),
			"IsLogging":                  true,
			"IsMultiRegionTrail":         true,
			"IncludeGlobalServiceEvents": true,
			"EnableLogFileValidation":    true,
			"Tags":                       managedTags(),
		},
	}
	if org {
		r[LogicalTrail].Properties.(map[string]any)["IsOrganizationTrail"] = true
	}
}
