package awsemu_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// TestSNSEmailSubscriptionStaysPending: a topic tagged as CloudFormation
// tags it (a "true" value, which kumo's SNS could not parse) takes an
// e-mail subscription that stays pending confirmation, per account and
// region, as on AWS.
func TestSNSEmailSubscriptionStaysPending(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	cfg.Region = "us-east-1"
	c := sns.NewFromConfig(cfg)
	topic, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms"),
		Tags: []snstypes.Tag{{Key: aws.String("rootguard:managed"), Value: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(topic.TopicArn); got != "arn:aws:sns:us-east-1:111122223333:alarms" {
		t.Fatalf("topic ARN %s", got)
	}
	if _, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("not-an-address")}); err == nil {
		t.Error("subscribed an e-mail endpoint without @")
	}
	sub, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if err != nil || aws.ToString(sub.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("subscribe: %v, ARN %q", err, aws.ToString(sub.SubscriptionArn))
	}
	withARN, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com"), ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Subscriptions) != 1 || aws.ToString(list.Subscriptions[0].SubscriptionArn) != "PendingConfirmation" ||
		aws.ToString(list.Subscriptions[0].Endpoint) != "ops@example.com" || aws.ToString(list.Subscriptions[0].Protocol) != "email" {
		t.Errorf("subscriptions %+v, want one pending e-mail to ops@example.com", list.Subscriptions)
	}
	tags, err := c.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: topic.TopicArn})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "true" {
		t.Errorf("tags %+v, %v", tags, err)
	}

	// Another region and another account do not see the topic.
	eu := cfg.Copy()
	eu.Region = "eu-west-1"
	other := emu.Config(emu.AddAccount("444455556666", "other").AddUser("u").AddAccessKey(awsemu.AccessKey{}))
	other.Region = "us-east-1"
	for name, cl := range map[string]*sns.Client{"eu-west-1": sns.NewFromConfig(eu), "another account": sns.NewFromConfig(other)} {
		if _, err := cl.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn}); err == nil {
			t.Errorf("%s reads the topic", name)
		}
	}

	if _, err := c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: withARN.SubscriptionArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn}); err != nil {
		t.Fatal(err)
	}
	topics, err := c.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil || len(topics.Topics) != 0 {
		t.Errorf("topics after delete: %+v, %v", topics, err)
	}
}
