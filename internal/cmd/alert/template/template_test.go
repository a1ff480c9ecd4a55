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

func TestTemplateRejectsBadOptions(t *testing.T) {
	if err := runTemplate(&Options{Out: &bytes.Buffer{}, Forwarder: "us-east-1"}); err == nil {
		t.Error("a forwarder for the home region was accepted")
	}
}
