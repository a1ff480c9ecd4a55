package emu

import (
	"net/url"
	"reflect"
	"slices"
	"testing"
)

func TestMembersReadsQueryListsInOrder(t *testing.T) {
	c := &Call{Params: url.Values{
		"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"sec"},
		"Tags.member.2.Key": {"env"},
		"Tags.member.4.Key": {"after-a-gap"},
	}}
	want := []map[string]string{{"Key": "team", "Value": "sec"}, {"Key": "env"}}
	if got := c.Members("Tags", "Key", "Value"); !reflect.DeepEqual(got, want) {
		t.Errorf("Members = %v, want %v (a list ends at its first missing index)", got, want)
	}
	if got := c.Members("Parameters", "ParameterKey"); got != nil {
		t.Errorf("absent list = %v, want nil", got)
	}
}

func TestPageByName(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	tests := []struct {
		token     string
		limit     int
		want      []string
		wantToken string
	}{
		{"", 2, []string{"a", "b"}, "b"},
		{"b", 2, []string{"c", "d"}, "d"},
		{"d", 2, []string{"e"}, ""},
		{"bb", 2, []string{"c", "d"}, "d"}, // a deleted last name still pages on
		{"", 0, names, ""},                 // no limit: up to 100
	}
	for _, tt := range tests {
		got, next := PageByName(names, id, tt.token, tt.limit)
		if !slices.Equal(got, tt.want) || next != tt.wantToken {
			t.Errorf("PageByName(%q, %d) = %v, %q; want %v, %q", tt.token, tt.limit, got, next, tt.want, tt.wantToken)
		}
	}
}
