package sqs

import (
	"encoding/json"
	"testing"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// FuzzOwnList: ListQueues' answer, whatever kumo sends, keeps no queue URL
// of another account, and a well-formed answer stays JSON.
func FuzzOwnList(f *testing.F) {
	f.Add([]byte(`{"QueueUrls":["http://h/111122223333/a","http://h/444455556666/b"],"NextToken":"t"}`))
	f.Add([]byte(`{"QueueUrls":[]}`))
	f.Add([]byte(`not json`))
	c := &emu.Call{Caller: emu.Principal{Account: "111122223333"}}
	f.Fuzz(func(t *testing.T, out []byte) {
		got := ownList(c, out)
		var res struct{ QueueUrls []string }
		if json.Unmarshal(out, &res) != nil {
			return
		}
		res.QueueUrls = nil
		if err := json.Unmarshal(got, &res); err != nil {
			t.Fatalf("answer %q is no longer JSON: %v", got, err)
		}
		for _, u := range res.QueueUrls {
			if m := queueURL.FindStringSubmatch(u); m != nil && m[1] != c.Caller.Account {
				t.Fatalf("%s of another account kept", u)
			}
		}
	})
}
