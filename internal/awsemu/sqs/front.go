// Package sqs is SQS as awsemu's front serves it from kumo, which keeps
// every queue in its one account (KumoAccount) and speaks the JSON
// protocol only. Front shows each queue in the account that created it, as
// SQS does (owners.go): queue URLs and ARNs in a request are turned into
// kumo's before it is forwarded, and kumo's in the answer into the owner's
// account on the front's URL; a queue named in another account does not
// exist there, and ListQueues lists the caller's own. It translates the
// Query protocol (the aws CLI 2.9's and older SDKs') to JSON and back
// (query.go). Metrics publishes SQS's queue metrics from kumo's queues for
// CloudWatch (metrics.go).
//
// Queues are still one namespace for the whole process: two accounts
// cannot have queues of one name, and the emulator's own consumers
// (event-source mappings, EventBridge targets, move tasks) reach kumo's
// queue of that name whatever account an ARN names.
package sqs

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// KumoAccount is the account of every queue in kumo.
const KumoAccount = "000000000000"

var (
	// In requests: any account's queue URL or ARN becomes kumo's.
	arnAccount = regexp.MustCompile(`arn:aws:sqs:([a-z0-9-]+):[0-9]{12}:`)
	urlAccount = regexp.MustCompile(`https?://[^/"\\\s]+/[0-9]{12}/`)
	// In answers: kumo's queue URLs and ARNs, with the queue's name.
	urlQueue = regexp.MustCompile(`https?://[^/"\\\s]+/[0-9]{12}/([A-Za-z0-9_.-]+)`)
	arnQueue = regexp.MustCompile(`arn:aws:sqs:([a-z0-9-]+):[0-9]{12}:([A-Za-z0-9_.-]+)`)
)

// Links is what Front reaches beyond itself: the URLs queue URLs are
// translated between.
type Links interface {
	// Endpoint is the front's URL, on which callers see their queues.
	Endpoint() string
	// KumoURL is kumo's base URL.
	KumoURL() (string, error)
}

// Front answers SQS calls through kumo in the caller's account.
type Front struct {
	links  Links
	owners owners
}

// NewFront is the SQS front over links.
func NewFront(links Links) *Front { return &Front{links: links} }

// Serve answers a JSON- or Query-protocol SQS call through kumo.
func (f *Front) Serve(c *emu.Call) error {
	if c.Protocol == wire.Query {
		return f.serveQuery(c)
	}
	status, header, out, err := f.roundTrip(c, c.Body)
	if err != nil {
		return err
	}
	header.Set("Content-Length", strconv.Itoa(len(out)))
	return c.Respond(status, header, out)
}

// roundTrip sends body, the call's JSON input, to kumo with the accounts
// translated and returns kumo's answer, translated back to each queue's
// owner (owners.go); a queue named in an account that does not own it is
// not sent.
func (f *Front) roundTrip(c *emu.Call, body []byte) (int, http.Header, []byte, error) {
	kumo, err := f.links.KumoURL()
	if err != nil {
		return 0, nil, nil, err
	}
	if err := f.owners.admit(c, body); err != nil {
		return 0, nil, nil, err
	}
	in := urlAccount.ReplaceAll(body, []byte(kumo+"/"+KumoAccount+"/"))
	in = arnAccount.ReplaceAll(in, []byte("arn:aws:sqs:${1}:"+KumoAccount+":"))
	status, header, out := c.RoundTrip(in)
	f.owners.observe(c, body, status)
	endpoint := f.links.Endpoint()
	out = urlQueue.ReplaceAllFunc(out, func(u []byte) []byte {
		m := urlQueue.FindSubmatch(u)
		return []byte(endpoint + "/" + f.owners.account(c, string(m[1])) + "/" + string(m[1]))
	})
	out = arnQueue.ReplaceAllFunc(out, func(a []byte) []byte {
		m := arnQueue.FindSubmatch(a)
		return []byte("arn:aws:sqs:" + string(m[1]) + ":" + f.owners.account(c, string(m[2])) + ":" + string(m[2]))
	})
	if c.Action == "ListQueues" && status < 300 {
		out = ownList(c, out)
	}
	return status, header.Clone(), out, nil
}
