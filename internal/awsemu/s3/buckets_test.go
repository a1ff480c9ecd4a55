package s3

import "testing"

func TestDeniesEveryone(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`:                                          true,
		`{"Statement":{"Effect":"Deny","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"s3:*"}}`:                        true,
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`: false,
		`{"Statement":[{"Effect":"Deny","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"*"}]}`:                      false,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`:                                             false,
		`not json`: false,
	} {
		if got := deniesEveryone([]byte(doc)); got != want {
			t.Errorf("%s: %v, want %v", doc, got, want)
		}
	}
}
