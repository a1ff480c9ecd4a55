package template

import (
	"bytes"
	"os"
	"testing"

	"github.com/rootguard/rootguard/internal/stack"
)

func TestTemplatePrintsTheGoldenHub(t *testing.T) {
	var out bytes.Buffer
	if err := runTemplate(&Options{Out: &out, Stack: stack.HubOptions{Prefix: stack.DefaultPrefix, Architecture: "arm64"}}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../../stack/testdata/hub-default.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Error("alert template differs from the stack package's golden default template")
	}
}

func TestTemplatePrintsTheGoldenOrganizationTemplates(t *testing.T) {
	for golden, opts := range map[string]Options{
		"hub-org.json": {Stack: stack.HubOptions{Prefix: stack.DefaultPrefix, Architecture: "arm64", OrgID: "o-abcdef1234"}},
		"spoke.json":   {Stack: stack.HubOptions{Prefix: stack.DefaultPrefix}, SpokeHub: "111122223333"},
	} {
		var out bytes.Buffer
		opts.Out = &out
		if err := runTemplate(&opts); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile("../../../stack/testdata/" + golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("alert template differs from the stack package's golden %s", golden)
		}
	}
}

func TestTemplateRejectsBadOptions(t *testing.T) {
	if err := runTemplate(&Options{Out: &bytes.Buffer{}, Forwarder: "us-east-1"}); err == nil {
		t.Error("a forwarder for the home region was accepted")
	}
}
