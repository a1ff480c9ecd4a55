// Package alertfn is rootguard's alert Lambda function: it reads root
// activity events — delivered directly by EventBridge or in batches from an
// SQS event-source mapping — and posts them to Slack.
//
// Nothing is dropped silently. A direct invocation whose post fails returns
// an error, so Lambda retries it and finally hands it to the function's
// failure destination. In an SQS batch every event is posted on its own,
// counted in a summary post, or reported back as a batch item failure
// (ReportBatchItemFailures), so SQS redelivers it and finally moves it to
// the dead-letter queue.
package alertfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/rootguard/rootguard/internal/alertevent"
	"github.com/rootguard/rootguard/internal/slackmsg"
	"github.com/rootguard/rootguard/internal/ssmparam"
	"github.com/rootguard/rootguard/internal/webhook"
)

// ssmAPI reads the webhook parameter, decrypted. ssmparam, not the SDK's
// SSM client, whose package init alone took 43 % of the function's
// (ssmparam's package doc says why).
type ssmAPI interface {
	GetDecrypted(ctx context.Context, name string) (string, error)
}

var _ ssmAPI = (*ssmparam.Client)(nil)

// deadlineMargin is kept back from the invocation's deadline so that the
// function can still report which SQS messages failed.
const deadlineMargin = 500 * time.Millisecond

// Handler is the function. Build it once per cold start with New.
type Handler struct {
	cfg    Config
	params ssmAPI
	logger *slog.Logger
	// newHook builds the webhook client from the secret URL.
	newHook func(url string) (*webhook.Client, error)

	mu   sync.Mutex
	hook *webhook.Client // cached once the parameter has been read
}

// New returns the Handler. httpClient may be nil.
func New(cfg Config, params ssmAPI, httpClient *http.Client, logger *slog.Logger) *Handler {
	return &Handler{
		cfg:    cfg,
		params: params,
		logger: logger,
		newHook: func(url string) (*webhook.Client, error) {
			c, err := webhook.New(url, httpClient)
			if err != nil {
				return nil, err
			}
			c.Logger = logger
			return c, nil
		},
	}
}

// Invoke is the Lambda entry point. For an SQS batch it returns an
// events.SQSEventResponse naming the messages to retry; for an EventBridge
// event it returns an error when the alert could not be posted.
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineMargin))
		defer cancel()
	}
	hook, err := h.webhook(ctx)
	if err != nil {
		h.logger.ErrorContext(ctx, "cannot post alerts", "error", err.Error())
		return nil, err
	}
	if batch, ok := sqsBatch(payload); ok {
		return h.handleBatch(ctx, hook, batch), nil
	}
	ev := alertevent.Parse(payload, h.cfg.Events)
	failed := h.deliver(ctx, hook, []item{{event: ev}})
	if len(failed) > 0 {
		return nil, fmt.Errorf("alert for event %s not posted: %w", eventRef(ev), failed[0].err)
	}
	return nil, nil
}

// webhook returns the client for the secret URL, reading the parameter on
// first use and after a failed read.
func (h *Handler) webhook(ctx context.Context) (*webhook.Client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hook != nil {
		return h.hook, nil
	}
	url, err := h.params.GetDecrypted(ctx, h.cfg.WebhookParameter)
	if err != nil {
		return nil, fmt.Errorf("read webhook parameter %s: %w", h.cfg.WebhookParameter, err)
	}
	if url == "" {
		return nil, fmt.Errorf("webhook parameter %s is empty", h.cfg.WebhookParameter)
	}
	hook, err := h.newHook(url)
	if err != nil {
		return nil, fmt.Errorf("webhook parameter %s: %w", h.cfg.WebhookParameter, err)
	}
	h.hook = hook
	return hook, nil
}

// sqsBatch recognises an SQS event-source-mapping payload.
func sqsBatch(payload json.RawMessage) (events.SQSEvent, bool) {
	var batch events.SQSEvent
	if json.Unmarshal(payload, &batch) != nil || len(batch.Records) == 0 || batch.Records[0].EventSource != "aws:sqs" {
		return events.SQSEvent{}, false
	}
	return batch, true
}

func (h *Handler) handleBatch(ctx context.Context, hook *webhook.Client, batch events.SQSEvent) events.SQSEventResponse {
	items := make([]item, len(batch.Records))
	for i, r := range batch.Records {
		items[i] = item{event: alertevent.Parse([]byte(r.Body), h.cfg.Events), messageID: r.MessageId}
	}
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, f := range h.deliver(ctx, hook, items) {
		for _, it := range f.post.items {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: it.messageID})
		}
	}
	h.logger.InfoContext(ctx, "batch done", "messages", len(items), "failed_messages", len(resp.BatchItemFailures))
	return resp
}

type failure struct {
	post post
	err  error
}

// deliver posts the plan for items in order and returns the posts that
// failed.
func (h *Handler) deliver(ctx context.Context, hook *webhook.Client, items []item) []failure {
	var failed []failure
	for _, p := range plan(items) {
		evs := make([]alertevent.Event, len(p.items))
		for i, it := range p.items {
			evs[i] = it.event
		}
		attrs := postAttrs(p, evs)
		msg := slackmsg.Event(evs[0])
		if len(evs) > 1 {
			msg = slackmsg.Summary(evs)
		}
		body, err := slackmsg.Body(msg)
		if err == nil {
			err = hook.Post(ctx, body)
		}
		if err != nil {
			failed = append(failed, failure{post: p, err: err})
			var werr *webhook.Error
			if errors.As(err, &werr) {
				attrs = append(attrs, "http_status", werr.Status, "slack_code", werr.Code, "permanent", werr.Permanent)
			}
			h.logger.ErrorContext(ctx, "alert not posted", append(attrs, "error", err.Error())...)
			continue
		}
		h.logger.InfoContext(ctx, "alert posted", attrs...)
	}
	return failed
}

// loggedIDs caps the event IDs written to one log line.
const loggedIDs = 20

func postAttrs(p post, evs []alertevent.Event) []any {
	ids := make([]string, 0, min(len(evs), loggedIDs))
	var msgIDs []string
	for i, e := range evs {
		if i < loggedIDs {
			ids = append(ids, eventRef(e))
			if p.items[i].messageID != "" {
				msgIDs = append(msgIDs, p.items[i].messageID)
			}
		}
	}
	attrs := []any{"events", len(evs), "event_ids", ids, "kind", evs[0].Kind.String(),
		"severity", p.severity().String(), "title", evs[0].Title}
	if len(msgIDs) > 0 {
		attrs = append(attrs, "sqs_message_ids", msgIDs)
	}
	return attrs
}

// eventRef identifies an event in logs: the CloudTrail event ID, else the
// EventBridge id.
func eventRef(e alertevent.Event) string {
	switch {
	case e.EventID != "":
		return e.EventID
	case e.ID != "":
		return e.ID
	default:
		return "(no id)"
	}
}
