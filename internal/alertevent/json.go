package alertevent

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// object is a JSON object read field by field, so that one field of an
// unexpected type spoils only itself, not the whole event.
type object map[string]json.RawMessage

func readObject(raw []byte) (object, bool) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		return nil, false
	}
	return o, true
}

// str returns the field as text: a JSON string as is, a number or boolean as
// written, anything else (absent, null, object, array) as "".
func (o object) str(key string) string {
	raw := bytes.TrimSpace(o[key])
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return s
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if raw[0] == 't' || raw[0] == 'f' {
			return strconv.FormatBool(raw[0] == 't')
		}
		return string(raw)
	}
	return ""
}

// obj returns the field as an object, or nil.
func (o object) obj(key string) object {
	sub, _ := readObject(o[key])
	return sub
}

// strs returns the field as a list of strings, skipping non-strings.
func (o object) strs(key string) []string {
	var items []json.RawMessage
	if json.Unmarshal(o[key], &items) != nil {
		return nil
	}
	var out []string
	for _, item := range items {
		var s string
		if json.Unmarshal(item, &s) == nil {
			out = append(out, s)
		}
	}
	return out
}

// excerptLen bounds the raw excerpt carried by an unrecognised event.
const excerptLen = 600

// excerpt returns the start of raw input: compacted when it is JSON, with
// invalid UTF-8 replaced, cut at a rune boundary.
func excerpt(raw []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		raw = buf.Bytes()
	}
	s := strings.ToValidUTF8(string(raw), "\uFFFD")
	if len(s) <= excerptLen {
		return s
	}
	cut := excerptLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
