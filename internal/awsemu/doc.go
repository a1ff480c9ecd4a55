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
// configs, SQS message-move tasks, EventBridge Scheduler schedules (fired
// on the emulator's clock or at once with FireSchedule), SNS topics and
// subscriptions (e-mail ones stay pending confirmation; nothing is
// published), CloudFormation
// (change sets, rollback, intrinsics) and service-managed StackSets with
// automatic deployment.
// Functions really run: a provided.al2023 zip's bootstrap is executed on
// this host against a per-function Runtime API (LambdaRuntimeAPI), with the
// execution role's credentials and its output in /aws/lambda/<name>.
//
// Known limits: the data plane kumo serves (SQS, SSM, S3, Lambda storage) is
// one account (000000000000) shared by the whole process. For SQS the front
// scopes each queue to the account that created it, as SQS does (package
// sqs): another account does not find it by name or in ListQueues, reaches
// it only by naming its owner, and sees URLs and ARNs in the owner's
// account; but two accounts cannot have queues of one name (CreateQueue of
// a name another account owns is refused, saying so), queue policies are
// not evaluated, and the emulator's own consumers (event-source mappings,
// EventBridge targets, move tasks, Scheduler's dead-letter queues) reach
// kumo's queue of a name whatever account an ARN names. kumo answers SQS in the
// JSON protocol only: the front translates the Query protocol (the aws CLI
// 2.9's) to it and back (package sqs); SigV4 signatures
// are not verified, only access key IDs; IAM policies are not evaluated
// beyond per-user allow lists (AddUser's actions, or the Allow statements'
// actions of AddPolicyUser's documents) and AssumeRoot task policies, which
// are checked against the IAM actions a call needs — for S3's REST calls
// those S3 documents per operation (package s3), for the other services the
// action of the operation's name. For an AddPolicyUser's statements two
// kinds of action are also evaluated against their resources and
// conditions, with the String/Arn condition operators (internal/policy):
// iam:PassRole (passrole.go): a call that gives a service a role
// (lambda:CreateFunction's Role, a rule target's, a schedule's or a trail's
// role, a stack's service role), also made by CloudFormation as the caller,
// needs iam:PassRole on that role's ARN with iam:PassedToService the
// receiving service; and the actions of scopedActions (resources.go), whose
// resource ARNs and condition keys are derived from the request as the
// Service Authorization Reference defines them: sts:AssumeRole and
// sts:AssumeRoot (sts:TaskPolicyArn), CloudFormation's stack operations,
// every S3 action (bucket or object), SSM's parameter operations, SQS's
// queue operations, events:PutEvents (events:source, events:detail-type),
// lambda:CreateEventSourceMapping (lambda:FunctionArn), Lambda's function
// operations, IAM's role operations, CloudWatch Logs' log groups,
// CloudTrail's trails, SNS's topics, Scheduler's schedules and
// EventBridge's rules and buses. Every other
// action is checked by its name only: a statement's Resource and Condition
// prove nothing for it.
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
// records every call with its caller, key parameters and the IAM actions
// it needed (CallRecord.IAMActions). S3 calls are named by their operation
// (GetObject, ListObjectsV2, PutBucketPolicy).
//
// Every service the front answers is a package of its own that registers
// its handlers through emu.Host, explicitly (no init()): iam, sts and
// organizations in Server.register (server.go), the others (sns,
// securityhub, cloudwatch, cloudtrail, logs, sqsmove, events, lambda,
// cloudformation, regionopt, scheduler) in registerServices
// (services.go). S3 and SQS, which kumo serves, are the front's on the
// way there: s3.Actions and s3.Buckets in authorize, sqs.Front for every
// JSON and Query SQS call. sqsage is no service: a ledger the SQS metrics
// read.
//
// # Package layout
//
// awsemu holds the Server, the front (authentication, authorization, fault
// injection, the call log, forwarding to kumo), the public seeding API
// (accounts.go, scenario.go, services_seed.go) and the links between
// services (services.go). The rest are packages under it:
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
//     Call a handler answers (awsemu's Call embeds it and is its Replier:
//     Result, ResultStatus for REST-JSON, Respond for a raw answer, Forward
//     to hand the call to kumo), Handler, Host (Handle, HandleREST, Now)
//     for registration, JSONAction and JSONHandler for JSON-protocol
//     operations, DecodeJSON, Error (APIError is an alias) with NewError
//     and BadRequest, Principal (aliased here), Scope (an account in a
//     region), ParseARN, WildcardMatch and PageByName.
//   - internal/directory: the model of who is who — accounts, their root
//     user, IAM users and roles with their credentials and credential
//     report state, the access keys and sessions the front accepts
//     (Authenticate, Session), and the organization — under one mutex
//     (Locked runs a handler holding it). awsemu's Account, User and
//     Organization wrap its types for seeding; AccessKey, MFAKind and
//     CredentialReportBehavior are aliases of its.
//   - iam: IAM from the directory — the root user's surface in every
//     account (account summary, credential report, access keys and their
//     last use, MFA devices, login profile, signing certificates), users,
//     roles and their inline policies, and centralized root access
//     (ListOrganizationsFeatures, EnableOrganizationsRoot…).
//   - sts: STS from the directory — GetCallerIdentity, AssumeRole and
//     AssumeRoot; the root-task policies (TaskPolicyActions), which the
//     front's authorize (authorize.go) enforces on AssumeRoot sessions.
//   - organizations: AWS Organizations from the directory — the
//     organization, accounts, roots, OUs, trusted access and delegated
//     administrators.
//   - s3: S3 as the front sees it on the way to kumo — the operation a
//     path-style REST request is and the IAM actions it needs (Operation,
//     Actions: ListObjectsV2 is s3:ListBucket, HeadObject s3:GetObject, a
//     versionId turns GetObject into s3:GetObjectVersion; from S3's
//     "Required permissions for Amazon S3 API operations"), and Buckets:
//     the owner of each bucket made through the front and the bucket
//     policies that deny every principal, enforced as S3 does for the
//     S3UnlockBucketPolicy root task.
//   - internal/emutest: a Host and a Replier that drive a service package's
//     handlers without the Server, for the packages' own tests.
//   - sns: SNS topics and subscriptions.
//   - securityhub: Security Hub — EnableSecurityHub, DescribeHub,
//     DisableSecurityHub, BatchImportFindings into the caller's default
//     product (updated in place by Id and ProductArn, with the documented
//     workflow resets) and GetFindings with string filters.
//   - cloudwatch: CloudWatch metric alarms; AddAlarm seeds them through
//     Alarms.PutMetricAlarm and Alarms.SetState. GetMetricData and
//     GetMetricStatistics of the AWS/SQS namespace are answered from
//     kumo's queues (sqs.Metrics), other namespaces go to kumo.
//   - sqs: SQS as the front serves it from kumo (Front, which the front
//     hands every JSON and Query SQS call): each queue scoped to the
//     account that created it, queue URLs and ARNs translated between the
//     owner's account and kumo's, the Query protocol
//     translated to kumo's JSON and back, and Metrics, the AWS/SQS metrics
//     CloudWatch answers from kumo's queues. It reaches kumo through
//     emu.Call.RoundTrip.
//   - sqsage: the age of the messages the emulator's own SQS consumers
//     (event-source mappings, move tasks) received and did not delete, for
//     ApproximateAgeOfOldestMessage; an SDK middleware on their clients.
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
//     implements on the Server (eventLinks): background work (Lambda's
//     group, which Close cancels and waits for), sending to kumo's queues
//     and Lambda's asynchronous invocation, an account's organization ID
//     (aws:PrincipalOrgID) and a role's trust policy (targets in another
//     Region). EmitServiceEvent emits through Events.Emit, and AddRule
//     seeds through Events.PutRule and Events.PutTargets.
//   - lambda: Lambda's control plane kumo lacks — event-source mappings and
//     their SQS pollers, event-invoke configs (retries, destinations) — and
//     the executor that runs provided.al2023 bootstraps against a Runtime
//     API of their own; function calls it does not model are forwarded to
//     kumo (emu.Call.Forward). What it reaches beyond itself is
//     lambda.Links (services.go's lambdaLinks): the front's endpoint, role
//     sessions for functions, Logs.AppendLog for their output and
//     Events.Put for destination events. LambdaRuntimeAPI hands a function
//     to a test's handler through Functions.RuntimeAPI.
//   - cloudformation: CloudFormation — stacks through change sets (create,
//     update, delete, rollback), stack events and resources, GetTemplate,
//     ValidateTemplate, JSON and YAML templates with their intrinsics and
//     Conditions, and service-managed StackSets with automatic deployment. Resources are
//     provisioned through the front's own APIs with SDK clients signed as
//     the caller. What it reaches beyond itself is cloudformation.Links
//     (services.go's cfnLinks): a session of the caller with the caller's
//     allow list and policy (CallerConfig, which finds the front's Call in the
//     request's context), a role session for a stack set's target account
//     (Config), and the organization, read under the model's lock
//     (Organization, through cloudformation.Org). The directory's moves
//     (directory.Directory.Moved) call Server.accountMoved, which hands
//     them to CloudFormation.AccountMoved for automatic deployment.
//   - scheduler: EventBridge Scheduler — schedules and schedule groups over
//     its restJson1 API, rate/cron/at expressions with time zones, start
//     and end dates, and firing on the emulator's clock to Lambda
//     (asynchronous invocation) and SQS targets as the execution role may
//     (trust of scheduler.amazonaws.com, inline policies), with retries and
//     the dead-letter queue. What it reaches beyond itself is
//     scheduler.Links (services_scheduler.go's schedulerLinks): roles and
//     Lambda's asynchronous invocation. Server.FireSchedule(ctx, accountID,
//     region, group, name) fires one schedule now and returns its
//     invocation's outcome (a *scheduler.InvocationError on failure), for
//     tests and `rootguard demo`.
//
// The service packages are registered on every Server in services.go, which
// keeps each Server's models (services) and implements the links between
// services; the seeding helpers (AddAlarm, AddLogGroup, AddMetricFilter,
// AddTrail, AddRule, the Regions) and EmitServiceEvent go through those
// models in services_seed.go. Their wire-level tests
// (iam_test.go, sts_test.go, front_test.go, s3_test.go, protocols_test.go,
// sqs_metrics_test.go, sns_test.go,
// cloudwatch_alarms_test.go, cloudtrail_test.go,
// logs_*_test.go, sqs_move_test.go, eventbridge_role_test.go,
// pipeline_test.go, esm_test.go, lambda_exec_test.go, cfn_*_test.go) stay
// here, since they run the whole front through the SDK.
package awsemu

// Measured after IAM, STS, Organizations, S3 and SQS moved out (non-test
// files, lines; find internal/awsemu -name '*.go' ! -name '*_test.go'):
// awsemu 13 (2,143; it was 30 and 4,411 before), cloudformation 11
// (3,655), internal/emu 9, iam 8, lambda 8, scheduler 7,
// internal/directory 5, wire 5, events 4, sqs 4, cloudwatch 3, logs 3,
// securityhub 3, s3 2, sts 2, the other packages 1 each; 99 files, 19,089
// lines in all (with the scheduler and Security Hub, which came
// meanwhile). No package is past ~15 files; no init().
//
// Phase 2 of the split: each service's handlers move into a package of its
// own, leaving awsemu with the Server and the front. sns, cloudwatch
// (alarms), cloudtrail, logs, sqsmove, events (EventBridge), lambda,
// cloudformation, iam, sts, organizations, s3 and sqs have moved, onto
// internal/emu; the model IAM, STS and Organizations share is
// internal/directory. The IAM inline role policies CloudFormation's roles
// use are IAM's (iam/rolepolicy.go).
//
// The template engine in cloudformation/model.go (parse, dependency order,
// intrinsics) could become its own package, once resources are reached
// through an interface rather than *cfnResource.
