package filterpattern

import "testing"

func TestFilterPatternMatches(t *testing.T) {
	event := `{"user":{"type":"Root","name":"ops/admin"},"count":3,"ok":true,"gone":null,"tags":["a","b"],"msg":"ERROR disk full"}`
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{"", true},
		{"ERROR", true},
		{"ERROR full", true},
		{"ERROR -disk", false},
		{`"disk full"`, true},
		{`"disk empty"`, false},
		{"?WARN ?ERROR", true},
		{"?WARN ?FATAL", false},
		{`{ $.user.type = "Root" }`, true},
		{`{ $.user.type = Root }`, true},
		{`{ $.user.type = "root" }`, false},
		{`{ $.user.type != "Root" }`, false},
		{`{ $.user.missing != "Root" }`, false},
		{`{ $.user.name = "ops/*" }`, true},
		{`{ $.user.name = "*adm*" }`, true},
		{`{ $.user.name = %^ops/[a-z]+$% }`, true},
		{`{ $.count > 2 && $.count <= 3 }`, true},
		{`{ $.count = 4 || $.ok IS TRUE }`, true},
		{`{ $.count = 4 || $.ok IS FALSE }`, false},
		{`{ $.gone IS NULL && $.nothing NOT EXISTS }`, true},
		{`{ $.user.type NOT EXISTS }`, false},
		{`{ $.tags[1] = "b" }`, true},
		{`{ $.tags[5] = "b" }`, false},
		{`{ ($.count = 1 || $.count = 3) && $.user.type = "Root" }`, true},
		{`{ $.count = "3" }`, false},
	} {
		p, err := Parse(tc.pattern)
		if err != nil {
			t.Errorf("parse %s: %v", tc.pattern, err)
			continue
		}
		if got := p.Matches(event); got != tc.want {
			t.Errorf("%s matches = %v, want %v", tc.pattern, got, tc.want)
		}
	}
}

func TestFilterPatternRejects(t *testing.T) {
	for _, p := range []string{
		`{ $.a = "x"`,
		`{ $.a = "x" } extra`,
		`{ a = "x" }`,
		`{ $.a > "x" }`,
		`{ $.a IS MAYBE }`,
		`{ $.a = %[% }`,
		`{ $.a = "x" && }`,
		`"unterminated`,
		`?ERROR WARN`,
		`[ip, user]`,
	} {
		if _, err := Parse(p); err == nil {
			t.Errorf("parse %s: accepted", p)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{`{ $.a.b = "x*" && ($.n > 1 || $.c NOT EXISTS) }`, `?A ?B`, `A -B "c d"`, `{ $.x = %y% }`} {
		f.Add(seed, `{"a":{"b":"xy"},"n":2,"x":"y"}`)
	}
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Parse(pattern)
		if err == nil {
			p.Matches(event)
		}
	})
}
