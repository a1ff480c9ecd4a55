package awsemu_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/rootguard/rootguard/internal/awsemu"
)

func TestLogsEventsPerAccountStreamAndFilter(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	logs := cloudwatchlogs.NewFromConfig(cfg)
	group := aws.String("/aws/lambda/fn")

	var notFound *logtypes.ResourceNotFoundException
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String("s1")}); !errors.As(err, &notFound) {
		t.Fatalf("stream in a missing group: %v, want ResourceNotFoundException", err)
	}
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: group}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"s1", "s2"} {
		if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: group, LogStreamName: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	put := func(stream string, events ...logtypes.InputLogEvent) error {
		_, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: group, LogStreamName: aws.String(stream), LogEvents: events})
		return err
	}
	if err := put("s1", logtypes.InputLogEvent{Timestamp: aws.Int64(1000), Message: aws.String(`{"msg":"alert posted","event_ids":["e-1"]}`)},
		logtypes.InputLogEvent{Timestamp: aws.Int64(3000), Message: aws.String(`{"msg":"batch done"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := put("s2", logtypes.InputLogEvent{Timestamp: aws.Int64(2000), Message: aws.String(`{"msg":"alert not posted","event_ids":["e-2"]}`)}); err != nil {
		t.Fatal(err)
	}
	var invalid *logtypes.InvalidParameterException
	if err := put("s2", logtypes.InputLogEvent{Timestamp: aws.Int64(5), Message: aws.String("b")}, logtypes.InputLogEvent{Timestamp: aws.Int64(1), Message: aws.String("a")}); !errors.As(err, &invalid) {
		t.Errorf("events out of order: %v, want InvalidParameterException", err)
	}

	// Across streams, in time order, by JSON pattern and by term.
	for pattern, want := range map[string][]string{
		`{ $.msg = "alert*" }`: {`{"msg":"alert posted","event_ids":["e-1"]}`, `{"msg":"alert not posted","event_ids":["e-2"]}`},
		`"e-2"`:                {`{"msg":"alert not posted","event_ids":["e-2"]}`},
		``:                     {`{"msg":"alert posted","event_ids":["e-1"]}`, `{"msg":"alert not posted","event_ids":["e-2"]}`, `{"msg":"batch done"}`},
	} {
		var got []string
		pages := cloudwatchlogs.NewFilterLogEventsPaginator(logs, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: group, FilterPattern: aws.String(pattern), Limit: aws.Int32(1)})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range out.Events {
				got = append(got, aws.ToString(e.Message))
			}
		}
		if len(got) != len(want) {
			t.Errorf("pattern %q: %q, want %q", pattern, got, want)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("pattern %q: %q, want %q", pattern, got, want)
				break
			}
		}
	}
	startAt := int64(2000)
	if out, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: group, StartTime: &startAt}); err != nil || len(out.Events) != 2 {
		t.Errorf("from 2000: %v, %v", out, err)
	}

	// GetLogEvents reads one stream, newest page first unless told.
	got, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String("s1"), Limit: aws.Int32(1)})
	if err != nil || len(got.Events) != 1 || aws.ToString(got.Events[0].Message) != `{"msg":"batch done"}` {
		t.Errorf("last event of s1: %+v, %v", got, err)
	}
	got, err = logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String("s1"), StartFromHead: aws.Bool(true)})
	if err != nil || len(got.Events) != 2 {
		t.Errorf("whole s1: %+v, %v", got, err)
	}

	// Another account does not see them.
	other := emu.AddAccount("444455556666", "other").AddUser("u").AddAccessKey(awsemu.AccessKey{})
	if _, err := cloudwatchlogs.NewFromConfig(emu.Config(other)).FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: group}); !errors.As(err, &notFound) {
		t.Errorf("other account: %v, want ResourceNotFoundException", err)
	}
}
