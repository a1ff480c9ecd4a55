package awsemu_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/rootguard/rootguard/internal/awsemu"
	awsscheduler "github.com/rootguard/rootguard/internal/awsemu/scheduler"
)

// schedulerStack is a schedule group with two schedules of one function:
// Run's role may invoke it, Denied's may only send to the dead-letter
// queue.
const schedulerStack = `{
  "Parameters": {"FunctionArn": {"Type": "String"}, "Suffix": {"Type": "String"}},
  "Resources": {
    "DLQ": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "sched-dlq-${Suffix}"}}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {
      "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]},
      "Policies": [{"PolicyName": "invoke", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [{"Ref": "FunctionArn"}, {"Fn::Sub": "${FunctionArn}:*"}]},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["DLQ", "Arn"]}}]}}]}},
    "WeakRole": {"Type": "AWS::IAM::Role", "Properties": {
      "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
      "Policies": [{"PolicyName": "dlq", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": ["DLQ", "Arn"]}}]}}]}},
    "Group": {"Type": "AWS::Scheduler::ScheduleGroup", "Properties": {"Name": {"Fn::Sub": "posture-${Suffix}"}}},
    "Run": {"Type": "AWS::Scheduler::Schedule", "Properties": {
      "GroupName": {"Ref": "Group"}, "Description": "posture run", "ScheduleExpression": "rate(1 day)",
      "FlexibleTimeWindow": {"Mode": "OFF"},
      "Target": {"Arn": {"Ref": "FunctionArn"}, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}, "Input": "{\"source\":\"schedule\"}",
        "RetryPolicy": {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0}, "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DLQ", "Arn"]}}}}},
    "Denied": {"Type": "AWS::Scheduler::Schedule", "Properties": {
      "Name": "denied", "GroupName": {"Ref": "Group"}, "ScheduleExpression": "cron(0 6 * * ? *)", "ScheduleExpressionTimezone": "Europe/Paris",
      "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
      "Target": {"Arn": {"Ref": "FunctionArn"}, "RoleArn": {"Fn::GetAtt": ["WeakRole", "Arn"]}, "Input": "{\"source\":\"denied\"}",
        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["DLQ", "Arn"]}}}}}
  },
  "Outputs": {"RunName": {"Value": {"Ref": "Run"}}, "RunArn": {"Value": {"Fn::GetAtt": ["Run", "Arn"]}},
    "GroupName": {"Value": {"Ref": "Group"}}, "GroupArn": {"Value": {"Fn::GetAtt": ["Group", "Arn"]}}}
}`

// TestSchedulerStackFiresLambdaAndDeadLettersWhatItsRoleMayNotInvoke: a
// stack's schedule invokes its function with the target's Input through
// FireSchedule; a schedule whose role lacks lambda:InvokeFunction sends the
// dead-letter event (the Input, with AWS's attributes) to its queue; the
// stack's deletion deletes the schedules.
func TestSchedulerStackFiresLambdaAndDeadLettersWhatItsRoleMayNotInvoke(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	url, got := receiver(t)
	fnArn := startFunction(t, emu, lambda.NewFromConfig(cfg), "auditor-sched", url)
	cfn := cloudformation.NewFromConfig(cfg)
	if _, err := cfn.ValidateTemplate(ctx, &cloudformation.ValidateTemplateInput{TemplateBody: aws.String(schedulerStack)}); err != nil {
		t.Fatalf("ValidateTemplate: %v", err)
	}
	stack := aws.String("posture-sched")
	params := []cfntypes.Parameter{
		{ParameterKey: aws.String("FunctionArn"), ParameterValue: aws.String(fnArn)},
		{ParameterKey: aws.String("Suffix"), ParameterValue: aws.String("fire")},
	}
	if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: stack, ChangeSetName: aws.String("create"),
		ChangeSetType: cfntypes.ChangeSetTypeCreate, TemplateBody: aws.String(schedulerStack), Parameters: params,
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: stack, ChangeSetName: aws.String("create")}); err != nil {
		t.Fatal(err)
	}
	created := cloudformation.NewStackCreateCompleteWaiter(cfn, func(o *cloudformation.StackCreateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	out, err := created.WaitForOutput(ctx, &cloudformation.DescribeStacksInput{StackName: stack}, 30*time.Second)
	if err != nil {
		t.Fatalf("stack: %v", err)
	}
	outputs := map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	group, run := outputs["GroupName"], outputs["RunName"]
	if group != "posture-fire" || !strings.HasPrefix(run, "posture-sched-run-") || len(run) > 64 ||
		outputs["RunArn"] != "arn:aws:scheduler:us-east-1:111122223333:schedule/posture-fire/"+run ||
		outputs["GroupArn"] != "arn:aws:scheduler:us-east-1:111122223333:schedule-group/posture-fire" {
		t.Fatalf("outputs %v", outputs)
	}
	sc := scheduler.NewFromConfig(cfg)
	denied, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("denied"), GroupName: &group})
	if err != nil || aws.ToInt32(denied.FlexibleTimeWindow.MaximumWindowInMinutes) != 15 || aws.ToString(denied.ScheduleExpressionTimezone) != "Europe/Paris" {
		t.Fatalf("denied schedule %+v, %v", denied, err)
	}

	if err := emu.FireSchedule(ctx, "111122223333", "us-east-1", group, run); err != nil {
		t.Fatalf("FireSchedule(run): %v", err)
	}
	if body := waitFor(t, got, 30*time.Second); string(body) != `{"source":"schedule"}` {
		t.Errorf("the function received %s, want the target's Input", body)
	}

	err = emu.FireSchedule(ctx, "111122223333", "us-east-1", group, "denied")
	var failed *awsscheduler.InvocationError
	if !errors.As(err, &failed) || failed.Code != "AccessDeniedException" || !failed.DeadLettered || !strings.Contains(failed.Message, "lambda:InvokeFunction") {
		t.Fatalf("FireSchedule(denied) = %v, want AccessDeniedException sent to the dead-letter queue", err)
	}
	sqsc := sqs.NewFromConfig(cfg)
	q, err := sqsc.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("sched-dlq-fire")})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MessageAttributeNames: []string{"All"}, WaitTimeSeconds: 5})
	if err != nil || len(msgs.Messages) != 1 {
		t.Fatalf("dead-letter queue: %+v, %v", msgs, err)
	}
	m := msgs.Messages[0]
	attr := func(k string) string { return aws.ToString(m.MessageAttributes[k].StringValue) }
	if aws.ToString(m.Body) != `{"source":"denied"}` || attr("ERROR_CODE") != "AccessDeniedException" || attr("RETRY_ATTEMPTS") != "0" ||
		attr("SCHEDULE_ARN") != "arn:aws:scheduler:us-east-1:111122223333:schedule/posture-fire/denied" || attr("TARGET_ARN") != fnArn ||
		attr("EXECUTION_ID") == "" || attr("SCHEDULED_TIME") == "" || attr("IS_PAYLOAD_TRUNCATED") != "false" {
		t.Errorf("dead-letter event %s %v", aws.ToString(m.Body), m.MessageAttributes)
	}
	if _, ok := m.MessageAttributes["EXHAUSTED_RETRY_CONDITION"]; ok {
		t.Error("EXHAUSTED_RETRY_CONDITION set for an error no retry could fix")
	}

	// An update in place: the same schedule, now DISABLED.
	disabled := strings.Replace(schedulerStack, `"ScheduleExpression": "rate(1 day)",`, `"ScheduleExpression": "rate(1 day)", "State": "DISABLED",`, 1)
	if _, err := cfn.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: stack, ChangeSetName: aws.String("disable"),
		ChangeSetType: cfntypes.ChangeSetTypeUpdate, TemplateBody: aws.String(disabled), Parameters: params,
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cfn.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{StackName: stack, ChangeSetName: aws.String("disable")}); err != nil {
		t.Fatal(err)
	}
	updated := cloudformation.NewStackUpdateCompleteWaiter(cfn, func(o *cloudformation.StackUpdateCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := updated.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: stack}, 30*time.Second); err != nil {
		t.Fatalf("update: %v", err)
	}
	now, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: &run, GroupName: &group})
	if err != nil || now.State != schedtypes.ScheduleStateDisabled || aws.ToString(now.Description) != "posture run" {
		t.Errorf("after the update: %+v, %v", now, err)
	}
	if err := emu.FireSchedule(ctx, "111122223333", "us-east-1", group, run); err == nil || !strings.Contains(err.Error(), "DISABLED") {
		t.Errorf("FireSchedule of the disabled schedule: %v", err)
	}

	if _, err := cfn.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: stack}); err != nil {
		t.Fatal(err)
	}
	deleted := cloudformation.NewStackDeleteCompleteWaiter(cfn, func(o *cloudformation.StackDeleteCompleteWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := deleted.Wait(ctx, &cloudformation.DescribeStacksInput{StackName: stack}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: &run, GroupName: &group}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("schedule after the stack's deletion: %v, want ResourceNotFoundException", err)
	}
}

// TestSchedulerClockFiresAtOnceAndNeverADisabledSchedule: on the
// emulator's clock an at() schedule fires once, and a DISABLED rate
// schedule, due many times over, never does — shown by a later at()
// schedule's invocation arriving with nothing from the other two before it.
func TestSchedulerClockFiresAtOnceAndNeverADisabledSchedule(t *testing.T) {
	var offset atomic.Int64
	emu, err := awsemu.New(awsemu.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	cfg := emu.Config(emu.AddAccount("111122223333", "hub").AddUser("deployer").AddAccessKey(awsemu.AccessKey{}))
	ctx := t.Context()
	url, got := receiver(t)
	fnArn := startFunction(t, emu, lambda.NewFromConfig(cfg), "clocked", url)

	ic := iam.NewFromConfig(cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sched"), AssumeRolePolicyDocument: &trust})
	if err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"` + fnArn + `"}]}`
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("sched"), PolicyName: aws.String("invoke"), PolicyDocument: &policy}); err != nil {
		t.Fatal(err)
	}

	sc := scheduler.NewFromConfig(cfg)
	start := time.Now().UTC()
	create := func(name, expr, input string, state schedtypes.ScheduleState) {
		t.Helper()
		in := scheduleFor(name, "", expr, fnArn, aws.ToString(role.Role.Arn))
		in.Target.Input, in.State = aws.String(input), state
		if _, err := sc.CreateSchedule(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	at := func(d time.Duration) string { return "at(" + start.Add(d).Format("2006-01-02T15:04:05") + ")" }
	create("once", at(time.Hour), `{"id":"once"}`, "")
	create("off", "rate(1 minute)", `{"id":"off"}`, schedtypes.ScheduleStateDisabled)

	offset.Store(int64(2 * time.Hour))
	if body := waitFor(t, got, 30*time.Second); string(body) != `{"id":"once"}` {
		t.Fatalf("first invocation %s, want once's", body)
	}

	create("marker", at(5*time.Hour), `{"id":"marker"}`, "")
	offset.Store(int64(6 * time.Hour))
	if body := waitFor(t, got, 30*time.Second); string(body) != `{"id":"marker"}` {
		t.Fatalf("after the marker's time the function received %s first, want only the marker's", body)
	}
	onceNow, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("once")})
	if err != nil || onceNow.State != schedtypes.ScheduleStateEnabled {
		t.Errorf("a completed at() schedule with ActionAfterCompletion NONE stays: %+v, %v", onceNow, err)
	}
	if err := emu.FireSchedule(ctx, "111122223333", "us-east-1", "", "off"); err == nil {
		t.Error("FireSchedule of a DISABLED schedule succeeded")
	}
}

// TestSchedulerSendsToAQueueTarget: an SQS target receives the Input as
// the message body when the role may send to the queue.
func TestSchedulerSendsToAQueueTarget(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	sqsc := sqs.NewFromConfig(cfg)
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("sched-target")})
	if err != nil {
		t.Fatal(err)
	}
	ic := iam.NewFromConfig(cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["scheduler.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("to-queue"), AssumeRolePolicyDocument: &trust}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":"arn:aws:sqs:us-east-1:111122223333:sched-*"}]}`
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("to-queue"), PolicyName: aws.String("send"), PolicyDocument: &policy}); err != nil {
		t.Fatal(err)
	}
	in := scheduleFor("to-queue", "", "rate(7 days)", "arn:aws:sqs:us-east-1:111122223333:sched-target", "arn:aws:iam::111122223333:role/to-queue")
	in.Target.Input = aws.String("weekly")
	if _, err := scheduler.NewFromConfig(cfg).CreateSchedule(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := emu.FireSchedule(ctx, "111122223333", "us-east-1", "", "to-queue"); err != nil {
		t.Fatalf("FireSchedule: %v", err)
	}
	msgs, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 5})
	if err != nil || len(msgs.Messages) != 1 || aws.ToString(msgs.Messages[0].Body) != "weekly" {
		t.Errorf("queue received %+v, %v; want the Input", msgs, err)
	}
}
