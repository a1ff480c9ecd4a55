// Package eventpattern compiles EventBridge event patterns and matches
// events against them, following the EventBridge user guide ("Creating
// event patterns", "Content filtering"): exact values, prefix, suffix,
// equals-ignore-case, wildcard, anything-but, numeric, exists, cidr and $or.
package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Pattern is a compiled EventBridge event pattern. The semantics follow
// the EventBridge user guide ("Creating event patterns", "Content filtering"):
// every field named in the pattern must match (AND), the values listed for a
// field are alternatives (OR), an array in the event matches when any element
// matches, and "$or" lists alternative sub-patterns.
type Pattern struct {
	fields map[string]*fieldPattern
	or     []*Pattern
}

// fieldPattern is either a nested object pattern or a list of value matchers.
type fieldPattern struct {
	nested *Pattern
	values []valueMatcher
}

// valueMatcher matches one leaf value of an event. present is false when the
// field is missing, which only {"exists": false} accepts.
type valueMatcher func(v any, present bool) bool

// ErrInvalid wraps every reason a pattern is rejected, so handlers can
// answer InvalidEventPatternException.
var ErrInvalid = errors.New("event pattern is not valid")

func invalidPattern(format string, args ...any) error {
	return fmt.Errorf("%w. Reason: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Compile parses and validates a pattern document.
func Compile(doc string) (*Pattern, error) {
	var raw any
	if err := decodeJSONNumbers([]byte(doc), &raw); err != nil {
		return nil, invalidPattern("%v", err)
	}

	obj, ok := raw.(map[string]any)
	if !ok || len(obj) == 0 {
		return nil, invalidPattern("the pattern must be a non-empty JSON object")
	}

	return compileObject(obj)
}

// DecodeEvent decodes an event document the way Matches expects it: numbers
// stay json.Number, so exact matches compare their string form.
func DecodeEvent(data []byte) (map[string]any, error) {
	var event map[string]any
	if err := decodeJSONNumbers(data, &event); err != nil {
		return nil, err
	}

	return event, nil
}

func decodeJSONNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()

	return dec.Decode(v)
}

func compileObject(obj map[string]any) (*Pattern, error) {
	p := &Pattern{fields: make(map[string]*fieldPattern, len(obj))}

	for key, val := range obj {
		if key == "$or" {
			alts, ok := val.([]any)
			if !ok || len(alts) < 2 {
				return nil, invalidPattern("$or must list at least two sub-patterns")
			}

			for _, alt := range alts {
				altObj, ok := alt.(map[string]any)
				if !ok {
					return nil, invalidPattern("$or must list objects")
				}

				sub, err := compileObject(altObj)
				if err != nil {
					return nil, err
				}

				p.or = append(p.or, sub)
			}

			continue
		}

		f, err := compileField(key, val)
		if err != nil {
			return nil, err
		}

		p.fields[key] = f
	}

	return p, nil
}

func compileField(key string, val any) (*fieldPattern, error) {
	switch v := val.(type) {
	case map[string]any:
		nested, err := compileObject(v)
		if err != nil {
			return nil, err
		}

		return &fieldPattern{nested: nested}, nil
	case []any:
		if len(v) == 0 {
			return nil, invalidPattern("empty arrays are not allowed (field %q)", key)
		}

		f := &fieldPattern{}

		for _, item := range v {
			m, err := compileValue(key, item)
			if err != nil {
				return nil, err
			}

			f.values = append(f.values, m)
		}

		return f, nil
	default:
		return nil, invalidPattern("match value for field %q must be an array or an object", key)
	}
}

func compileValue(key string, item any) (valueMatcher, error) {
	op, ok := item.(map[string]any)
	if !ok {
		return exactMatcher(item), nil
	}

	if len(op) != 1 {
		return nil, invalidPattern("field %q: a filter object holds exactly one operator", key)
	}

	var (
		name string
		arg  any
	)

	for name, arg = range op {
	}

	switch name {
	case "prefix", "suffix", "equals-ignore-case", "wildcard":
		return stringOperator(key, name, arg)
	case "anything-but":
		return anythingBut(key, arg)
	case "numeric":
		return numericMatcher(key, arg)
	case "exists":
		want, ok := arg.(bool)
		if !ok {
			return nil, invalidPattern("field %q: exists takes true or false", key)
		}

		return func(_ any, present bool) bool { return present == want }, nil
	case "cidr":
		return cidrMatcher(key, arg)
	default:
		return nil, invalidPattern("field %q: unrecognized match type %s", key, name)
	}
}

// exactMatcher compares strings, booleans and null exactly, and numbers by
// their string representation ("300" is not "300.0"), as EventBridge
// documents for exact matches.
func exactMatcher(want any) valueMatcher {
	return func(v any, present bool) bool {
		return present && v == want
	}
}

// stringOperator compiles prefix, suffix, equals-ignore-case and wildcard,
// including the {"prefix": {"equals-ignore-case": "..."}} forms.
func stringOperator(key, name string, arg any) (valueMatcher, error) {
	test, err := stringTest(key, name, arg)
	if err != nil {
		return nil, err
	}

	return func(v any, present bool) bool {
		s, ok := v.(string)

		return present && ok && test(s)
	}, nil
}

func stringTest(key, name string, arg any) (func(string) bool, error) {
	fold := false

	if inner, ok := arg.(map[string]any); ok && (name == "prefix" || name == "suffix") {
		val, ok := inner["equals-ignore-case"]
		if !ok || len(inner) != 1 {
			return nil, invalidPattern("field %q: %s accepts a string or {\"equals-ignore-case\": string}", key, name)
		}

		arg, fold = val, true
	}

	want, ok := arg.(string)
	if !ok {
		return nil, invalidPattern("field %q: %s takes a string", key, name)
	}

	switch name {
	case "prefix":
		return func(s string) bool { return hasAffix(s, want, fold, strings.HasPrefix) }, nil
	case "suffix":
		return func(s string) bool { return hasAffix(s, want, fold, strings.HasSuffix) }, nil
	case "equals-ignore-case":
		return func(s string) bool { return strings.EqualFold(s, want) }, nil
	default:
		re, err := wildcardRegexp(want)
		if err != nil {
			return nil, invalidPattern("field %q: %v", key, err)
		}

		return re.MatchString, nil
	}
}

func hasAffix(s, affix string, fold bool, has func(string, string) bool) bool {
	if fold {
		return has(strings.ToLower(s), strings.ToLower(affix))
	}

	return has(s, affix)
}

// wildcardRegexp turns an EventBridge wildcard ("*" for any run of
// characters, "\*" for a literal star) into an anchored regexp.
func wildcardRegexp(pattern string) (*regexp.Regexp, error) {
	if strings.Contains(pattern, "**") {
		return nil, errors.New("consecutive wildcard characters are not allowed")
	}

	var b strings.Builder

	b.WriteString("^")

	for i := 0; i < len(pattern); i++ {
		switch {
		case pattern[i] == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		case pattern[i] == '*':
			b.WriteString("(?s:.*)")
		default:
			b.WriteString(regexp.QuoteMeta(pattern[i : i+1]))
		}
	}

	b.WriteString("$")

	return regexp.Compile(b.String())
}

// anythingBut matches a present value that none of the listed values (or
// the nested prefix/suffix/equals-ignore-case/wildcard filter) matches.
func anythingBut(key string, arg any) (valueMatcher, error) {
	var excluded []valueMatcher

	switch a := arg.(type) {
	case map[string]any:
		if len(a) != 1 {
			return nil, invalidPattern("field %q: anything-but takes one filter", key)
		}

		for name, inner := range a {
			tests, err := anythingButTests(key, name, inner)
			if err != nil {
				return nil, err
			}

			excluded = tests
		}
	case []any:
		for _, item := range a {
			if _, isObj := item.(map[string]any); isObj {
				return nil, invalidPattern("field %q: anything-but lists plain values", key)
			}

			excluded = append(excluded, exactMatcher(item))
		}
	default:
		excluded = []valueMatcher{exactMatcher(arg)}
	}

	return func(v any, present bool) bool {
		if !present {
			return false
		}

		for _, m := range excluded {
			if m(v, true) {
				return false
			}
		}

		return true
	}, nil
}

func anythingButTests(key, name string, inner any) ([]valueMatcher, error) {
	if name != "prefix" && name != "suffix" && name != "equals-ignore-case" && name != "wildcard" {
		return nil, invalidPattern("field %q: unsupported anything-but filter %s", key, name)
	}

	values, isList := inner.([]any)
	if !isList || name == "prefix" || name == "suffix" {
		values = []any{inner}
	}

	tests := make([]valueMatcher, 0, len(values))

	for _, val := range values {
		m, err := stringOperator(key, name, val)
		if err != nil {
			return nil, err
		}

		tests = append(tests, m)
	}

	return tests, nil
}

// numericMatcher compiles {"numeric": [">", 0, "<=", 5]}.
func numericMatcher(key string, arg any) (valueMatcher, error) {
	ops, ok := arg.([]any)
	if !ok || len(ops) == 0 || len(ops)%2 != 0 || len(ops) > 4 {
		return nil, invalidPattern("field %q: numeric takes one or two operator/value pairs", key)
	}

	type bound struct {
		op  string
		val float64
	}

	bounds := make([]bound, 0, len(ops)/2)

	for i := 0; i < len(ops); i += 2 {
		op, ok := ops[i].(string)
		num, isNum := ops[i+1].(json.Number)

		if !ok || !isNum || !validNumericOp(op) {
			return nil, invalidPattern("field %q: bad numeric operator or value", key)
		}

		f, err := num.Float64()
		if err != nil {
			return nil, invalidPattern("field %q: %v", key, err)
		}

		bounds = append(bounds, bound{op: op, val: f})
	}

	return func(v any, present bool) bool {
		n, ok := v.(json.Number)
		if !present || !ok {
			return false
		}

		f, err := strconv.ParseFloat(n.String(), 64)
		if err != nil {
			return false
		}

		for _, b := range bounds {
			if !compareNumeric(f, b.op, b.val) {
				return false
			}
		}

		return true
	}, nil
}

func validNumericOp(op string) bool {
	switch op {
	case "=", "<", "<=", ">", ">=":
		return true
	}

	return false
}

func compareNumeric(f float64, op string, val float64) bool {
	switch op {
	case "=":
		return f == val
	case "<":
		return f < val
	case "<=":
		return f <= val
	case ">":
		return f > val
	default:
		return f >= val
	}
}

func cidrMatcher(key string, arg any) (valueMatcher, error) {
	s, ok := arg.(string)
	if !ok {
		return nil, invalidPattern("field %q: cidr takes a string", key)
	}

	prefix, err := netip.ParsePrefix(s)
	if err != nil {
		return nil, invalidPattern("field %q: %v", key, err)
	}

	return func(v any, present bool) bool {
		str, ok := v.(string)
		if !present || !ok {
			return false
		}

		addr, err := netip.ParseAddr(str)

		return err == nil && prefix.Contains(addr)
	}, nil
}

// Matches reports whether the event, decoded by DecodeEvent, matches.
func (p *Pattern) Matches(event map[string]any) bool {
	for key, f := range p.fields {
		v, present := event[key]
		if !f.matches(v, present) {
			return false
		}
	}

	if len(p.or) == 0 {
		return true
	}

	for _, alt := range p.or {
		if alt.Matches(event) {
			return true
		}
	}

	return false
}

func (f *fieldPattern) matches(v any, present bool) bool {
	if f.nested != nil {
		return f.matchesNested(v, present)
	}

	if list, isList := v.([]any); isList {
		for _, item := range list {
			if f.matchesLeaf(item, true) {
				return true
			}
		}

		return false
	}

	if _, isObj := v.(map[string]any); isObj {
		// Leaf filters apply to leaf values only; an object never matches.
		return false
	}

	return f.matchesLeaf(v, present)
}

func (f *fieldPattern) matchesNested(v any, present bool) bool {
	switch val := v.(type) {
	case map[string]any:
		return f.nested.Matches(val)
	case []any:
		for _, item := range val {
			if obj, ok := item.(map[string]any); ok && f.nested.Matches(obj) {
				return true
			}
		}

		return false
	default:
		// A missing or scalar field matches only patterns that require
		// absence all the way down, e.g. {"exists": false}.
		return !present && f.nested.Matches(map[string]any{})
	}
}

func (f *fieldPattern) matchesLeaf(v any, present bool) bool {
	for _, m := range f.values {
		if m(v, present) {
			return true
		}
	}

	return false
}
