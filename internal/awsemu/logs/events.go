package logs

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/filterpattern"
	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Log streams and events of the per-account log groups: what a function's
// output becomes (AppendLog, from awsemu's lambda_exec.go) and what
// rootguard reads back to follow an alert (FilterLogEvents by event ID).

type logStream struct {
	name    string
	created time.Time
	events  []logEvent
}

type logEvent struct {
	timestamp int64 // milliseconds since the epoch
	ingested  int64
	message   string
}

// Limits of PutLogEvents and the default page of the event listings.
const (
	maxPutLogEvents   = 10000
	defaultEventsPage = 10000
)

func errLogStreamNotFound() error {
	return emu.BadRequest("ResourceNotFoundException", "The specified log stream does not exist.")
}

// stream finds a stream of a group. Callers hold m.mu.
func (g *logGroup) stream(name string) (*logStream, error) {
	st := g.streams[name]
	if st == nil {
		return nil, errLogStreamNotFound()
	}
	return st, nil
}

func (g *logGroup) addStream(name string, now time.Time) *logStream {
	if g.streams == nil {
		g.streams = map[string]*logStream{}
	}
	st := &logStream{name: name, created: now}
	g.streams[name] = st
	return st
}

func (m *Logs) createLogStream(s emu.Scope, body []byte) (any, error) {
	var in struct{ LogGroupName, LogStreamName string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	if in.LogStreamName == "" || strings.ContainsAny(in.LogStreamName, ":*") {
		return nil, errLogsInvalidParameter("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", in.LogStreamName)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.group(s, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if g.streams[in.LogStreamName] != nil {
		return nil, emu.BadRequest("ResourceAlreadyExistsException", "The specified log stream already exists")
	}
	g.addStream(in.LogStreamName, m.now())
	return nil, nil
}

type logStreamOut struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	Arn                 string `json:"arn"`
}

func (m *Logs) describeLogStreams(s emu.Scope, body []byte) (any, error) {
	var in struct {
		LogGroupName        string `json:"logGroupName"`
		LogStreamNamePrefix string `json:"logStreamNamePrefix"`
		NextToken           string `json:"nextToken"`
		Limit               int    `json:"limit"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	limit, err := logsLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.group(s, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	out := []logStreamOut{}
	for _, st := range g.streams {
		if !strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			continue
		}
		o := logStreamOut{LogStreamName: st.name, CreationTime: st.created.UnixMilli(),
			Arn: "arn:aws:logs:" + s.Region + ":" + s.Account + ":log-group:" + g.name + ":log-stream:" + st.name}
		if n := len(st.events); n > 0 {
			o.FirstEventTimestamp, o.LastEventTimestamp, o.LastIngestionTime = st.events[0].timestamp, st.events[n-1].timestamp, st.events[n-1].ingested
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b logStreamOut) int { return strings.Compare(a.LogStreamName, b.LogStreamName) })
	page, next := emu.PageByName(out, func(st logStreamOut) string { return st.LogStreamName }, in.NextToken, limit)
	return struct {
		LogStreams []logStreamOut `json:"logStreams"`
		NextToken  string         `json:"nextToken,omitempty"`
	}{page, next}, nil
}

type inputLogEvent struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

func (m *Logs) putLogEvents(s emu.Scope, body []byte) (any, error) {
	var in struct {
		LogGroupName  string          `json:"logGroupName"`
		LogStreamName string          `json:"logStreamName"`
		LogEvents     []inputLogEvent `json:"logEvents"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	if len(in.LogEvents) == 0 || len(in.LogEvents) > maxPutLogEvents {
		return nil, errLogsInvalidParameter("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length between 1 and %d", maxPutLogEvents)
	}
	for i := 1; i < len(in.LogEvents); i++ {
		if in.LogEvents[i].Timestamp < in.LogEvents[i-1].Timestamp {
			return nil, errLogsInvalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.group(s, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	st, err := g.stream(in.LogStreamName)
	if err != nil {
		return nil, err
	}
	ingested := m.now().UnixMilli()
	for _, e := range in.LogEvents {
		st.events = append(st.events, logEvent{timestamp: e.Timestamp, ingested: ingested, message: e.Message})
	}
	return struct {
		NextSequenceToken string `json:"nextSequenceToken"`
	}{strconv.Itoa(len(st.events))}, nil
}

// AppendLog writes messages to a stream of the group in s, creating both
// when missing, as Lambda's log agent does with a role that may.
func (m *Logs) AppendLog(s emu.Scope, group, stream string, at time.Time, messages ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	groups := m.groups(s)
	g := groups[group]
	if g == nil {
		g = &logGroup{name: group, created: m.now(), filters: map[string]*metricFilter{}}
		groups[group] = g
	}
	st := g.streams[stream]
	if st == nil {
		st = g.addStream(stream, m.now())
	}
	for _, msg := range messages {
		st.events = append(st.events, logEvent{timestamp: at.UnixMilli(), ingested: m.now().UnixMilli(), message: msg})
	}
}

type outputLogEvent struct {
	LogStreamName string `json:"logStreamName,omitempty"`
	Timestamp     int64  `json:"timestamp"`
	IngestionTime int64  `json:"ingestionTime"`
	Message       string `json:"message"`
	EventID       string `json:"eventId,omitempty"`
}

// getLogEvents pages through one stream. Tokens are "f/<index>" and
// "b/<index>": the position the next page starts (forward) or ends
// (backward) at.
func (m *Logs) getLogEvents(s emu.Scope, body []byte) (any, error) {
	var in struct {
		LogGroupName  string `json:"logGroupName"`
		LogStreamName string `json:"logStreamName"`
		StartTime     *int64 `json:"startTime"`
		EndTime       *int64 `json:"endTime"`
		NextToken     string `json:"nextToken"`
		Limit         int    `json:"limit"`
		StartFromHead bool   `json:"startFromHead"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit <= 0 || limit > defaultEventsPage {
		limit = defaultEventsPage
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.group(s, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	st, err := g.stream(in.LogStreamName)
	if err != nil {
		return nil, err
	}
	var events []logEvent
	for _, e := range st.events {
		if inTimeRange(e.timestamp, in.StartTime, in.EndTime) {
			events = append(events, e)
		}
	}
	forward := in.StartFromHead
	start, end := 0, len(events)
	switch {
	case strings.HasPrefix(in.NextToken, "f/"):
		forward = true
		start, _ = strconv.Atoi(in.NextToken[2:])
	case strings.HasPrefix(in.NextToken, "b/"):
		forward = false
		end, _ = strconv.Atoi(in.NextToken[2:])
	case in.NextToken != "":
		return nil, errLogsInvalidParameter("The specified nextToken is invalid.")
	}
	start, end = min(max(start, 0), len(events)), min(max(end, 0), len(events))
	if forward {
		end = min(start+limit, len(events))
	} else {
		start = max(end-limit, 0)
	}
	out := make([]outputLogEvent, 0, end-start)
	for _, e := range events[start:end] {
		out = append(out, outputLogEvent{Timestamp: e.timestamp, IngestionTime: e.ingested, Message: e.message})
	}
	return struct {
		Events            []outputLogEvent `json:"events"`
		NextForwardToken  string           `json:"nextForwardToken"`
		NextBackwardToken string           `json:"nextBackwardToken"`
	}{out, "f/" + strconv.Itoa(end), "b/" + strconv.Itoa(start)}, nil
}

func inTimeRange(ts int64, start, end *int64) bool {
	return (start == nil || ts >= *start) && (end == nil || ts < *end)
}

// filterLogEvents searches every stream (or the named ones) of a group, in
// timestamp order. The token is the index of the next matching event.
func (m *Logs) filterLogEvents(s emu.Scope, body []byte) (any, error) {
	var in struct {
		LogGroupName        string   `json:"logGroupName"`
		LogStreamNames      []string `json:"logStreamNames"`
		LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
		StartTime           *int64   `json:"startTime"`
		EndTime             *int64   `json:"endTime"`
		FilterPattern       string   `json:"filterPattern"`
		NextToken           string   `json:"nextToken"`
		Limit               int      `json:"limit"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	pattern, err := filterpattern.Parse(in.FilterPattern)
	if err != nil {
		return nil, errLogsInvalidParameter("Invalid filter pattern: %v", err)
	}
	limit := in.Limit
	if limit <= 0 || limit > defaultEventsPage {
		limit = defaultEventsPage
	}
	start := 0
	if in.NextToken != "" {
		if start, err = strconv.Atoi(in.NextToken); err != nil || start < 0 {
			return nil, errLogsInvalidParameter("The specified nextToken is invalid.")
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.group(s, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	var matched []outputLogEvent
	for _, st := range g.streams {
		if len(in.LogStreamNames) > 0 && !slices.Contains(in.LogStreamNames, st.name) || !strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			continue
		}
		for i, e := range st.events {
			if inTimeRange(e.timestamp, in.StartTime, in.EndTime) && pattern.Matches(e.message) {
				matched = append(matched, outputLogEvent{LogStreamName: st.name, Timestamp: e.timestamp, IngestionTime: e.ingested,
					Message: e.message, EventID: fmt.Sprintf("%s/%010d", st.name, i)})
			}
		}
	}
	slices.SortStableFunc(matched, func(a, b outputLogEvent) int {
		return cmp.Or(cmp.Compare(a.Timestamp, b.Timestamp), strings.Compare(a.EventID, b.EventID))
	})
	start = min(start, len(matched))
	end := min(start+limit, len(matched))
	next := ""
	if end < len(matched) {
		next = strconv.Itoa(end)
	}
	return struct {
		Events    []outputLogEvent `json:"events"`
		NextToken string           `json:"nextToken,omitempty"`
	}{matched[start:end], next}, nil
}
