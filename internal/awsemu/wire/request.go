// Package wire reads and writes the AWS wire protocols awsemu answers in:
// it tells a request's protocol, signing scope and action (ParseRequest,
// RESTOperation), and writes results and errors in that protocol's shape —
// Query XML, awsJson and REST-JSON, and Smithy RPC v2 CBOR
// (WriteQueryResult, WriteJSON, WriteCBOR, WriteError).
package wire

import (
	"net/http"
	"net/url"
	"strings"
)

// Protocol is the AWS wire protocol a request speaks; it decides how the
// answer and its errors are shaped.
type Protocol int

const (
	// REST is REST-JSON or REST-XML (Lambda, S3): the action is in the
	// method and path.
	REST Protocol = iota
	// Query is the form-encoded Query protocol (IAM, STS).
	Query
	// JSON is awsJson 1.0/1.1 with an X-Amz-Target header (Organizations,
	// SQS, EventBridge, Logs).
	JSON
	// CBOR is Smithy RPC v2 CBOR (CloudWatch): the action is the last
	// segment of /service/<Service>/operation/<Operation>.
	CBOR
)

// Request is what the front learns from a request before answering it: who
// signed it, for which service and region, and which action it asks.
type Request struct {
	AccessKeyID string
	Region      string
	Service     string
	Protocol    Protocol
	Action      string
	Params      url.Values // Query protocol parameters; nil otherwise
}

// ParseRequest reads the SigV4 credential scope (Authorization header, or
// X-Amz-Credential for presigned URLs) and the action. It never fails: an
// unsigned request has an empty access key ID and is refused by the caller.
func ParseRequest(r *http.Request, body []byte) Request {
	var req Request
	scope, ok := credentialScopeFromAuthorization(r.Header.Get("Authorization"))
	if !ok {
		scope, ok = parseCredentialScope(r.URL.Query().Get("X-Amz-Credential"))
	}
	if ok {
		req.AccessKeyID, req.Region, req.Service = scope.accessKeyID, scope.region, scope.service
	}

	if r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" {
		req.Protocol = CBOR
		req.Action = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		return req
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		req.Protocol = JSON
		req.Action = target[strings.LastIndexByte(target, '.')+1:]
		return req
	}
	if params, ok := queryParams(r, body); ok {
		req.Protocol = Query
		req.Params = params
		req.Action = params.Get("Action")
	}
	return req
}

// queryParams returns the Query protocol parameters of a form POST (or of a
// GET carrying Action=), and whether the request is a Query call at all.
func queryParams(r *http.Request, body []byte) (url.Values, bool) {
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		params, err := url.ParseQuery(string(body))
		if err != nil || params.Get("Action") == "" {
			return nil, false
		}
		return params, true
	}
	if params := r.URL.Query(); params.Get("Action") != "" && r.Method == http.MethodGet {
		return params, true
	}
	return nil, false
}

// credentialScope is AKID/date/region/service/aws4_request.
type credentialScope struct {
	accessKeyID string
	date        string
	region      string
	service     string
}

// credentialScopeFromAuthorization reads the scope from
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, SignedHeaders=…, Signature=…".
func credentialScopeFromAuthorization(header string) (credentialScope, bool) {
	const algorithm = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(header, algorithm) {
		return credentialScope{}, false
	}
	for field := range strings.SplitSeq(header[len(algorithm):], ",") {
		if value, ok := strings.CutPrefix(strings.TrimSpace(field), "Credential="); ok {
			return parseCredentialScope(value)
		}
	}
	return credentialScope{}, false
}

func parseCredentialScope(credential string) (credentialScope, bool) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" || parts[3] == "" {
		return credentialScope{}, false
	}
	return credentialScope{accessKeyID: parts[0], date: parts[1], region: parts[2], service: parts[3]}, true
}
