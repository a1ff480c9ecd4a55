// Package awsemu is rootguard's local multi-account AWS: an HTTP front on
// 127.0.0.1 that unmodified aws-sdk-go-v2 clients talk to. The front models
// what rootguard needs and kumo lacks — identities per access key, STS
// (GetCallerIdentity, AssumeRole, AssumeRoot with task policies), AWS
// Organizations, and the IAM root-user surface of every account (account
// summary, credential report, access keys, MFA devices, login profile,
// signing certificates, centralized root access) — answering in AWS's wire
// formats and error shapes. Everything else is reverse-proxied to the
// process-wide kumo (github.com/sivchari/kumo), started lazily and shared.
//
// The alert pipeline's control plane is modelled per account and region in
// the front too: EventBridge (rules, targets, TestEventPattern, custom buses
// with resource policies, delivery to SQS, Lambda and other accounts' and
// Regions' buses — the latter only through a role EventBridge may assume;
// PutEvents refuses aws.* sources, and EmitServiceEvent stands in for
// CloudTrail), CloudTrail (trails, status, event selectors), CloudWatch Logs
// (groups, streams, events, metric filters, TestMetricFilter), CloudWatch
// alarms (RPC-v2 CBOR), Lambda event-source mappings and event-invoke
// configs, SQS message-move tasks, SNS topics and subscriptions (e-mail
// ones stay pending confirmation; nothing is published), CloudFormation
// (change sets, rollback, intrinsics) and service-managed StackSets with
// automatic deployment.
// Functions really run: a provided.al2023 zip's bootstrap is executed on
// this host against a per-function Runtime API (LambdaRuntimeAPI), with the
// execution role's credentials and its output in /aws/lambda/<name>.
//
// Known limits: the data plane kumo serves (SQS, SSM, S3, Lambda storage) is
// one account (000000000000) shared by the whole process; SigV4 signatures
// are not verified, only access key IDs; IAM policies are not evaluated
// beyond per-user allow lists (AddUser's actions) and AssumeRoot task
// policies.
//
// Typical use in a test:
//
//	emu, err := awsemu.New()
//	defer emu.Close()
//	org := emu.CreateOrganization("111111111111")
//	member := emu.AddAccount("222222222222", "workload")
//	org.AddAccount(member, org.RootID())
//	rootKey := member.Root().AddAccessKey(awsemu.AccessKey{LastUsed: t0, LastUsedService: "s3"})
//	admin := emu.Account("111111111111").AddUser("admin").AddAccessKey(awsemu.AccessKey{})
//	iamClient := iam.NewFromConfig(emu.Config(admin))
//
// Scenarios (LoadScenario, SampleScenario) seed the same model from JSON.
// Fault injection (InjectFault) adds latency, throttling, 5xx, AccessDenied
// or hangs per service, action and account; the call log (Calls, CallsTo)
// records every call with its caller and key parameters.
//
// Other files of this package add services through the extension point
// described in front.go; service packages (sns, cloudwatch, cloudtrail,
// logs, sqsmove, events) through emu.Host, registered in services.go.
//
// # Package layout
//
// awsemu holds the Server, its account and organization model, the front
// and most per-service handlers. The pieces that need none of the Server's
// state are packages under it, each with its own tests:
//
//   - wire: the AWS wire protocols — parsing a request's protocol, SigV4
//     scope and action (ParseRequest, RESTOperation) and writing results and
//     errors as Query XML, awsJson/REST-JSON or RPC v2 CBOR.
//   - calllog: the call log's records (CallRecord is an alias of
//     calllog.Record), their rendering and the key parameters logged.
//   - eventpattern: EventBridge event patterns (PutRule, TestEventPattern,
//     event routing).
//   - filterpattern: CloudWatch Logs filter patterns (metric filters,
//     TestMetricFilter, FilterLogEvents).
//   - internal/emu: the API between the front and service packages — the
//     Call a handler answers (awsemu's Call embeds it and is its Replier),
//     Handler, Host (Handle, Now) for registration, JSONAction and
//     JSONHandler for JSON-protocol operations, DecodeJSON, Error (APIError
//     is an alias) with NewError and BadRequest, Principal (aliased here),
//     Scope (an account in a region), ParseARN and PageByName.
//   - sns: SNS topics and subscriptions.
//   - cloudwatch: CloudWatch metric alarms; AddAlarm seeds them through
//     Alarms.PutMetricAlarm and Alarms.SetState.
//   - cloudtrail: CloudTrail trails, status and event selectors; AddTrail
//     seeds them through Trails.Add.
//   - logs: CloudWatch Logs groups, metric filters, streams and events;
//     AddLogGroup and AddMetricFilter seed them through Logs.CreateLogGroup
//     and Logs.PutMetricFilter, and functions' output is written through
//     Logs.AppendLog.
//   - sqsmove: SQS message move tasks (dead-letter queue redrive), run on
//     kumo's queues through its own narrow SQS interface (sqsmove.API),
//     until the Server closes.
//   - events: EventBridge — rules, targets, TestEventPattern, custom buses
//     and their policies, PutEvents and delivery. What it reaches beyond
//     itself is its own interface, events.Links, which services.go
//     implements on the Server (eventLinks): background work (the
//     pipeline's, which Close cancels and waits for), sending to kumo's
//     queues and Lambda's asynchronous invocation (the pipeline's), an
//     account's organization ID (aws:PrincipalOrgID) and a role's trust
//     policy (targets in another Region). EmitServiceEvent emits through
//     Events.Emit, Lambda's destination events go through Events.Put, and
//     AddRule seeds through Events.PutRule and Events.PutTargets.
//
// The service packages are registered on every Server in services.go, which
// keeps each Server's models (services) for the seeding helpers, the
// functions' output and the events other services put; their wire-level
// tests (sns_test.go, cloudwatch_alarms_test.go, cloudtrail_test.go,
// logs_*_test.go, sqs_move_test.go, eventbridge_role_test.go,
// pipeline_test.go) stay here, since they run the whole front through the
// SDK.
package awsemu

// Phase 2 of the split (started): move each service's handlers into its own
// package (events, cloudtrail, logs, cloudwatch, lambda, cloudformation, …),
// leaving awsemu with the Server, the front and the IAM/STS/Organizations
// model. sns, cloudwatch (alarms), cloudtrail, logs, sqsmove and events
// (EventBridge) have moved, onto internal/emu: the call, Host registration, JSON actions, errors, the
// principal, Scope, ARN parsing and the clock (Host.Now). The rest of the
// shared API grows with the service that first needs it:
//
//   - registration: HandleREST(service, pattern) and HandlePath(prefix) on
//     Host, for lambda; the pipeline's remaining jsonActions (caller, body)
//     become emu.JSONAction, and caller/regionKey become emu.Scope;
//   - errors: AccessDenied in the request's protocol and throttling, once a
//     moved service raises them (fault injection stays in the front);
//   - accounts and principals, read-only: does an account exist or is it
//     suspended, the organization's ID, members and OU tree (StackSets),
//     roles and their trust (CloudFormation's IAM resources) — an interface
//     on Host. events needed only the organization ID and a role's trust
//     policy and declares them in events.Links; a second user of either
//     moves them onto Host;
//   - a background-work group that Close cancels and waits for (deliveries,
//     pollers), and the kumo data-plane clients — today's pipeline, which
//     events reaches through Links.Go and Links.SendToQueue;
//     sqsmove gets a context the Server's close cancels (its tasks are not
//     waited for, as before) and an SQS client to kumo from services.go;
//   - narrow interfaces between services where one drives another:
//     EventBridge → Lambda invoke and SQS delivery are events.Links;
//     EmitServiceEvent calls events.Events.Emit; Lambda → EventBridge
//     (destination events, lambda_invoke.go calls events.Events.Put) and
//     Lambda → Logs (lambda_exec.go calls logs.Logs.AppendLog): a moved
//     lambda declares those methods as interfaces of its own, and
//     implements Links.InvokeAsync; CloudFormation → the resources it
//     provisions;
//   - ARN parsing: emu.ParseARN (cloudtrail, sqsmove, events);
//     pipeline_arn.go's parseArn wraps it until lambda moves;
//   - IAM wildcard matching: emu.WildcardMatch (task policies, events'
//     trust-policy ArnLike);
//
// Order: the leaf services and events have moved; lambda next (its
// invoke-config and event-source-mapping models first), CloudFormation
// last; the template engine in
// cfn_model.go (parse, dependency order, intrinsics) could become its own
// package at that point, once resources are reached through an interface
// rather than *cfnResource.
