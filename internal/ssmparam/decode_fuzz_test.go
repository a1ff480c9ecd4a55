package ssmparam

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary answers to both decoders: no panic, and an
// error never quotes the answer, which may hold the secret.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"Parameter":{"Name":"/rg/hook","Type":"SecureString","Value":"` + secret + `","Version":1}}`))
	f.Add([]byte(`{"Parameter":{"Value":null}}`))
	f.Add([]byte(`{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"Parameter /rg/x not found."}`))
	f.Add([]byte(`{"__type":"ThrottlingException:http://internal.amazon.com/","Message":"Rate exceeded"}`))
	f.Add([]byte(`<html>502 Bad Gateway</html>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		value, err := decodeValue(data)
		if err != nil {
			if value != "" {
				t.Errorf("decodeValue returned %q with error %v", value, err)
			}
			if len(data) > 8 && strings.Contains(err.Error(), string(data)) {
				t.Errorf("decodeValue error quotes the answer: %v", err)
			}
		}
		err = decodeError(&http.Response{StatusCode: 400, Header: http.Header{}}, data)
		if err == nil || strings.Contains(err.Error(), "#") && !strings.Contains(string(data), "#") {
			t.Errorf("decodeError = %v", err)
		}
	})
}
