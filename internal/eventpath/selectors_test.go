package eventpath

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// A trail's selectors decide which root events it records: sign-in and a
// regional API call are told apart, so a trail that records only sign-in
// events never counts for API calls.
func TestSelectorsLogSignInAndAPICalls(t *testing.T) {
	basic := func(rw cttypes.ReadWriteType, exclude ...string) *cloudtrail.GetEventSelectorsOutput {
		return &cloudtrail.GetEventSelectorsOutput{EventSelectors: []cttypes.EventSelector{{
			IncludeManagementEvents: aws.Bool(true), ReadWriteType: rw, ExcludeManagementEventSources: exclude}}}
	}
	advanced := func(fields ...cttypes.AdvancedFieldSelector) *cloudtrail.GetEventSelectorsOutput {
		return &cloudtrail.GetEventSelectorsOutput{AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{FieldSelectors: fields}}}
	}
	field := func(name string, equals ...string) cttypes.AdvancedFieldSelector {
		return cttypes.AdvancedFieldSelector{Field: aws.String(name), Equals: equals}
	}
	tests := []struct {
		name            string
		sel             *cloudtrail.GetEventSelectorsOutput
		signIn, apiCall bool
	}{
		{"all management events", basic(cttypes.ReadWriteTypeAll), true, true},
		{"write-only management events", basic(cttypes.ReadWriteTypeWriteOnly), true, true},
		{"read-only management events", basic(cttypes.ReadWriteTypeReadOnly), false, false},
		{"management events without KMS", basic(cttypes.ReadWriteTypeAll, "kms.amazonaws.com"), true, true},
		{"advanced: management", advanced(field("eventCategory", "Management")), true, true},
		{"advanced: sign-in events only", advanced(field("eventCategory", "Management"), field("eventSource", "signin.amazonaws.com")), true, false},
		{"advanced: S3 management events only", advanced(field("eventCategory", "Management"), field("eventSource", "s3.amazonaws.com")), false, true},
		{"advanced: data events", advanced(field("eventCategory", "Data")), false, false},
		{"no selectors", &cloudtrail.GetEventSelectorsOutput{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logsSignInEvents(tt.sel); got != tt.signIn {
				t.Errorf("logs sign-in = %v, want %v", got, tt.signIn)
			}
			if got := logsManagementEvent(tt.sel, apiCallFields); got != tt.apiCall {
				t.Errorf("logs API calls = %v, want %v", got, tt.apiCall)
			}
		})
	}
}
