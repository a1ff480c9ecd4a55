// Package filterpattern parses CloudWatch Logs filter patterns (the syntax
// of metric filters, subscription filters and FilterLogEvents) and matches
// log events against them.
package filterpattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Pattern is a parsed CloudWatch Logs filter pattern. Two of the three
// syntaxes are modelled: terms ("ERROR", "?ERROR ?WARN", "ERROR -DEBUG",
// quoted phrases) and JSON ({ $.a.b = "x" && ($.n > 1 || $.c NOT EXISTS) },
// with * wildcards, %regex%, IS NULL/TRUE/FALSE). Space-delimited patterns
// ([ip, user, ...]) are refused as invalid.
type Pattern interface {
	// Matches reports whether the log event's message matches.
	Matches(event string) bool
}

// Parse parses a filter pattern; the empty pattern matches every event.
func Parse(p string) (Pattern, error) {
	p = strings.TrimSpace(p)
	switch {
	case strings.HasPrefix(p, "{"):
		return parseJSONPattern(p)
	case strings.HasPrefix(p, "["):
		return nil, errors.New("awsemu does not model space-delimited patterns")
	default:
		return parseTermPattern(p)
	}
}

// termPattern matches events that contain every term and no excluded term,
// or, written with ?, any of the optional terms.
type termPattern struct {
	all, none, any []string
}

func parseTermPattern(p string) (Pattern, error) {
	var t termPattern
	for p = strings.TrimSpace(p); p != ""; p = strings.TrimSpace(p) {
		list := &t.all
		switch p[0] {
		case '?':
			list, p = &t.any, p[1:]
		case '-':
			list, p = &t.none, p[1:]
		}
		var term string
		if strings.HasPrefix(p, `"`) {
			end := strings.IndexByte(p[1:], '"')
			if end < 0 {
				return nil, errors.New("unterminated quoted term")
			}
			term, p = p[1:end+1], p[end+2:]
		} else {
			end := strings.IndexFunc(p, unicode.IsSpace)
			if end < 0 {
				end = len(p)
			}
			term, p = p[:end], p[end:]
		}
		if term == "" {
			return nil, errors.New("empty term")
		}
		*list = append(*list, term)
	}
	if len(t.any) > 0 && (len(t.all) > 0 || len(t.none) > 0) {
		return nil, errors.New("? terms cannot be combined with other terms")
	}
	return t, nil
}

func (t termPattern) Matches(event string) bool {
	contains := func(term string) bool { return strings.Contains(event, term) }
	if len(t.any) > 0 {
		return slices.ContainsFunc(t.any, contains)
	}
	missing := func(term string) bool { return !contains(term) }
	return !slices.ContainsFunc(t.all, missing) && !slices.ContainsFunc(t.none, contains)
}

// jsonPattern is { expression } over the fields of a JSON event.
type jsonPattern struct{ expr jsonExpr }

func (p jsonPattern) Matches(event string) bool {
	v, ok := jsonEvent(event)
	return ok && p.expr.eval(v)
}

// jsonEvent decodes a log event for JSON patterns; an event that is not a
// JSON object matches no JSON pattern.
func jsonEvent(msg string) (map[string]any, bool) {
	var v map[string]any
	dec := json.NewDecoder(strings.NewReader(msg))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

type jsonExpr interface {
	eval(event map[string]any) bool
}

type jsonAnd struct{ left, right jsonExpr }

func (e jsonAnd) eval(ev map[string]any) bool { return e.left.eval(ev) && e.right.eval(ev) }

type jsonOr struct{ left, right jsonExpr }

func (e jsonOr) eval(ev map[string]any) bool { return e.left.eval(ev) || e.right.eval(ev) }

// jsonComparison tests one selector. A comparison on a field the event
// lacks is false, != included; only NOT EXISTS matches it.
type jsonComparison struct {
	selector []string // field names and [n] indices
	op       string   // =, !=, <, <=, >, >=, IS, NOT EXISTS
	str      string   // glob for = and != on strings
	regex    *regexp.Regexp
	num      *float64
	literal  string // NULL, TRUE, FALSE for IS
}

func (c jsonComparison) eval(ev map[string]any) bool {
	v, ok := selectField(ev, c.selector)
	if c.op == "NOT EXISTS" {
		return !ok
	}
	if !ok {
		return false
	}
	switch {
	case c.op == "IS":
		switch c.literal {
		case "NULL":
			return v == nil
		default:
			b, isBool := v.(bool)
			return isBool && b == (c.literal == "TRUE")
		}
	case c.num != nil:
		n, isNum := v.(json.Number)
		if !isNum {
			return false
		}
		f, err := n.Float64()
		return err == nil && compareNumbers(f, c.op, *c.num)
	default:
		s, isStr := v.(string)
		if !isStr {
			return false
		}
		var equal bool
		if c.regex != nil {
			equal = c.regex.MatchString(s)
		} else {
			equal = globMatch(c.str, s)
		}
		return equal == (c.op == "=")
	}
}

// globMatch matches s against a value whose only wildcard is *.
func globMatch(glob, s string) bool {
	parts := strings.Split(glob, "*")
	if len(parts) == 1 {
		return glob == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func compareNumbers(a float64, op string, b float64) bool {
	switch op {
	case "=":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	default:
		return a >= b
	}
}

func selectField(v any, selector []string) (any, bool) {
	for _, step := range selector {
		switch node := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = node[step]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// jsonParser is a recursive-descent parser over the pattern text:
//
//	pattern    = "{" or "}"
//	or         = and { "||" and }
//	and        = unary { "&&" unary }
//	unary      = "(" or ")" | comparison
//	comparison = selector ( op value | "IS" (NULL|TRUE|FALSE) | "NOT" "EXISTS" )
type jsonParser struct {
	s   string
	pos int
}

func parseJSONPattern(p string) (Pattern, error) {
	ps := &jsonParser{s: p}
	if err := ps.expect("{"); err != nil {
		return nil, err
	}
	expr, err := ps.or()
	if err != nil {
		return nil, err
	}
	if err := ps.expect("}"); err != nil {
		return nil, err
	}
	if ps.skipSpace(); ps.pos != len(ps.s) {
		return nil, fmt.Errorf("unexpected %q after }", ps.s[ps.pos:])
	}
	return jsonPattern{expr}, nil
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.s) && unicode.IsSpace(rune(p.s[p.pos])) {
		p.pos++
	}
}

// accept consumes tok if it comes next.
func (p *jsonParser) accept(tok string) bool {
	p.skipSpace()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *jsonParser) expect(tok string) error {
	if !p.accept(tok) {
		return fmt.Errorf("expected %q at offset %d", tok, p.pos)
	}
	return nil
}

func (p *jsonParser) or() (jsonExpr, error) {
	left, err := p.and()
	for err == nil && p.accept("||") {
		var right jsonExpr
		right, err = p.and()
		left = jsonOr{left, right}
	}
	return left, err
}

func (p *jsonParser) and() (jsonExpr, error) {
	left, err := p.unary()
	for err == nil && p.accept("&&") {
		var right jsonExpr
		right, err = p.unary()
		left = jsonAnd{left, right}
	}
	return left, err
}

func (p *jsonParser) unary() (jsonExpr, error) {
	if p.accept("(") {
		expr, err := p.or()
		if err != nil {
			return nil, err
		}
		return expr, p.expect(")")
	}
	return p.comparison()
}

var selectorRE = regexp.MustCompile(`^\$((\.[A-Za-z0-9_\-@]+)|(\[[0-9]+\]))+`)

func (p *jsonParser) comparison() (jsonExpr, error) {
	p.skipSpace()
	sel := selectorRE.FindString(p.s[p.pos:])
	if sel == "" {
		return nil, fmt.Errorf("expected a $. selector at offset %d", p.pos)
	}
	p.pos += len(sel)
	c := jsonComparison{selector: strings.FieldsFunc(sel[1:], func(r rune) bool { return r == '.' || r == '[' || r == ']' })}
	switch {
	case p.accept("NOT EXISTS"):
		c.op = "NOT EXISTS"
		return c, nil
	case p.accept("IS "):
		c.op = "IS"
		for _, lit := range []string{"NULL", "TRUE", "FALSE"} {
			if p.accept(lit) {
				c.literal = lit
				return c, nil
			}
		}
		return nil, fmt.Errorf("expected NULL, TRUE or FALSE after IS at offset %d", p.pos)
	}
	for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if p.accept(op) {
			c.op = op
			return c, p.value(&c)
		}
	}
	return nil, fmt.Errorf("expected an operator at offset %d", p.pos)
}

// value reads the right-hand side: "string", %regex%, a number, or a bare
// word (a string, * wildcards allowed).
func (p *jsonParser) value(c *jsonComparison) error {
	p.skipSpace()
	rest := p.s[p.pos:]
	switch {
	case strings.HasPrefix(rest, `"`):
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return errors.New("unterminated string")
		}
		c.str, p.pos = rest[1:end+1], p.pos+end+2
	case strings.HasPrefix(rest, "%"):
		end := strings.IndexByte(rest[1:], '%')
		if end < 0 {
			return errors.New("unterminated regular expression")
		}
		re, err := regexp.Compile(rest[1 : end+1])
		if err != nil {
			return err
		}
		c.regex, p.pos = re, p.pos+end+2
	default:
		end := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("&|)}", r) })
		if end < 0 {
			end = len(rest)
		}
		word := rest[:end]
		if word == "" {
			return fmt.Errorf("expected a value at offset %d", p.pos)
		}
		p.pos += end
		if n, err := strconv.ParseFloat(word, 64); err == nil {
			c.num = &n
			return nil
		}
		c.str = word
	}
	if c.op != "=" && c.op != "!=" {
		return fmt.Errorf("%s compares numbers only", c.op)
	}
	return nil
}
