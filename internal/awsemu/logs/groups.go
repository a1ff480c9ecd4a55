// Package logs models CloudWatch Logs for awsemu, per account and region:
// log groups, their metric filters (TestMetricFilter too), streams and
// events (PutLogEvents, GetLogEvents, FilterLogEvents). kumo keeps one
// process-wide set of log groups and has no metric filters, so the front
// answers these operations itself; awsemu writes its functions' output
// here through Logs.AppendLog.
package logs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Logs is CloudWatch Logs of every account and region.
type Logs struct {
	mu      sync.Mutex
	regions map[emu.Scope]map[string]*logGroup // by log group name
	now     func() time.Time
}

type logGroup struct {
	name    string
	created time.Time
	filters map[string]*metricFilter // by filter name
	streams map[string]*logStream    // by stream name; see events.go
}

// Register answers the Logs actions modelled on host and returns the model,
// for seeding and for the functions' output.
func Register(host emu.Host) *Logs {
	m := &Logs{regions: map[emu.Scope]map[string]*logGroup{}, now: host.Now}
	for action, a := range map[string]emu.JSONAction{
		"CreateLogGroup":        m.createLogGroup,
		"DescribeLogGroups":     m.describeLogGroups,
		"DeleteLogGroup":        m.deleteLogGroup,
		"PutMetricFilter":       m.putMetricFilter,
		"DescribeMetricFilters": m.describeMetricFilters,
		"DeleteMetricFilter":    m.deleteMetricFilter,
		"TestMetricFilter":      testMetricFilter,
		"CreateLogStream":       m.createLogStream,
		"DescribeLogStreams":    m.describeLogStreams,
		"PutLogEvents":          m.putLogEvents,
		"GetLogEvents":          m.getLogEvents,
		"FilterLogEvents":       m.filterLogEvents,
	} {
		host.Handle("logs", action, emu.JSONHandler(a))
	}
	return m
}

// CreateLogGroup creates a log group in s, as the CreateLogGroup action
// does.
func (m *Logs) CreateLogGroup(s emu.Scope, name string) error {
	body, _ := json.Marshal(map[string]string{"logGroupName": name})
	_, err := m.createLogGroup(s, body)
	return err
}

func errLogsInvalidParameter(format string, args ...any) error {
	return emu.BadRequest("InvalidParameterException", format, args...)
}

func errLogGroupNotFound() error {
	return emu.BadRequest("ResourceNotFoundException", "The specified log group does not exist.")
}

// logGroupNameRE and maxLogGroupName: 1 to 512 of these characters. The
// bound is checked apart: `{1,512}` in the pattern compiles to a program of
// 512 states at every start of the CLI, which links the emulator (1.6 ms,
// a tenth of its package init).
var logGroupNameRE = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`)

const maxLogGroupName = 512

// groups returns the log groups of s, creating the map on first use.
// Callers hold m.mu.
func (m *Logs) groups(s emu.Scope) map[string]*logGroup {
	g := m.regions[s]
	if g == nil {
		g = map[string]*logGroup{}
		m.regions[s] = g
	}
	return g
}

// group finds a log group of the caller. Callers hold m.mu.
func (m *Logs) group(s emu.Scope, name string) (*logGroup, error) {
	g := m.groups(s)[name]
	if g == nil {
		return nil, errLogGroupNotFound()
	}
	return g, nil
}

func (m *Logs) createLogGroup(s emu.Scope, body []byte) (any, error) {
	var in struct{ LogGroupName string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	if len(in.LogGroupName) > maxLogGroupName || !logGroupNameRE.MatchString(in.LogGroupName) {
		return nil, errLogsInvalidParameter("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", in.LogGroupName)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	groups := m.groups(s)
	if groups[in.LogGroupName] != nil {
		return nil, emu.BadRequest("ResourceAlreadyExistsException", "The specified log group already exists")
	}
	groups[in.LogGroupName] = &logGroup{name: in.LogGroupName, created: m.now(), filters: map[string]*metricFilter{}}
	return nil, nil
}

// logGroupOut is a LogGroup as DescribeLogGroups returns it.
type logGroupOut struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	MetricFilterCount int    `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	LogGroupArn       string `json:"logGroupArn"`
	StoredBytes       int64  `json:"storedBytes"`
	LogGroupClass     string `json:"logGroupClass"`
}

func (m *Logs) describeLogGroups(s emu.Scope, body []byte) (any, error) {
	var in struct {
		LogGroupNamePrefix string `json:"logGroupNamePrefix"`
		NextToken          string `json:"nextToken"`
		Limit              int    `json:"limit"`
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
	out := []logGroupOut{}
	for _, g := range m.groups(s) {
		if strings.HasPrefix(g.name, in.LogGroupNamePrefix) {
			arn := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", s.Region, s.Account, g.name)
			out = append(out, logGroupOut{LogGroupName: g.name, CreationTime: g.created.UnixMilli(), MetricFilterCount: len(g.filters),
				Arn: arn + ":*", LogGroupArn: arn, LogGroupClass: "STANDARD"})
		}
	}
	slices.SortFunc(out, func(a, b logGroupOut) int { return strings.Compare(a.LogGroupName, b.LogGroupName) })
	page, next := emu.PageByName(out, func(g logGroupOut) string { return g.LogGroupName }, in.NextToken, limit)
	return struct {
		LogGroups []logGroupOut `json:"logGroups"`
		NextToken string        `json:"nextToken,omitempty"`
	}{page, next}, nil
}

// logsLimit checks a Logs listing's limit: 1–50, 50 when absent.
func logsLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return 50, nil
	case limit < 1 || limit > 50:
		return 0, errLogsInvalidParameter("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50", limit)
	}
	return limit, nil
}

// deleteLogGroup deletes the group and its metric filters.
func (m *Logs) deleteLogGroup(s emu.Scope, body []byte) (any, error) {
	var in struct{ LogGroupName string }
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.group(s, in.LogGroupName); err != nil {
		return nil, err
	}
	delete(m.groups(s), in.LogGroupName)
	return nil, nil
}
