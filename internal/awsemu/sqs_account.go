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
// kumoAccount is the account of every queue in kumo.
const kumoAccount = "000000000000"

var (
	sqsARNAccount = regexp.MustCompile(`arn:aws:sqs:([a-z0-9-]+):[0-9]{12}:`)
	sqsURLAccount = regexp.MustCompile(`https?://[^/"\\\s]+/[0-9]{12}/`)
)

// forwardSQS forwards an SQS call to kumo with the accounts translated.
func (s *Server) forwardSQS(c *Call) {
	rec := httptest.NewRecorder()
	s.forwardSQSTo(c, rec)
	for k, v := range rec.Header() {
		c.w.Header()[k] = v
	}
	c.w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
	c.written = true
	c.w.WriteHeader(rec.Code)
	_, _ = c.w.Write(rec.Body.Bytes())
}

// forwardSQSTo sends c.Body to kumo with the accounts translated and
// records kumo's answer, translated back, in rec and the call log.
func (s *Server) forwardSQSTo(c *Call, rec *httptest.ResponseRecorder) {
	kumo, err := KumoURL()
	if err != nil {
		rec.WriteHeader(http.StatusInternalServerError)
		return
	}
	in := sqsURLAccount.ReplaceAll(c.Body, []byte(kumo+"/"+kumoAccount+"/"))
	in = sqsARNAccount.ReplaceAll(in, []byte("arn:aws:sqs:${1}:"+kumoAccount+":"))
	c.Request.Body = io.NopCloser(bytes.NewReader(in))
	c.Request.ContentLength = int64(len(in))
	c.Request.Header.Set("Content-Length", strconv.Itoa(len(in)))

	kumoRec := httptest.NewRecorder()
	s.proxy.ServeHTTP(kumoRec, c.Request)

	out := sqsURLAccount.ReplaceAll(kumoRec.Body.Bytes(), []byte(s.URL+"/"+c.Caller.Account+"/"))
	out = sqsARNAccount.ReplaceAll(out, []byte("arn:aws:sqs:${1}:"+c.Caller.Account+":"))
	for k, v := range kumoRec.Header() {
		rec.Header()[k] = v
	}
	c.record.Status = kumoRec.Code
	if kumoRec.Code >= 400 {
		c.record.ErrorCode = kumoRec.Header().Get("X-Amzn-Errortype")
		if c.record.ErrorCode == "" {
			c.record.ErrorCode = http.StatusText(kumoRec.Code)
		}
	}
	rec.WriteHeader(kumoRec.Code)
	_, _ = rec.Write(out)
}
