package awsemu

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// logs is CloudWatch Logs of every account and region: log groups, their
// metric filters, streams and events. kumo keeps one process-wide set of
// log groups and has no metric filters, so the front answers these
// operations itself.
type logs struct {
	mu      sync.Mutex
	regions map[regionKey]map[string]*logGroup // by log group name
	now     func() time.Time
}

type logGroup struct {
	name    string
	created time.Time
	filters map[string]*metricFilter // by filter name
	streams map[string]*logStream    // by stream name; see logs_events.go
}

// logsModels maps each Server to its logs, for the seeding helpers.
var logsModels sync.Map // *Server → *logs

func init() {
	addRoutes(func(s *Server) {
		m := &logs{regions: map[regionKey]map[string]*logGroup{}, now: s.now}
		logsModels.Store(s, m)
		go func() {
			<-s.Done()
			logsModels.Delete(s)
		}()
		for action, a := range map[string]jsonAction{
			"CreateLogGroup":        m.createLogGroup,
			"DescribeLogGroups":     m.describeLogGroups,
			"DeleteLogGroup":        m.deleteLogGroup,
			"PutMetricFilter":       m.putMetricFilter,
			"DescribeMetricFilters": m.describeMetricFilters,
			"DeleteMetricFilter":    m.deleteMetricFilter,
			"TestMetricFilter":      testMetricFilter,
		} {
			s.handle("logs", action, jsonHandler(a))
		}
	})
}

func (s *Server) logs() (*logs, error) {
	m, ok := logsModels.Load(s)
	if !ok {
		return nil, fmt.Errorf("awsemu: server is closed")
	}
	return m.(*logs), nil
}

func errLogsInvalidParameter(format string, args ...any) error {
	return errCode("InvalidParameterException", format, args...)
}

func errLogGroupNotFound() error {
	return errCode("ResourceNotFoundException", "The specified log group does not exist.")
}

var logGroupNameRE = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)

// groups returns the log groups of k, creating the map on first use.
// Callers hold m.mu.
func (m *logs) groups(k regionKey) map[string]*logGroup {
	g := m.regions[k]
	if g == nil {
		g = map[string]*logGroup{}
		m.regions[k] = g
	}
	return g
}

// group finds a log group of the caller. Callers hold m.mu.
func (m *logs) group(c caller, name string) (*logGroup, error) {
	g := m.groups(c.key())[name]
	if g == nil {
		return nil, errLogGroupNotFound()
	}
	return g, nil
}

func (m *logs) createLogGroup(c caller, body []byte) (any, error) {
	var in struct{ LogGroupName string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if !logGroupNameRE.MatchString(in.LogGroupName) {
		return nil, errLogsInvalidParameter("1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", in.LogGroupName)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	groups := m.groups(c.key())
	if groups[in.LogGroupName] != nil {
		return nil, errCode("ResourceAlreadyExistsException", "The specified log group already exists")
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

func (m *logs) describeLogGroups(c caller, body []byte) (any, error) {
	var in struct {
		LogGroupNamePrefix string `json:"logGroupNamePrefix"`
		NextToken          string `json:"nextToken"`
		Limit              int    `json:"limit"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	limit, err := logsLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []logGroupOut{}
	for _, g := range m.groups(c.key()) {
		if strings.HasPrefix(g.name, in.LogGroupNamePrefix) {
			arn := fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", c.region, c.account, g.name)
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
func (m *logs) deleteLogGroup(c caller, body []byte) (any, error) {
	var in struct{ LogGroupName string }
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.group(c, in.LogGroupName); err != nil {
		return nil, err
	}
	delete(m.groups(c.key()), in.LogGroupName)
	return nil, nil
}
