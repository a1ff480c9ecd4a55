package awsemu

import (
	"encoding/json"
	"encoding/xml"
	"net/url"
	"path"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/policy"
	"github.com/rootguard/rootguard/internal/awsemu/s3"
	"github.com/rootguard/rootguard/internal/awsemu/sts"
)

// target is one resource an action is authorized on, with the condition
// context keys the request carries for it.
type target struct {
	resource string
	ctx      map[string]string
}

// scopedActions derive, for the IAM actions rootguard's documented policies
// scope by Resource or Condition, the resource ARN(s) and condition keys of
// the request as the Service Authorization Reference defines them for the
// action ("Actions, resources, and condition keys for <service>",
// https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
// A principal given a policy document (Account.AddPolicyUser) is then
// authorized by evaluating its statements on each target (allowedOn). An
// action without an entry here is checked by its name only, as before: a
// statement's Resource and Condition then prove nothing for it.
//
// A call whose resource cannot be derived (a parameter missing) is
// evaluated on the resource "*", which a statement scoped to an ARN
// pattern does not match: AWS, too, requires "*" for an action whose
// resource the request does not name.
var scopedActions = map[string]func(c *Call) []target{
	// AWS Security Token Service
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html):
	// AssumeRole's resource is the role (type "role",
	// arn:${Partition}:iam::${Account}:role/${RoleNameWithPath});
	// AssumeRoot's is the member's root user (type "root",
	// arn:${Partition}:iam::${Account}:root) with the condition key
	// sts:TaskPolicyArn, the AWS managed task policy the request names
	// (STS API Reference, AssumeRoot, TaskPolicyArn:
	// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html;
	// IAM User Guide, "IAM and AWS STS condition context keys",
	// sts:TaskPolicyArn).
	"sts:AssumeRole": func(c *Call) []target { return one(c.Param("RoleArn"), nil) },
	"sts:AssumeRoot": func(c *Call) []target {
		acct := sts.RootTargetAccount(c.Param("TargetPrincipal"))
		res := ""
		if acct != "" {
			res = "arn:aws:iam::" + acct + ":root"
		}
		ctx := map[string]string{}
		if p := c.Param("TaskPolicyArn.arn"); p != "" {
			ctx["sts:TaskPolicyArn"] = p
		}
		return one(res, ctx)
	},

	// AWS CloudFormation
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html):
	// the stack operations' resource is the stack,
	// arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}.
	"cloudformation:CreateStack":         stackTarget,
	"cloudformation:UpdateStack":         stackTarget,
	"cloudformation:DeleteStack":         stackTarget,
	"cloudformation:DescribeStacks":      stackTarget,
	"cloudformation:DescribeStackEvents": stackTarget,
	"cloudformation:ListStackResources":  stackTarget,
	"cloudformation:GetTemplate":         stackTarget,
	"cloudformation:CreateChangeSet":     stackTarget,
	"cloudformation:DescribeChangeSet":   stackTarget,
	"cloudformation:ExecuteChangeSet":    stackTarget,
	"cloudformation:DeleteChangeSet":     stackTarget,

	// AWS Systems Manager
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html):
	// resource type "parameter",
	// arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}.
	"ssm:GetParameter":    parameterTarget("Name"),
	"ssm:PutParameter":    parameterTarget("Name"),
	"ssm:DeleteParameter": parameterTarget("Name"),
	"ssm:AddTagsToResource": func(c *Call) []target {
		if jsonField(c, "ResourceType") != "Parameter" {
			return one("", nil)
		}
		return parameterTarget("ResourceId")(c)
	},

	// Amazon SQS
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html):
	// resource type "queue", arn:${Partition}:sqs:${Region}:${Account}:${QueueName};
	// StartMessageMoveTask and ListMessageMoveTasks act on the source queue
	// their SourceArn names.
	"sqs:CreateQueue":          queueByName,
	"sqs:GetQueueUrl":          queueByName,
	"sqs:DeleteQueue":          queueByURL,
	"sqs:GetQueueAttributes":   queueByURL,
	"sqs:SetQueueAttributes":   queueByURL,
	"sqs:TagQueue":             queueByURL,
	"sqs:SendMessage":          queueByURL,
	"sqs:ReceiveMessage":       queueByURL,
	"sqs:DeleteMessage":        queueByURL,
	"sqs:StartMessageMoveTask": func(c *Call) []target { return one(jsonField(c, "SourceArn"), nil) },
	"sqs:ListMessageMoveTasks": func(c *Call) []target { return one(jsonField(c, "SourceArn"), nil) },

	// Amazon EventBridge
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html):
	// PutEvents acts on each entry's event bus (type "event-bus",
	// arn:${Partition}:events:${Region}:${Account}:event-bus/${EventBusName};
	// "default" when the entry names none) with the condition keys
	// events:source and events:detail-type of the entry (EventBridge User
	// Guide, "Using IAM policy conditions in Amazon EventBridge":
	// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
	"events:PutEvents": func(c *Call) []target {
		var in struct {
			Entries []struct{ Source, DetailType, EventBusName string }
		}
		_ = json.Unmarshal(c.Body, &in)
		out := make([]target, 0, len(in.Entries))
		for _, e := range in.Entries {
			bus := e.EventBusName
			if bus == "" {
				bus = "default"
			}
			if !strings.HasPrefix(bus, "arn:") {
				bus = "arn:aws:events:" + c.Region + ":" + c.Caller.Account + ":event-bus/" + bus
			}
			out = append(out, target{bus, map[string]string{"events:source": e.Source, "events:detail-type": e.DetailType}})
		}
		if len(out) == 0 {
			return one("", nil)
		}
		return out
	},

	// IAM (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html):
	// the role operations act on the role,
	// arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}. Only
	// CreateRole names the path; the others are taken at the default path
	// "/", where every role rootguard's stacks create lives.
	"iam:CreateRole":       roleTarget,
	"iam:DeleteRole":       roleTarget,
	"iam:GetRole":          roleTarget,
	"iam:PutRolePolicy":    roleTarget,
	"iam:DeleteRolePolicy": roleTarget,
	"iam:GetRolePolicy":    roleTarget,
	"iam:TagRole":          roleTarget,
	"iam:UntagRole":        roleTarget,

	// Amazon CloudWatch Logs
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html):
	// resource type "log-group",
	// arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}.
	"logs:CreateLogGroup":     logGroupTarget,
	"logs:DeleteLogGroup":     logGroupTarget,
	"logs:PutRetentionPolicy": logGroupTarget,

	// AWS CloudTrail
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html):
	// resource type "trail", arn:${Partition}:cloudtrail:${Region}:${Account}:trail/${TrailName}.
	"cloudtrail:CreateTrail":  trailTarget,
	"cloudtrail:DeleteTrail":  trailTarget,
	"cloudtrail:StartLogging": trailTarget,

	// Amazon SNS
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html):
	// resource type "topic", arn:${Partition}:sns:${Region}:${Account}:${TopicName}.
	"sns:CreateTopic": func(c *Call) []target {
		if n := c.Param("Name"); n != "" {
			return one("arn:aws:sns:"+c.Region+":"+c.Caller.Account+":"+n, nil)
		}
		return one("", nil)
	},
	"sns:DeleteTopic": func(c *Call) []target { return one(c.Param("TopicArn"), nil) },
	"sns:Subscribe":   func(c *Call) []target { return one(c.Param("TopicArn"), nil) },

	// Amazon EventBridge Scheduler
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html):
	// resource type "schedule",
	// arn:${Partition}:scheduler:${Region}:${Account}:schedule/${GroupName}/${ScheduleName};
	// a schedule without a group is in "default".
	"scheduler:CreateSchedule": scheduleTarget,
	"scheduler:GetSchedule":    scheduleTarget,
	"scheduler:UpdateSchedule": scheduleTarget,
	"scheduler:DeleteSchedule": scheduleTarget,

	// AWS Lambda
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html):
	// the function operations act on the function,
	// arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}
	// (with ":${Qualifier}" for a version or alias).
	"lambda:CreateFunction":                  functionTarget,
	"lambda:GetFunction":                     functionTarget,
	"lambda:GetFunctionConfiguration":        functionTarget,
	"lambda:DeleteFunction":                  functionTarget,
	"lambda:UpdateFunctionCode":              functionTarget,
	"lambda:UpdateFunctionConfiguration":     functionTarget,
	"lambda:InvokeFunction":                  functionTarget,
	"lambda:PutFunctionEventInvokeConfig":    functionTarget,
	"lambda:DeleteFunctionEventInvokeConfig": functionTarget,

	// Amazon EventBridge
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html):
	// the rule operations act on the rule,
	// arn:${Partition}:events:${Region}:${Account}:rule/[${EventBusName}/]${RuleName}
	// (the bus's name only for a bus other than "default"); the bus
	// operations on the bus (CreateEventBus, DeleteEventBus and
	// DescribeEventBus name it by Name, PutPermission and RemovePermission
	// by EventBusName; either is "default" when absent).
	"events:PutRule":           ruleTarget("Name"),
	"events:DeleteRule":        ruleTarget("Name"),
	"events:DescribeRule":      ruleTarget("Name"),
	"events:PutTargets":        ruleTarget("Rule"),
	"events:RemoveTargets":     ruleTarget("Rule"),
	"events:ListTargetsByRule": ruleTarget("Rule"),
	"events:CreateEventBus":    busTarget("Name"),
	"events:DeleteEventBus":    busTarget("Name"),
	"events:DescribeEventBus":  busTarget("Name"),
	"events:PutPermission":     busTarget("EventBusName"),
	"events:RemovePermission":  busTarget("EventBusName"),

	// AWS Lambda
	// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html):
	// CreateEventSourceMapping has no resource type (Resource "*") and the
	// condition key lambda:FunctionArn, the function the mapping invokes
	// (Lambda Developer Guide, "Fine-tuning the Resources and Conditions
	// sections of policies", event source mappings:
	// https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html).
	// Update and DeleteEventSourceMapping name the mapping by UUID only;
	// their lambda:FunctionArn would come from the stored mapping, so they
	// keep the name-only check. GetEventSourceMapping carries no condition
	// key at all (the guide's table: Resource "*", Condition None): its
	// target is the mapping the path names, with no context, so a
	// statement that grants it only under lambda:FunctionArn does not
	// allow it, as on AWS.
	"lambda:GetEventSourceMapping": func(c *Call) []target {
		uuid := c.Request.PathValue("uuid")
		if uuid == "" {
			uuid = path.Base(c.Request.URL.Path)
		}
		return one("arn:aws:lambda:"+c.Region+":"+c.Caller.Account+":event-source-mapping:"+uuid, nil)
	},
	"lambda:CreateEventSourceMapping": func(c *Call) []target {
		var in struct{ FunctionName string }
		_ = json.Unmarshal(c.Body, &in)
		ctx := map[string]string{}
		if fn := in.FunctionName; fn != "" {
			if !strings.HasPrefix(fn, "arn:") {
				fn = "arn:aws:lambda:" + c.Region + ":" + c.Caller.Account + ":function:" + fn
			}
			ctx["lambda:FunctionArn"] = fn
		}
		return []target{{"*", ctx}}
	},
}

// s3Scoped: every S3 action is scoped (Amazon S3, "Actions, resources,
// and condition keys for Amazon S3",
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html):
// bucket operations act on the bucket (arn:${Partition}:s3:::${BucketName}),
// object operations on the object (arn:${Partition}:s3:::${BucketName}/${ObjectName});
// DeleteObjects needs s3:DeleteObject on each key it names (S3 API
// Reference, DeleteObjects, Permissions).
func s3Targets(c *Call, action string) []target {
	bucket, key := s3.Resource(c.Request)
	if bucket == "" {
		return one("", nil)
	}
	if key != "" {
		return one("arn:aws:s3:::"+bucket+"/"+key, nil)
	}
	if action == "s3:DeleteObject" || action == "s3:DeleteObjectVersion" {
		var in struct {
			Object []struct{ Key string }
		}
		_ = xml.Unmarshal(c.Body, &in)
		var out []target
		for _, o := range in.Object {
			out = append(out, target{"arn:aws:s3:::" + bucket + "/" + o.Key, nil})
		}
		if len(out) > 0 {
			return out
		}
	}
	return one("arn:aws:s3:::"+bucket, nil)
}

// targets are the resources c's action is authorized on, or nil if the
// action has no entry in scopedActions (checked by name only).
func targets(c *Call, action string) []target {
	if c.Service == "s3" && strings.HasPrefix(action, "s3:") && c.Request != nil {
		return s3Targets(c, action)
	}
	if f := scopedActions[action]; f != nil {
		return f(c)
	}
	return nil
}

// allowedOn evaluates a caller given an identity policy on each resource
// its action targets (scopedActions); other callers and unscoped actions
// pass (they were checked by name). Denied, it answers as IAM words it:
// "User: … is not authorized to perform: ssm:PutParameter on resource: …
// because no identity-based policy allows the ssm:PutParameter action".
func (s *Server) allowedOn(c *Call, action string) error {
	if c.grant.Policy == nil || c.Caller.TaskPolicyARN != "" || alwaysAllowed[action] {
		return nil
	}
	for _, t := range targets(c, action) {
		if !policy.Allowed(c.grant.Policy, action, t.resource, t.ctx) {
			return errAccessDenied(c, action, "on resource: "+t.resource+" because no identity-based policy allows the "+action+" action")
		}
	}
	return nil
}

func one(resource string, ctx map[string]string) []target {
	if resource == "" {
		resource = "*"
	}
	return []target{{resource, ctx}}
}

// stackTarget is the stack a CloudFormation call names: its StackName as
// an ARN, or the caller's stack of that name in the Region signed for. A
// name does not carry the stack's ID; the ID is taken as unknown ("*"
// matches only a pattern ending in "/*" or a wildcard covering it, which is
// how policies scope stacks whose IDs they cannot know).
func stackTarget(c *Call) []target {
	name := c.Param("StackName")
	if name == "" {
		// DescribeChangeSet, ExecuteChangeSet and DeleteChangeSet may name
		// the change set by ARN alone; its stack is in the change set's
		// ARN's account and Region, but not its name: "*".
		return one("", nil)
	}
	if strings.HasPrefix(name, "arn:") {
		return one(name, nil)
	}
	return one("arn:aws:cloudformation:"+c.Region+":"+c.Caller.Account+":stack/"+name+"/*", nil)
}

// parameterTarget is the SSM parameter named by field: its ARN, or the
// caller's parameter in the Region signed for, without the name's leading
// slash.
func parameterTarget(field string) func(c *Call) []target {
	return func(c *Call) []target {
		name := jsonField(c, field)
		switch {
		case name == "":
			return one("", nil)
		case strings.HasPrefix(name, "arn:"):
			return one(name, nil)
		}
		return one("arn:aws:ssm:"+c.Region+":"+c.Caller.Account+":parameter/"+strings.TrimPrefix(name, "/"), nil)
	}
}

// queueByName is the queue CreateQueue or GetQueueUrl names, in the
// caller's account (or QueueOwnerAWSAccountId's) and the Region signed for.
func queueByName(c *Call) []target {
	name := jsonField(c, "QueueName")
	if name == "" {
		return one("", nil)
	}
	acct := jsonField(c, "QueueOwnerAWSAccountId")
	if acct == "" {
		acct = c.Caller.Account
	}
	return one("arn:aws:sqs:"+c.Region+":"+acct+":"+name, nil)
}

// queueByURL is the queue a QueueUrl (http(s)://host/<account>/<name>)
// names, in the Region signed for.
func queueByURL(c *Call) []target {
	u, err := url.Parse(jsonField(c, "QueueUrl"))
	if err != nil {
		return one("", nil)
	}
	acct, name, ok := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if !ok || acct == "" || name == "" || strings.Contains(name, "/") {
		return one("", nil)
	}
	return one("arn:aws:sqs:"+c.Region+":"+acct+":"+name, nil)
}

// jsonField is a top-level request parameter: a Query parameter, or a
// string member of a JSON body.
func jsonField(c *Call, name string) string {
	if v := c.Param(name); v != "" {
		return v
	}
	if len(c.Body) == 0 || c.Body[0] != '{' {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(c.Body, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[name], &s)
	return s
}

// roleTarget is the role a call's RoleName (and CreateRole's Path) names.
func roleTarget(c *Call) []target {
	name := c.Param("RoleName")
	if name == "" {
		return one("", nil)
	}
	path := c.Param("Path")
	if path == "" {
		path = "/"
	}
	return one("arn:aws:iam::"+c.Caller.Account+":role"+path+name, nil)
}

// logGroupTarget is the log group a call's logGroupName names.
func logGroupTarget(c *Call) []target {
	name := jsonField(c, "logGroupName")
	if name == "" {
		return one("", nil)
	}
	return one("arn:aws:logs:"+c.Region+":"+c.Caller.Account+":log-group:"+name, nil)
}

// trailTarget is the trail a call's Name (a name or the trail's ARN) names.
func trailTarget(c *Call) []target {
	name := jsonField(c, "Name")
	switch {
	case name == "":
		return one("", nil)
	case strings.HasPrefix(name, "arn:"):
		return one(name, nil)
	}
	return one("arn:aws:cloudtrail:"+c.Region+":"+c.Caller.Account+":trail/"+name, nil)
}

// scheduleTarget is the schedule of a Scheduler call's path
// (/schedules/{Name}) in its group (the body's GroupName, the query's
// groupName, or "default").
func scheduleTarget(c *Call) []target {
	if c.Request == nil {
		return one("", nil)
	}
	rest, ok := strings.CutPrefix(c.Request.URL.Path, "/schedules/")
	name, err := url.PathUnescape(rest)
	if !ok || err != nil || name == "" || strings.Contains(name, "/") {
		return one("", nil)
	}
	group := jsonField(c, "GroupName")
	if group == "" {
		group = c.Request.URL.Query().Get("groupName")
	}
	if group == "" {
		group = "default"
	}
	return one("arn:aws:scheduler:"+c.Region+":"+c.Caller.Account+":schedule/"+group+"/"+name, nil)
}

// functionTarget is the function a Lambda call names: CreateFunction's
// FunctionName, or the path's /functions/{name} (a name, a partial ARN
// "account:function:name" or an ARN), qualified by ?Qualifier=.
func functionTarget(c *Call) []target {
	var name string
	if c.Request != nil {
		if _, rest, ok := strings.Cut(c.Request.URL.Path, "/functions/"); ok {
			seg, _, _ := strings.Cut(rest, "/")
			name, _ = url.PathUnescape(seg)
		}
	}
	if name == "" {
		name = jsonField(c, "FunctionName")
	}
	if name == "" {
		return one("", nil)
	}
	if !strings.HasPrefix(name, "arn:") {
		acct := c.Caller.Account
		if a, fn, ok := strings.Cut(name, ":function:"); ok {
			acct, name = a, fn
		}
		name = "arn:aws:lambda:" + c.Region + ":" + acct + ":function:" + name
	}
	if c.Request != nil {
		if q := c.Request.URL.Query().Get("Qualifier"); q != "" && strings.Count(name, ":") == 6 {
			name += ":" + q
		}
	}
	return one(name, nil)
}

// busARN is the ARN of the event bus name (or ARN) names, "default" when
// empty.
func busARN(c *Call, name string) string {
	switch {
	case strings.HasPrefix(name, "arn:"):
		return name
	case name == "":
		name = "default"
	}
	return "arn:aws:events:" + c.Region + ":" + c.Caller.Account + ":event-bus/" + name
}

// busTarget is the event bus a call's field names.
func busTarget(field string) func(c *Call) []target {
	return func(c *Call) []target { return one(busARN(c, jsonField(c, field)), nil) }
}

// ruleTarget is the rule a call's field names on its EventBusName's bus.
func ruleTarget(field string) func(c *Call) []target {
	return func(c *Call) []target {
		name := jsonField(c, field)
		switch {
		case name == "":
			return one("", nil)
		case strings.HasPrefix(name, "arn:"):
			return one(name, nil)
		}
		bus := jsonField(c, "EventBusName")
		if strings.HasPrefix(bus, "arn:") {
			_, bus, _ = strings.Cut(bus, ":event-bus/")
		}
		if bus != "" && bus != "default" {
			name = bus + "/" + name
		}
		return one("arn:aws:events:"+c.Region+":"+c.Caller.Account+":rule/"+name, nil)
	}
}
