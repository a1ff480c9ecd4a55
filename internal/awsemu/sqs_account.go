package awsemu

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
)

// kumo keeps every queue in its one account (kumoAccount), and names it in
// queue URLs and ARNs. The front shows a caller its queues in its own
// account, as SQS does: in a JSON-protocol SQS call, queue URLs and ARNs in
// the request are turned into kumo's before it is forwarded, and kumo's in
// the answer into the caller's account on the front's URL. Queues are
// still one namespace for the whole process (a queue name names the same
// queue in every account), and an ARN of another account's queue in a
// queue policy reads back in the caller's.
var (
	sqsARNAccount = regexp.MustCompile(`arn:aws:sqs:([a-z0-9-]+):[0-9]{12}:`)
	sqsURLAccount = regexp.MustCompile(`https?://[^/"\\\s]+/[0-9]{12}/`)
)

// forwardSQS forwards an SQS call to kumo with the accounts translated.
func (s *Server) forwardSQS(c *Call) {
	kumo, err := KumoURL()
	if err != nil {
		c.finish(err)
		return
	}
	in := sqsURLAccount.ReplaceAll(c.Body, []byte(kumo+"/"+kumoAccount+"/"))
	in = sqsARNAccount.ReplaceAll(in, []byte("arn:aws:sqs:${1}:"+kumoAccount+":"))
	c.Request.Body = io.NopCloser(bytes.NewReader(in))
	c.Request.ContentLength = int64(len(in))
	c.Request.Header.Set("Content-Length", strconv.Itoa(len(in)))

	rec := httptest.NewRecorder()
	s.proxy.ServeHTTP(rec, c.Request)

	out := sqsURLAccount.ReplaceAll(rec.Body.Bytes(), []byte(s.URL+"/"+c.Caller.Account+"/"))
	out = sqsARNAccount.ReplaceAll(out, []byte("arn:aws:sqs:${1}:"+c.Caller.Account+":"))
	for k, v := range rec.Header() {
		c.w.Header()[k] = v
	}
	c.w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	c.written = true
	c.record.Status = rec.Code
	if rec.Code >= 400 {
		c.record.ErrorCode = rec.Header().Get("X-Amzn-Errortype")
		if c.record.ErrorCode == "" {
			c.record.ErrorCode = http.StatusText(rec.Code)
		}
	}
	c.w.WriteHeader(rec.Code)
	_, _ = c.w.Write(out)
}
