package emu

import "testing"

func TestWildcardMatchIsIAMs(t *testing.T) {
	for _, tt := range []struct {
		pattern, action string
		want            bool
	}{
		{"*", "lambda:POST /2015-03-31/functions", true},
		{"iam:list*", "iam:listaccesskeys", true},
		{"iam:list*", "iam:getuser", false},
		{"iam:get?ser", "iam:getuser", true},
		{"iam:get?ser", "iam:getuuser", false},
		{"s3:*object", "s3:getobject", true},
		{"s3:*object", "s3:getobjectacl", false},
		{"iam:getuser", "iam:getuser", true},
		{"", "iam:getuser", false},
	} {
		if got := WildcardMatch(tt.pattern, tt.action); got != tt.want {
			t.Errorf("WildcardMatch(%q, %q) = %v, want %v", tt.pattern, tt.action, got, tt.want)
		}
	}
}
