package alertfn

import (
	"cmp"
	"slices"

	"github.com/rootguard/rootguard/internal/alertevent"
)

// Batches of at most individualMax events are posted one message per
// event; larger ones are grouped.
const individualMax = 3

// maxPosts caps the messages for one batch: groups beyond it share a single
// mixed summary. Slack accepts about one message per second per webhook.
const maxPosts = 10

// item is one received event and the SQS message that carried it ("" for a
// direct EventBridge invocation).
type item struct {
	event     alertevent.Event
	messageID string
}

// post is one Slack message: a single event, or a summary of several.
type post struct {
	items []item
}

// plan turns a batch into posts. Few events: one post each. Many: one post
// per (account, group) — a summary when the group has several events — most
// severe first, at most maxPosts. Every item lands in exactly one post.
func plan(items []item) []post {
	if len(items) <= individualMax {
		posts := make([]post, len(items))
		for i, it := range items {
			posts[i] = post{items: []item{it}}
		}
		return posts
	}
	type key struct{ account, group string }
	index := map[key]int{}
	var posts []post
	for _, it := range items {
		k := key{it.event.Account, it.event.Group}
		if it.event.Kind == alertevent.KindPostureDigest {
			// A digest is a message of its own, never counted into a summary.
			k.group = "digest " + it.event.ID
		}
		i, ok := index[k]
		if !ok {
			i = len(posts)
			index[k] = i
			posts = append(posts, post{})
		}
		posts[i].items = append(posts[i].items, it)
	}
	slices.SortStableFunc(posts, func(a, b post) int {
		return cmp.Or(cmp.Compare(b.digest(), a.digest()), cmp.Compare(b.severity(), a.severity()))
	})
	if len(posts) > maxPosts {
		rest := post{}
		for _, p := range posts[maxPosts-1:] {
			rest.items = append(rest.items, p.items...)
		}
		posts = append(posts[:maxPosts-1], rest)
	}
	return posts
}

// digest is 1 for a posture digest's post: those go first, so that no
// batch, however large, folds one into the summary of the rest.
func (p post) digest() int {
	if p.items[0].event.Kind == alertevent.KindPostureDigest {
		return 1
	}
	return 0
}

func (p post) severity() alertevent.Severity {
	var s alertevent.Severity
	for _, it := range p.items {
		s = max(s, it.event.Severity)
	}
	return s
}
