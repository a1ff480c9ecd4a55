package awsemu

import "testing"

// FuzzLoadScenario: a scenario file is outside input (`rootguard local
// --scenario`): loading never panics, whatever it holds.
func FuzzLoadScenario(f *testing.F) {
	f.Add(SampleScenario())
	f.Add([]byte(`{"accounts":[{"id":"1","root":{}}]}`))
	f.Add([]byte(`{"organization":{"management":"x","ous":[{"Name":"a","Parent":"nowhere"}]},"accounts":[]}`))
	f.Add([]byte(`{"accounts":[{"id":"2","ou":"missing","root":{"mfa":[{"kind":"weird","name":""}]}}]}`))
	emu, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(emu.Close)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := New()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_ = s.LoadScenario(data)
	})
}
