package cloudformation

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// AWS::Events::EventBus with its Policy property, provisioned through the
// custom-bus API of package events (events/buses.go).

func createEventBus(p *cfnProvisioner, ctx context.Context, r *cfnResource, tags []tag) error {
	r.physical = str(r.props, "Name")
	in := &eventbridge.CreateEventBusInput{Name: &r.physical}
	for _, t := range tagsOf(r.props, tags) {
		in.Tags = append(in.Tags, ebtypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	out, err := p.events.CreateEventBus(ctx, in)
	if err != nil {
		return err
	}
	r.attrs["Arn"], r.attrs["Name"] = aws.ToString(out.EventBusArn), r.physical
	return updateEventBus(p, ctx, r, nil, tags)
}

func updateEventBus(p *cfnProvisioner, ctx context.Context, r *cfnResource, _ map[string]any, _ []tag) error {
	if policy, ok := r.props["Policy"]; ok {
		_, err := p.events.PutPermission(ctx, &eventbridge.PutPermissionInput{EventBusName: &r.physical, Policy: aws.String(jsonText(policy))})
		return err
	}
	_, err := p.events.RemovePermission(ctx, &eventbridge.RemovePermissionInput{EventBusName: &r.physical, RemoveAllPermissions: true})
	return err
}

func deleteEventBus(p *cfnProvisioner, ctx context.Context, r *cfnResource) error {
	_, err := p.events.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: &r.physical})
	return err
}
