package report

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// appendEvidence appends what json.MarshalIndent(v, "", "  ") returns for
// the values the checks put in evidence — maps of strings to them, slices
// of them, strings, integers, bools and nil — without reflection; ok is
// false, and dst unchanged, for anything else (the caller uses
// encoding/json then). FuzzEvidenceJSONIsEncodingJSONs holds the two equal.
func appendEvidence(dst []byte, v any) (out []byte, ok bool) {
	n := len(dst)
	if out, ok = appendJSON(dst, v, 0); !ok {
		return dst[:n], false
	}
	return out, true
}

func appendJSON(dst []byte, v any, depth int) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return appendJSONString(dst, v), true
	case bool:
		return strconv.AppendBool(dst, v), true
	case int:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int64:
		return strconv.AppendInt(dst, v, 10), true
	case map[string]any:
		if v == nil {
			return append(dst, "null"...), true
		}
		return appendJSONObject(dst, v, depth)
	case map[string]string:
		if v == nil {
			return append(dst, "null"...), true
		}
		return appendJSONObject(dst, v, depth)
	case []any:
		return appendJSONArray(dst, v, depth)
	case []string:
		return appendJSONArray(dst, v, depth)
	case []map[string]any:
		return appendJSONArray(dst, v, depth)
	case []map[string]string:
		return appendJSONArray(dst, v, depth)
	}
	return dst, false
}

func appendJSONObject[V any](dst []byte, m map[string]V, depth int) ([]byte, bool) {
	if len(m) == 0 {
		return append(dst, "{}"...), true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONIndent(dst, depth+1)
		dst = appendJSONString(dst, k)
		dst = append(dst, ": "...)
		var ok bool
		if dst, ok = appendJSON(dst, any(m[k]), depth+1); !ok {
			return dst, false
		}
	}
	return append(appendJSONIndent(dst, depth), '}'), true
}

func appendJSONArray[E any](dst []byte, s []E, depth int) ([]byte, bool) {
	if s == nil {
		return append(dst, "null"...), true
	}
	if len(s) == 0 {
		return append(dst, "[]"...), true
	}
	dst = append(dst, '[')
	for i := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONIndent(dst, depth+1)
		var ok bool
		if dst, ok = appendJSON(dst, any(s[i]), depth+1); !ok {
			return dst, false
		}
	}
	return append(appendJSONIndent(dst, depth), ']'), true
}

func appendJSONIndent(dst []byte, depth int) []byte {
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, "  "...)
	}
	return dst
}

// appendJSONString is encoding/json's string encoding with its HTML
// escaping (the default): <, > and & as \u003c, \u003e, \u0026, control
// characters escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
