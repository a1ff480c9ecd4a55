package emu

import "testing"

func TestParseARN(t *testing.T) {
	tests := map[string]ARN{
		"arn:aws:lambda:eu-west-1:111122223333:function:fn:live": {"lambda", "eu-west-1", "111122223333", "function:fn:live"},
		"arn:aws:sqs:us-east-1:111122223333:dlq":                 {"sqs", "us-east-1", "111122223333", "dlq"},
		"arn:aws:sqs:us-east-1:111122223333":                     {},
		"urn:aws:sqs:us-east-1:111122223333:dlq":                 {},
		"dlq":                                                    {},
	}
	for in, want := range tests {
		if got := ParseARN(in); got != want {
			t.Errorf("ParseARN(%q) = %+v, want %+v", in, got, want)
		}
	}
}
