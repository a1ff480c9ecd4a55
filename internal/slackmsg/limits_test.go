package slackmsg

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/rootguard/rootguard/internal/alertevent"
)

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type payload struct {
	Text   *string `json:"text"`
	Blocks []struct {
		Type     string       `json:"type"`
		Text     *textObject  `json:"text"`
		Fields   []textObject `json:"fields"`
		Elements []textObject `json:"elements"`
	} `json:"blocks"`
}

// ourLink is the only "<" sequence rootguard itself writes into mrkdwn.
var ourLink = regexp.MustCompile(`^<https://[a-z0-9-]+\.console\.aws\.amazon\.com/cloudtrail/home\?region=[a-z0-9-]+#/events/[A-Za-z0-9-]+\|[A-Za-z ]+>`)

// checkLimits verifies a rendered payload: valid JSON, within Slack's
// Block Kit limits, and no "<" that is not one of rootguard's own links.
func checkLimits(body []byte) error {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if p.Text == nil || *p.Text == "" || len(*p.Text) > MaxSectionText {
		return fmt.Errorf("fallback text missing or too long")
	}
	if len(p.Blocks) == 0 || len(p.Blocks) > MaxBlocks {
		return fmt.Errorf("%d blocks", len(p.Blocks))
	}
	texts := []textObject{{"mrkdwn", *p.Text}}
	for i, b := range p.Blocks {
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text == "" || len(b.Text.Text) > MaxHeader {
				return fmt.Errorf("block %d: bad header %+v", i, b.Text)
			}
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				return fmt.Errorf("block %d: empty section", i)
			}
			if b.Text != nil && (b.Text.Text == "" || len(b.Text.Text) > MaxSectionText) {
				return fmt.Errorf("block %d: section text of %d bytes", i, len(b.Text.Text))
			}
			if len(b.Fields) > MaxFields {
				return fmt.Errorf("block %d: %d fields", i, len(b.Fields))
			}
			for _, f := range b.Fields {
				if f.Text == "" || len(f.Text) > MaxField {
					return fmt.Errorf("block %d: field of %d bytes", i, len(f.Text))
				}
			}
			if b.Text != nil {
				texts = append(texts, *b.Text)
			}
			texts = append(texts, b.Fields...)
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > MaxContextItems {
				return fmt.Errorf("block %d: %d context elements", i, len(b.Elements))
			}
			texts = append(texts, b.Elements...)
		default:
			return fmt.Errorf("block %d: unexpected type %q", i, b.Type)
		}
	}
	for _, t := range texts {
		if !utf8.ValidString(t.Text) {
			return fmt.Errorf("invalid UTF-8 in %q", t.Text)
		}
		if t.Type != "mrkdwn" {
			continue
		}
		for i := 0; i < len(t.Text); i++ {
			if t.Text[i] == '<' && !ourLink.MatchString(t.Text[i:]) {
				return fmt.Errorf("unescaped < in %q", t.Text)
			}
			if t.Text[i] == '>' && (i == 0 || !ourLink.MatchString(t.Text[:i+1][lastLT(t.Text[:i]):])) {
				return fmt.Errorf("unescaped > in %q", t.Text)
			}
		}
	}
	return nil
}

func lastLT(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '<' {
			return i
		}
	}
	return 0
}

func FuzzRender(f *testing.F) {
	entries, _ := os.ReadDir(eventFixtures)
	for _, e := range entries {
		if raw, err := os.ReadFile(filepath.Join(eventFixtures, e.Name())); err == nil {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev := alertevent.Parse(raw, alertevent.DefaultConfig())
		body, err := Body(Event(ev))
		if err != nil {
			t.Fatal(err)
		}
		if err := checkLimits(body); err != nil {
			t.Fatalf("event payload: %v\n%s", err, body)
		}
		body, err = Body(Summary([]alertevent.Event{ev, ev, alertevent.Parse([]byte("{}"), alertevent.DefaultConfig())}))
		if err != nil {
			t.Fatal(err)
		}
		if err := checkLimits(body); err != nil {
			t.Fatalf("summary payload: %v\n%s", err, body)
		}
	})
}
