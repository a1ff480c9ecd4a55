package sqs

import (
	"encoding/json"
	"net/http"
	"regexp"

	"sync"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// owners scopes kumo's queues to the accounts that made them, as far as
// one namespace of queue names allows. On SQS a queue belongs to the
// account that created it: its URL and ARN carry that account, another
// account reaches it only by naming the owner (the queue URL, or
// GetQueueUrl's QueueOwnerAWSAccountId) and ListQueues "returns a list of
// your queues" — "cross-account permissions don't apply to this action"
// (SQS API Reference, GetQueueUrl, ListQueues). The front keeps who created
// each queue through it and answers accordingly: a queue named in another
// account than its owner's does not exist, listings show the caller's own
// queues, and URLs and ARNs in answers carry the owner's account. What one
// namespace cannot do is hold two accounts' queues of one name: CreateQueue
// of a name another account owns is refused, naming the limit. Queues not
// created through this front (by another Server of the process, or kumo's
// own clients) have no owner here and are seen in the caller's account.
// Queue policies are not evaluated: naming the owner is enough to reach its
// queue. ListQueues pages are kumo's, filtered: a page may hold fewer than
// MaxResults queues.
type owners struct {
	mu sync.Mutex
	m  map[string]string // queue name → account
}

func (o *owners) get(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[name]
}

func (o *owners) set(name, account string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string]string{}
	}
	if _, ok := o.m[name]; !ok {
		o.m[name] = account
	}
}

func (o *owners) forget(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, name)
}

// queueURL is a queue URL's account and name.
var queueURL = regexp.MustCompile(`/([0-9]{12})/([A-Za-z0-9_.-]+)/?$`)

// request is the part of an SQS call's JSON input that names a queue.
type request struct {
	QueueURL               string `json:"QueueUrl"`
	QueueName              string
	QueueOwnerAWSAccountID string `json:"QueueOwnerAWSAccountId"`
}

// admit refuses a call naming a queue in an account that does not own it,
// and CreateQueue of a name another account owns.
func (o *owners) admit(c *emu.Call, body []byte) error {
	var req request
	_ = json.Unmarshal(body, &req)
	if m := queueURL.FindStringSubmatch(req.QueueURL); m != nil && m[1] != KumoAccount {
		if owner := o.get(m[2]); owner != "" && owner != m[1] {
			return errNoQueue(c)
		}
	}
	switch c.Action {
	case "GetQueueUrl":
		account := req.QueueOwnerAWSAccountID
		if account == "" {
			account = c.Caller.Account
		}
		if owner := o.get(req.QueueName); owner != "" && owner != account {
			return errNoQueue(c)
		}
	case "CreateQueue":
		if owner := o.get(req.QueueName); owner != "" && owner != c.Caller.Account {
			return emu.BadRequest("QueueNameExists",
				"awsemu: the queue name %s is account %s's; the local AWS keeps one queue per name for all accounts, so account %s cannot have its own",
				req.QueueName, owner, c.Caller.Account)
		}
	}
	return nil
}

// observe notes a queue created or deleted once kumo answered with
// success.
func (o *owners) observe(c *emu.Call, body []byte, status int) {
	if status >= 300 {
		return
	}
	var req request
	_ = json.Unmarshal(body, &req)
	switch c.Action {
	case "CreateQueue":
		o.set(req.QueueName, c.Caller.Account)
	case "DeleteQueue":
		if m := queueURL.FindStringSubmatch(req.QueueURL); m != nil {
			o.forget(m[2])
		}
	}
}

// account is the account a queue of kumo's is shown in: its owner's, or
// the caller's when the front did not see it created.
func (o *owners) account(c *emu.Call, name string) string {
	if owner := o.get(name); owner != "" {
		return owner
	}
	return c.Caller.Account
}

// ownList keeps, of ListQueues' answer, the caller's own queues.
func ownList(c *emu.Call, out []byte) []byte {
	var res map[string]json.RawMessage
	var urls []string
	if json.Unmarshal(out, &res) != nil || json.Unmarshal(res["QueueUrls"], &urls) != nil {
		return out
	}
	own := make([]string, 0, len(urls))
	for _, u := range urls {
		if m := queueURL.FindStringSubmatch(u); m == nil || m[1] == c.Caller.Account {
			own = append(own, u)
		}
	}
	res["QueueUrls"], _ = json.Marshal(own)
	if len(own) == 0 {
		delete(res, "QueueUrls")
	}
	filtered, err := json.Marshal(res)
	if err != nil {
		return out
	}
	return filtered
}

// errNoQueue is SQS's answer for a queue that does not exist, in the
// request's protocol.
func errNoQueue(c *emu.Call) error {
	code := "QueueDoesNotExist"
	if c.Protocol == wire.Query {
		code = "AWS.SimpleQueueService.NonExistentQueue"
	}
	return emu.NewError(http.StatusBadRequest, code, "The specified queue does not exist.")
}
