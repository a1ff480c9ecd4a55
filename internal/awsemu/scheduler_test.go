package awsemu_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/smithy-go"

	"github.com/rootguard/rootguard/internal/awsemu"
)

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func scheduleFor(name, group, expr, target, role string) *scheduler.CreateScheduleInput {
	in := &scheduler.CreateScheduleInput{
		Name: aws.String(name), ScheduleExpression: aws.String(expr),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff},
		Target:             &schedtypes.Target{Arn: aws.String(target), RoleArn: aws.String(role)},
	}
	if group != "" {
		in.GroupName = aws.String(group)
	}
	return in
}

// TestSchedulerAPIThroughTheSDK drives every modelled operation with the
// unmodified SDK client: groups, schedules, AWS's errors, filters and
// pagination, and the IAM action each call needs.
func TestSchedulerAPIThroughTheSDK(t *testing.T) {
	emu, cfg := newHub(t)
	sc := scheduler.NewFromConfig(cfg)
	ctx := t.Context()
	const role = "arn:aws:iam::111122223333:role/scheduler-exec"
	const fn = "arn:aws:lambda:us-east-1:111122223333:function:auditor"

	group, err := sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("posture"),
		Tags: []schedtypes.Tag{{Key: aws.String("team"), Value: aws.String("sec")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(group.ScheduleGroupArn); got != "arn:aws:scheduler:us-east-1:111122223333:schedule-group/posture" {
		t.Errorf("group ARN %s", got)
	}
	if _, err := sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String("posture")}); apiCode(err) != "ConflictException" {
		t.Errorf("second group posture: %v, want ConflictException", err)
	}
	tags, err := sc.ListTagsForResource(ctx, &scheduler.ListTagsForResourceInput{ResourceArn: group.ScheduleGroupArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "sec" {
		t.Errorf("group tags %+v, %v", tags, err)
	}

	in := scheduleFor("daily", "posture", "cron(0 6 * * ? *)", fn, role)
	in.ScheduleExpressionTimezone = aws.String("Europe/Paris")
	in.Target.Input = aws.String(`{"run":"scheduled"}`)
	in.Target.RetryPolicy = &schedtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(0)}
	in.ClientToken = aws.String("first-request")
	out, err := sc.CreateSchedule(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := sc.CreateSchedule(ctx, in); err != nil || aws.ToString(again.ScheduleArn) != aws.ToString(out.ScheduleArn) {
		t.Errorf("the same request again (same ClientToken): %v, %v; want the first answer", again, err)
	}
	if got := aws.ToString(out.ScheduleArn); got != "arn:aws:scheduler:us-east-1:111122223333:schedule/posture/daily" {
		t.Errorf("schedule ARN %s", got)
	}
	in.ClientToken = aws.String("another-request")
	if _, err := sc.CreateSchedule(ctx, in); apiCode(err) != "ConflictException" {
		t.Errorf("second schedule daily: %v, want ConflictException", err)
	}

	got, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("daily"), GroupName: aws.String("posture")})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != schedtypes.ScheduleStateEnabled || aws.ToString(got.ScheduleExpressionTimezone) != "Europe/Paris" ||
		aws.ToString(got.Target.Input) != `{"run":"scheduled"}` || aws.ToInt32(got.Target.RetryPolicy.MaximumRetryAttempts) != 0 ||
		aws.ToInt32(got.Target.RetryPolicy.MaximumEventAgeInSeconds) != 86400 || got.CreationDate == nil {
		t.Errorf("GetSchedule = %+v (retry %+v)", got, got.Target.RetryPolicy)
	}
	if _, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("daily")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("daily in the default group: %v, want ResourceNotFoundException", err)
	}

	for name, bad := range map[string]*scheduler.CreateScheduleInput{
		"bad expression": scheduleFor("x", "", "rate(0 minutes)", fn, role),
		"bad cron":       scheduleFor("x", "", "cron(0 6 * * * *)", fn, role),
		"bad role":       scheduleFor("x", "", "rate(1 day)", fn, "arn:aws:iam::111122223333:user/someone"),
		"bad name":       scheduleFor("x y", "", "rate(1 day)", fn, role),
		"bad zone": func() *scheduler.CreateScheduleInput {
			i := scheduleFor("x", "", "rate(1 day)", fn, role)
			i.ScheduleExpressionTimezone = aws.String("Mars/Olympus")
			return i
		}(),
		"started an hour ago": func() *scheduler.CreateScheduleInput {
			i := scheduleFor("x", "", "rate(1 day)", fn, role)
			i.StartDate = aws.Time(time.Now().Add(-time.Hour))
			return i
		}(),
		"flexible without a window": func() *scheduler.CreateScheduleInput {
			i := scheduleFor("x", "", "rate(1 day)", fn, role)
			i.FlexibleTimeWindow.Mode = schedtypes.FlexibleTimeWindowModeFlexible
			return i
		}(),
	} {
		if _, err := sc.CreateSchedule(ctx, bad); apiCode(err) != "ValidationException" {
			t.Errorf("%s: %v, want ValidationException", name, err)
		}
	}
	if _, err := sc.CreateSchedule(ctx, scheduleFor("x", "nogroup", "rate(1 day)", fn, role)); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("missing group: %v, want ResourceNotFoundException", err)
	}

	for i := range 5 {
		if _, err := sc.CreateSchedule(ctx, scheduleFor(fmt.Sprintf("hourly-%d", i), "", "rate(1 hour)", fn, role)); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := scheduler.NewListSchedulesPaginator(sc, &scheduler.ListSchedulesInput{NamePrefix: aws.String("hourly-"), MaxResults: aws.Int32(2)})
	for n := 0; pages.HasMorePages(); n++ {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Schedules) > 2 {
			t.Errorf("page %d has %d schedules, MaxResults 2", n, len(page.Schedules))
		}
		for _, s := range page.Schedules {
			names = append(names, aws.ToString(s.Name))
		}
	}
	if strings.Join(names, ",") != "hourly-0,hourly-1,hourly-2,hourly-3,hourly-4" {
		t.Errorf("paged schedules %v", names)
	}
	inGroup, err := sc.ListSchedules(ctx, &scheduler.ListSchedulesInput{GroupName: aws.String("posture")})
	if err != nil || len(inGroup.Schedules) != 1 || aws.ToString(inGroup.Schedules[0].Target.Arn) != fn {
		t.Errorf("posture group's schedules %+v, %v", inGroup, err)
	}

	upd := &scheduler.UpdateScheduleInput{Name: aws.String("daily"), GroupName: aws.String("posture"), ScheduleExpression: aws.String("rate(12 hours)"),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowModeOff}, State: schedtypes.ScheduleStateDisabled,
		Target: &schedtypes.Target{Arn: aws.String(fn), RoleArn: aws.String(role)}}
	if _, err := sc.UpdateSchedule(ctx, upd); err != nil {
		t.Fatal(err)
	}
	got, err = sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("daily"), GroupName: aws.String("posture")})
	if err != nil || got.State != schedtypes.ScheduleStateDisabled || aws.ToString(got.ScheduleExpressionTimezone) != "" || got.Target.Input != nil {
		t.Errorf("after UpdateSchedule (which replaces every parameter): %+v, %v", got, err)
	}
	disabled, err := sc.ListSchedules(ctx, &scheduler.ListSchedulesInput{State: schedtypes.ScheduleStateDisabled})
	if err != nil || len(disabled.Schedules) != 1 {
		t.Errorf("DISABLED schedules %+v, %v", disabled, err)
	}

	if _, err := sc.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: aws.String("default")}); apiCode(err) != "ValidationException" {
		t.Errorf("delete the default group: %v, want ValidationException", err)
	}
	if _, err := sc.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: aws.String("posture")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String("daily"), GroupName: aws.String("posture")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("a deleted group's schedule: %v, want ResourceNotFoundException", err)
	}
	if _, err := sc.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("hourly-0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String("hourly-0")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("delete twice: %v, want ResourceNotFoundException", err)
	}
	groups, err := sc.ListScheduleGroups(ctx, &scheduler.ListScheduleGroupsInput{})
	if err != nil || len(groups.ScheduleGroups) != 1 || aws.ToString(groups.ScheduleGroups[0].Name) != "default" {
		t.Errorf("groups after the delete %+v, %v", groups, err)
	}

	for _, action := range []string{"CreateScheduleGroup", "ListTagsForResource", "CreateSchedule", "GetSchedule", "ListSchedules",
		"UpdateSchedule", "DeleteScheduleGroup", "DeleteSchedule", "ListScheduleGroups"} {
		if len(emu.CallsTo("scheduler", action)) == 0 {
			t.Errorf("no scheduler:%s in the call log", action)
		}
	}
}

// TestSchedulerCallsNeedTheirIAMActions: a caller allowed only
// scheduler:GetSchedule is refused CreateSchedule with AccessDenied naming
// scheduler:CreateSchedule, so the documented permissions can be proven.
func TestSchedulerCallsNeedTheirIAMActions(t *testing.T) {
	emu, err := awsemu.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	creds := emu.AddAccount("111122223333", "hub").AddUser("reader", "scheduler:GetSchedule").AddAccessKey(awsemu.AccessKey{})
	sc := scheduler.NewFromConfig(emu.Config(creds))
	_, err = sc.CreateSchedule(t.Context(), scheduleFor("x", "", "rate(1 day)", "arn:aws:sqs:us-east-1:111122223333:q", "arn:aws:iam::111122223333:role/r"))
	if !strings.Contains(fmt.Sprint(err), "scheduler:CreateSchedule") {
		t.Errorf("CreateSchedule without the action: %v, want AccessDenied naming scheduler:CreateSchedule", err)
	}
	_, err = sc.GetSchedule(t.Context(), &scheduler.GetScheduleInput{Name: aws.String("x")})
	if apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("GetSchedule with the action: %v, want ResourceNotFoundException", err)
	}
}
