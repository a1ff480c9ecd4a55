package cloudformation

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
)

// AWS::Scheduler::Schedule and AWS::Scheduler::ScheduleGroup, provisioned
// through EventBridge Scheduler's API (package scheduler), with the
// properties and return values of the template reference:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-scheduler-schedule.html
// (Ref: the schedule's Name; Fn::GetAtt: Arn; Name and GroupName require
// replacement, every other property updates in place) and
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-scheduler-schedulegroup.html
// (Ref: the group's Name; Fn::GetAtt: Arn, CreationDate,
// LastModificationDate, State; Name requires replacement).

// scheduleName is the schedule's Name, or one CloudFormation makes up:
// schedule names have at most 64 characters.
func scheduleName(r *cfnResource) string {
	if name := str(r.props, "Name"); name != "" {
		return name
	}
	return truncatedName(r.physical)
}

// truncatedName keeps a generated name within Scheduler's 64 characters,
// keeping its random suffix.
func truncatedName(generated string) string {
	if len(generated) <= 64 {
		return generated
	}
	return generated[:51] + generated[len(generated)-13:]
}

func scheduleDate(props map[string]any, key string) (*time.Time, error) {
	v := str(props, key)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, fmt.Errorf("Properties validation failed for resource: %s %q is not a date-time", key, v)
	}
	return &t, nil
}

// scheduleTarget reads the Target property.
func scheduleTarget(props map[string]any) *schedtypes.Target {
	t := obj(props, "Target")
	out := &schedtypes.Target{Arn: aws.String(str(t, "Arn")), RoleArn: aws.String(str(t, "RoleArn"))}
	if v := str(t, "Input"); v != "" {
		out.Input = &v
	}
	if rp := obj(t, "RetryPolicy"); rp != nil {
		out.RetryPolicy = &schedtypes.RetryPolicy{}
		if v, ok := num(rp, "MaximumEventAgeInSeconds"); ok {
			out.RetryPolicy.MaximumEventAgeInSeconds = &v
		}
		if v, ok := num(rp, "MaximumRetryAttempts"); ok {
			out.RetryPolicy.MaximumRetryAttempts = &v
		}
	}
	if dl := obj(t, "DeadLetterConfig"); dl != nil {
		out.DeadLetterConfig = &schedtypes.DeadLetterConfig{Arn: aws.String(str(dl, "Arn"))}
	}
	if sq := obj(t, "SqsParameters"); sq != nil {
		out.SqsParameters = &schedtypes.SqsParameters{MessageGroupId: aws.String(str(sq, "MessageGroupId"))}
	}
	return out
}

// scheduleInput is the properties of schedule name as UpdateSchedule's
// input, which CreateSchedule's shares.
func scheduleInput(r *cfnResource, name string) (*scheduler.UpdateScheduleInput, error) {
	in := &scheduler.UpdateScheduleInput{
		Name:               aws.String(name),
		ScheduleExpression: aws.String(str(r.props, "ScheduleExpression")),
		Target:             scheduleTarget(r.props),
		State:              schedtypes.ScheduleState(str(r.props, "State")),
	}
	for key, field := range map[string]**string{
		"GroupName": &in.GroupName, "Description": &in.Description,
		"ScheduleExpressionTimezone": &in.ScheduleExpressionTimezone, "KmsKeyArn": &in.KmsKeyArn,
	} {
		if v := str(r.props, key); v != "" {
			*field = &v
		}
	}
	if w := obj(r.props, "FlexibleTimeWindow"); w != nil {
		in.FlexibleTimeWindow = &schedtypes.FlexibleTimeWindow{Mode: schedtypes.FlexibleTimeWindowMode(str(w, "Mode"))}
		if v, ok := num(w, "MaximumWindowInMinutes"); ok {
			in.FlexibleTimeWindow.MaximumWindowInMinutes = &v
		}
	}
	var err error
	if in.StartDate, err = scheduleDate(r.props, "StartDate"); err != nil {
		return nil, err
	}
	if in.EndDate, err = scheduleDate(r.props, "EndDate"); err != nil {
		return nil, err
	}
	return in, nil
}

func createSchedule(p *cfnProvisioner, ctx context.Context, r *cfnResource, _ []tag) error {
	in, err := scheduleInput(r, scheduleName(r))
	if err != nil {
		return err
	}
	out, err := p.scheduler.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: in.Name, GroupName: in.GroupName, Description: in.Description, ScheduleExpression: in.ScheduleExpression,
		ScheduleExpressionTimezone: in.ScheduleExpressionTimezone, FlexibleTimeWindow: in.FlexibleTimeWindow,
		State: in.State, StartDate: in.StartDate, EndDate: in.EndDate, KmsKeyArn: in.KmsKeyArn, Target: in.Target,
	})
	if err != nil {
		return err
	}
	r.physical = aws.ToString(in.Name)
	r.attrs["Arn"] = aws.ToString(out.ScheduleArn)
	return nil
}

func updateSchedule(p *cfnProvisioner, ctx context.Context, r *cfnResource, old map[string]any, tags []tag) error {
	if str(r.props, "Name") != str(old, "Name") || str(r.props, "GroupName") != str(old, "GroupName") {
		// Replacement: a new schedule, then the old one goes.
		prev := &cfnResource{props: old, physical: r.physical}
		r.physical = generatedName("schedule", r.logical)
		if err := createSchedule(p, ctx, r, tags); err != nil {
			return err
		}
		return deleteSchedule(p, ctx, prev)
	}
	in, err := scheduleInput(r, r.physical)
	if err != nil {
		return err
	}
	out, err := p.scheduler.UpdateSchedule(ctx, in)
	if err != nil {
		return err
	}
	r.attrs["Arn"] = aws.ToString(out.ScheduleArn)
	return nil
}

func deleteSchedule(p *cfnProvisioner, ctx context.Context, r *cfnResource) error {
	in := &scheduler.DeleteScheduleInput{Name: aws.String(r.physical)}
	if g := str(r.props, "GroupName"); g != "" {
		in.GroupName = &g
	}
	_, err := p.scheduler.DeleteSchedule(ctx, in)
	if isCode(err, "ResourceNotFoundException") {
		return nil
	}
	return err
}

func createScheduleGroup(p *cfnProvisioner, ctx context.Context, r *cfnResource, tags []tag) error {
	r.physical = scheduleName(r)
	in := &scheduler.CreateScheduleGroupInput{Name: &r.physical}
	for _, t := range tagsOf(r.props, tags) {
		in.Tags = append(in.Tags, schedtypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	if _, err := p.scheduler.CreateScheduleGroup(ctx, in); err != nil {
		return err
	}
	out, err := p.scheduler.GetScheduleGroup(ctx, &scheduler.GetScheduleGroupInput{Name: &r.physical})
	if err != nil {
		return err
	}
	r.attrs["Arn"], r.attrs["State"] = aws.ToString(out.Arn), string(out.State)
	r.attrs["CreationDate"] = aws.ToTime(out.CreationDate).UTC().Format(time.RFC3339)
	r.attrs["LastModificationDate"] = aws.ToTime(out.LastModificationDate).UTC().Format(time.RFC3339)
	return nil
}

// updateScheduleGroup replaces the group when its Name changes. Tags are
// not updated in place: the local Scheduler does not answer TagResource.
func updateScheduleGroup(p *cfnProvisioner, ctx context.Context, r *cfnResource, old map[string]any, tags []tag) error {
	if str(r.props, "Name") == str(old, "Name") {
		return nil
	}
	prev := &cfnResource{props: old, physical: r.physical}
	r.physical = generatedName("group", r.logical)
	if err := createScheduleGroup(p, ctx, r, tags); err != nil {
		return err
	}
	return deleteScheduleGroup(p, ctx, prev)
}

func deleteScheduleGroup(p *cfnProvisioner, ctx context.Context, r *cfnResource) error {
	_, err := p.scheduler.DeleteScheduleGroup(ctx, &scheduler.DeleteScheduleGroupInput{Name: &r.physical})
	if isCode(err, "ResourceNotFoundException") {
		return nil
	}
	return err
}
