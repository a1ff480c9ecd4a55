package eventpattern

import (
	"errors"
	"testing"
)

// The event and most patterns come from the EventBridge user guide's
// "Content filtering" and "Creating event patterns" pages.
const docsEC2Event = `{
  "version": "0",
  "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "111122223333",
  "time": "2017-12-22T18:43:48Z",
  "region": "us-west-1",
  "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  "detail": {
    "instance-id": "i-1234567890abcdef0",
    "state": "terminated",
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.123",
    "location": null,
    "tags": ["prod", "web"],
    "mfa": {"used": "No"}
  }
}`

const docsRootLogin = `{
  "version": "0", "id": "1", "detail-type": "AWS Console Sign In via CloudTrail",
  "source": "aws.signin", "account": "111122223333", "time": "2024-01-01T00:00:00Z",
  "region": "us-east-1", "resources": [],
  "detail": {"eventName": "ConsoleLogin", "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
    "responseElements": {"ConsoleLogin": "Success"}}
}`

func TestPipelinePatternMatchesDocsExamples(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		event   string
		want    bool
	}{
		{"exact source", `{"source":["aws.ec2"]}`, docsEC2Event, true},
		{"exact source mismatch", `{"source":["aws.s3"]}`, docsEC2Event, false},
		{"or of values", `{"detail":{"state":["running","terminated"]}}`, docsEC2Event, true},
		{"all fields must match", `{"source":["aws.ec2"],"detail":{"state":["running"]}}`, docsEC2Event, false},
		{"missing field never matches exact", `{"detail":{"nope":["x"]}}`, docsEC2Event, false},
		{"number by string form", `{"detail":{"c-count":[5]}}`, docsEC2Event, true},
		{"number 5.0 is not 5", `{"detail":{"c-count":[5.0]}}`, docsEC2Event, false},
		{"string is not number", `{"detail":{"c-count":["5"]}}`, docsEC2Event, false},
		{"null matches null", `{"detail":{"location":[null]}}`, docsEC2Event, true},
		{"null does not match missing", `{"detail":{"nope":[null]}}`, docsEC2Event, false},
		{"array event value any element", `{"detail":{"tags":["web"]}}`, docsEC2Event, true},
		{"resources array", `{"resources":[{"prefix":"arn:aws:ec2:us-west-1:"}]}`, docsEC2Event, true},
		{"prefix", `{"time":[{"prefix":"2017-12-22"}]}`, docsEC2Event, true},
		{"prefix mismatch", `{"time":[{"prefix":"2018"}]}`, docsEC2Event, false},
		{"prefix ignore case", `{"source":[{"prefix":{"equals-ignore-case":"AWS."}}]}`, docsEC2Event, true},
		{"suffix", `{"detail":{"instance-id":[{"suffix":"cdef0"}]}}`, docsEC2Event, true},
		{"equals-ignore-case", `{"detail":{"state":[{"equals-ignore-case":"TERMINATED"}]}}`, docsEC2Event, true},
		{"wildcard", `{"resources":[{"wildcard":"arn:aws:ec2:*:123456789012:instance/*"}]}`, docsEC2Event, true},
		{"wildcard mismatch", `{"resources":[{"wildcard":"arn:aws:s3:*"}]}`, docsEC2Event, false},
		{"anything-but string", `{"detail":{"state":[{"anything-but":"initializing"}]}}`, docsEC2Event, true},
		{"anything-but list hit", `{"detail":{"state":[{"anything-but":["stopped","terminated"]}]}}`, docsEC2Event, false},
		{"anything-but prefix", `{"detail":{"state":[{"anything-but":{"prefix":"term"}}]}}`, docsEC2Event, false},
		{"anything-but suffix", `{"detail":{"instance-id":[{"anything-but":{"suffix":"1"}}]}}`, docsEC2Event, true},
		{"anything-but ignore case", `{"detail":{"state":[{"anything-but":{"equals-ignore-case":["Terminated"]}}]}}`, docsEC2Event, false},
		{"anything-but number", `{"detail":{"c-count":[{"anything-but":[5]}]}}`, docsEC2Event, false},
		{"anything-but needs the field", `{"detail":{"nope":[{"anything-but":"x"}]}}`, docsEC2Event, false},
		{"numeric range", `{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",301.8]}]}}`, docsEC2Event, true},
		{"numeric out of range", `{"detail":{"c-count":[{"numeric":[">",5]}]}}`, docsEC2Event, false},
		{"numeric ignores strings", `{"detail":{"state":[{"numeric":[">",0]}]}}`, docsEC2Event, false},
		{"exists true", `{"detail":{"state":[{"exists":true}]}}`, docsEC2Event, true},
		{"exists false on present", `{"detail":{"state":[{"exists":false}]}}`, docsEC2Event, false},
		{"exists false on missing", `{"detail":{"nope":[{"exists":false}]}}`, docsEC2Event, true},
		{"exists only on leaves", `{"detail":{"mfa":[{"exists":true}]}}`, docsEC2Event, false},
		{"exists false on missing parent", `{"nope":{"inner":[{"exists":false}]}}`, docsEC2Event, true},
		{"cidr", `{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}`, docsEC2Event, true},
		{"cidr mismatch", `{"detail":{"source-ip":[{"cidr":"10.0.1.0/24"}]}}`, docsEC2Event, false},
		{"$or", `{"$or":[{"detail":{"c-count":[{"numeric":[">",10]}]}},{"detail":{"d-count":[3]}}]}`, docsEC2Event, true},
		{"$or none", `{"$or":[{"detail":{"c-count":[1]}},{"detail":{"d-count":[1]}}]}`, docsEC2Event, false},
		{"runbook root sign-in", `{"detail-type":["AWS Console Sign In via CloudTrail"],"detail":{"userIdentity":{"type":["Root"]}}}`, docsRootLogin, true},
		{"root sign-in pattern rejects IAM user", `{"detail":{"userIdentity":{"type":["IAMUser"]}}}`, docsRootLogin, false},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.pattern)
			if err != nil {
				t.Fatalf("compile %s: %v", tc.pattern, err)
			}

			event, err := DecodeEvent([]byte(tc.event))
			if err != nil {
				t.Fatalf("decode event: %v", err)
			}

			got := p.Matches(event)

			if got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPipelinePatternRejectsInvalid(t *testing.T) {
	for _, pattern := range []string{
		`[]`,
		`{}`,
		`{"source":"aws.ec2"}`,
		`{"source":[]}`,
		`{"source":[{"prefix":1}]}`,
		`{"source":[{"bogus":"x"}]}`,
		`{"n":[{"numeric":[">"]}]}`,
		`{"n":[{"numeric":["!=",1]}]}`,
		`{"n":[{"exists":"yes"}]}`,
		`{"n":[{"cidr":"10.0.0.0/33"}]}`,
		`{"n":[{"wildcard":"a**"}]}`,
		`{"$or":[{"a":["b"]}]}`,
		`{"source":`,
	} {
		if _, err := Compile(pattern); !errors.Is(err, ErrInvalid) {
			t.Errorf("compile %s: err = %v, want invalid pattern", pattern, err)
		}
	}
}
