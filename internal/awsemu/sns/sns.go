// Package sns models SNS topics and subscriptions, per account and region,
// for awsemu: CloudFormation's AWS::SNS::Topic and AWS::SNS::Subscription
// (the pipeline's alarm e-mail) and reading them back. Nothing is published:
// e-mail and e-mail-json subscriptions stay pending confirmation, as on AWS
// until the recipient follows the link AWS mails them.
package sns

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

type tag struct{ Key, Value string }

type snsTopic struct {
	arn  string
	tags []tag
}

type snsSubscription struct {
	arn, topic, protocol, endpoint, owner string
	pending                               bool
}

type snsModel struct {
	mu     sync.Mutex
	topics map[string]*snsTopic // by ARN
	subs   []*snsSubscription
}

// Register answers the SNS actions modelled on host, from a model of its
// own.
func Register(host emu.Host) {
	m := &snsModel{topics: map[string]*snsTopic{}}
	for action, h := range map[string]emu.Handler{
		"CreateTopic":              m.createTopic,
		"DeleteTopic":              m.deleteTopic,
		"ListTopics":               m.listTopics,
		"GetTopicAttributes":       m.getTopicAttributes,
		"Subscribe":                m.subscribe,
		"Unsubscribe":              m.unsubscribe,
		"ListSubscriptionsByTopic": m.listSubscriptionsByTopic,
		"TagResource":              m.tagResource,
		"ListTagsForResource":      m.listTagsForResource,
	} {
		host.Handle("sns", action, func(c *emu.Call) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			return h(c)
		})
	}
}

// topicName and maxTopicName: 1 to 256 of these characters, the bound
// checked apart (in the pattern it compiles to 256 states at every start of
// the CLI, which links the emulator).
var topicName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

const maxTopicName = 256

func snsInvalid(format string, args ...any) error {
	return emu.NewError(http.StatusBadRequest, "InvalidParameter", "Invalid parameter: "+format, args...)
}

func snsNotFound(what string) error {
	return emu.NewError(http.StatusNotFound, "NotFound", "%s does not exist", what)
}

func queryTags(c *emu.Call) []tag {
	var tags []tag
	for _, t := range c.Members("Tags", "Key", "Value") {
		tags = append(tags, tag{Key: t["Key"], Value: t["Value"]})
	}
	return tags
}

// inScope reports whether the topic ARN is in the caller's account and
// region.
func inScope(c *emu.Call, arn string) bool {
	return strings.HasPrefix(arn, "arn:aws:sns:"+c.Region+":"+c.Caller.Account+":")
}

// topic finds the caller's topic by ARN.
func (m *snsModel) topic(c *emu.Call, arn string) (*snsTopic, error) {
	t := m.topics[arn]
	if t == nil || !inScope(c, arn) {
		return nil, snsNotFound("Topic")
	}
	return t, nil
}

func (m *snsModel) createTopic(c *emu.Call) error {
	name := c.Param("Name")
	if base := strings.TrimSuffix(name, ".fifo"); len(base) > maxTopicName || !topicName.MatchString(base) {
		return snsInvalid("Topic Name")
	}
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", c.Region, c.Caller.Account, name)
	if m.topics[arn] == nil {
		m.topics[arn] = &snsTopic{arn: arn, tags: queryTags(c)}
	}
	return c.Result(struct{ TopicArn string }{arn})
}

// deleteTopic removes the topic and its subscriptions; deleting a topic
// that does not exist succeeds, as on AWS.
func (m *snsModel) deleteTopic(c *emu.Call) error {
	arn := c.Param("TopicArn")
	if _, err := m.topic(c, arn); err != nil {
		return c.Result(nil)
	}
	delete(m.topics, arn)
	m.subs = slices.DeleteFunc(m.subs, func(s *snsSubscription) bool { return s.topic == arn })
	return c.Result(nil)
}

func (m *snsModel) listTopics(c *emu.Call) error {
	type member struct{ TopicArn string }
	var out []member
	for arn := range m.topics {
		if inScope(c, arn) {
			out = append(out, member{arn})
		}
	}
	slices.SortFunc(out, func(a, b member) int { return strings.Compare(a.TopicArn, b.TopicArn) })
	return c.Result(struct {
		Topics []member `xml:"Topics>member"`
	}{out})
}

type snsEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func (m *snsModel) getTopicAttributes(c *emu.Call) error {
	t, err := m.topic(c, c.Param("TopicArn"))
	if err != nil {
		return err
	}
	confirmed, pending := 0, 0
	for _, s := range m.subs {
		if s.topic == t.arn && s.pending {
			pending++
		} else if s.topic == t.arn {
			confirmed++
		}
	}
	attrs := map[string]string{
		"TopicArn": t.arn, "Owner": c.Caller.Account, "DisplayName": "",
		"SubscriptionsConfirmed": strconv.Itoa(confirmed), "SubscriptionsPending": strconv.Itoa(pending), "SubscriptionsDeleted": "0",
	}
	var entries []snsEntry
	for k, v := range attrs {
		entries = append(entries, snsEntry{k, v})
	}
	slices.SortFunc(entries, func(a, b snsEntry) int { return strings.Compare(a.Key, b.Key) })
	return c.Result(struct {
		Attributes []snsEntry `xml:"Attributes>entry"`
	}{entries})
}

// subscribe adds a subscription; e-mail ones are pending confirmation, and
// their ARN is returned only with ReturnSubscriptionArn, as on AWS.
func (m *snsModel) subscribe(c *emu.Call) error {
	topic, protocol, endpoint := c.Param("TopicArn"), c.Param("Protocol"), c.Param("Endpoint")
	t, err := m.topic(c, topic)
	if err != nil {
		return err
	}
	switch protocol {
	case "email", "email-json":
		if at := strings.IndexByte(endpoint, '@'); at < 1 || at == len(endpoint)-1 || strings.ContainsAny(endpoint, " \t\r\n") {
			return snsInvalid("Email address")
		}
	case "http", "https", "sqs", "lambda", "sms", "application", "firehose":
		if endpoint == "" {
			return snsInvalid("Endpoint")
		}
	default:
		return snsInvalid("Invalid protocol type: %s", protocol)
	}
	var sub *snsSubscription
	for _, s := range m.subs {
		if s.topic == t.arn && s.protocol == protocol && s.endpoint == endpoint {
			sub = s
		}
	}
	if sub == nil {
		sub = &snsSubscription{arn: t.arn + ":" + uuid.NewString(), topic: t.arn, protocol: protocol, endpoint: endpoint,
			owner: c.Caller.Account, pending: protocol == "email" || protocol == "email-json"}
		m.subs = append(m.subs, sub)
	}
	arn := sub.arn
	if sub.pending && c.Param("ReturnSubscriptionArn") != "true" {
		arn = "pending confirmation"
	}
	return c.Result(struct{ SubscriptionArn string }{arn})
}

func (m *snsModel) unsubscribe(c *emu.Call) error {
	arn := c.Param("SubscriptionArn")
	i := slices.IndexFunc(m.subs, func(s *snsSubscription) bool { return s.arn == arn && s.owner == c.Caller.Account })
	if i < 0 {
		return snsNotFound("Subscription")
	}
	m.subs = slices.Delete(m.subs, i, i+1)
	return c.Result(nil)
}

func (m *snsModel) listSubscriptionsByTopic(c *emu.Call) error {
	t, err := m.topic(c, c.Param("TopicArn"))
	if err != nil {
		return err
	}
	type member struct{ SubscriptionArn, Owner, Protocol, Endpoint, TopicArn string }
	var out []member
	for _, s := range m.subs {
		if s.topic != t.arn {
			continue
		}
		arn := s.arn
		if s.pending {
			arn = "PendingConfirmation"
		}
		out = append(out, member{arn, s.owner, s.protocol, s.endpoint, s.topic})
	}
	return c.Result(struct {
		Subscriptions []member `xml:"Subscriptions>member"`
	}{out})
}

func (m *snsModel) tagResource(c *emu.Call) error {
	t, err := m.topic(c, c.Param("ResourceArn"))
	if err != nil {
		return emu.NewError(http.StatusNotFound, "ResourceNotFound", "Resource does not exist")
	}
	for _, nt := range queryTags(c) {
		if i := slices.IndexFunc(t.tags, func(old tag) bool { return old.Key == nt.Key }); i >= 0 {
			t.tags[i] = nt
		} else {
			t.tags = append(t.tags, nt)
		}
	}
	return c.Result(struct{}{})
}

func (m *snsModel) listTagsForResource(c *emu.Call) error {
	t, err := m.topic(c, c.Param("ResourceArn"))
	if err != nil {
		return emu.NewError(http.StatusNotFound, "ResourceNotFound", "Resource does not exist")
	}
	return c.Result(struct {
		Tags []tag `xml:"Tags>member"`
	}{t.tags})
}
