// Package cloudtrail models CloudTrail trails for awsemu — trails, their
// logging status and event selectors — per account and region. A trail
// lives in its home region; a multi-region trail is also seen (as a shadow
// trail) from the account's other regions. Events are not recorded here:
// awsemu's EmitServiceEvent stands in for CloudTrail's delivery to
// EventBridge.
package cloudtrail

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// Trails is the CloudTrail trails of every account and region.
type Trails struct {
	mu      sync.Mutex
	regions map[emu.Scope]map[string]*trail // by name, in the home region
}

// Register answers the CloudTrail actions on host and returns the model,
// for seeding.
func Register(host emu.Host) *Trails {
	m := &Trails{regions: map[emu.Scope]map[string]*trail{}}
	for action, a := range map[string]emu.JSONAction{
		"CreateTrail":       m.createTrail,
		"DescribeTrails":    m.describeTrails,
		"GetTrailStatus":    m.getTrailStatus,
		"StartLogging":      m.setLogging(true),
		"StopLogging":       m.setLogging(false),
		"PutEventSelectors": m.putEventSelectors,
		"GetEventSelectors": m.getEventSelectors,
		"DeleteTrail":       m.deleteTrail,
	} {
		host.Handle("cloudtrail", action, emu.JSONHandler(a))
	}
	return m
}

// Seed is a trail as awsemu's AddTrail seeds it.
type Seed struct {
	Name, S3BucketName, CloudWatchLogsLogGroupArn string
	MultiRegion, Logging                          bool
	// EventSelectors is the classic selectors JSON; empty means all
	// management events, as for a new trail.
	EventSelectors string
}

// Add adds a trail homed in s, as CreateTrail (+ StartLogging,
// + PutEventSelectors) would.
func (m *Trails) Add(s emu.Scope, spec Seed) error {
	m.mu.Lock()
	defer m.mu.Unlock()

	t := &trail{Name: spec.Name, S3BucketName: spec.S3BucketName, IsMultiRegionTrail: spec.MultiRegion,
		IncludeGlobalServiceEvents: true, CloudWatchLogsLogGroupArn: spec.CloudWatchLogsLogGroupArn, logging: spec.Logging}
	if err := m.addTrail(s, t); err != nil {
		return err
	}

	if spec.EventSelectors != "" {
		if !json.Valid([]byte(spec.EventSelectors)) {
			return errors.New("event selectors are not JSON")
		}

		t.selectors, t.HasCustomEventSelectors = json.RawMessage(spec.EventSelectors), true
	}

	return nil
}

// trail is a CloudTrail trail, kept in its home region. Multi-region trails
// also show up (as shadow trails) when other regions are described.
type trail struct {
	Name                       string
	S3BucketName               string
	S3KeyPrefix                string `json:",omitempty"`
	SnsTopicARN                string `json:",omitempty"`
	IncludeGlobalServiceEvents bool
	IsMultiRegionTrail         bool
	HomeRegion                 string
	TrailARN                   string
	LogFileValidationEnabled   bool
	CloudWatchLogsLogGroupArn  string `json:",omitempty"`
	CloudWatchLogsRoleArn      string `json:",omitempty"`
	KmsKeyID                   string `json:"KmsKeyId,omitempty"`
	HasCustomEventSelectors    bool
	HasInsightSelectors        bool
	IsOrganizationTrail        bool

	logging        bool
	startedLogging float64
	stoppedLogging float64
	selectors      json.RawMessage // classic EventSelectors, nil when advanced are set
	advanced       json.RawMessage
}

// defaultEventSelectors is what a new trail logs: all management events.
const defaultEventSelectors = `[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":[]}]`

// addTrail stores t in the caller's home region; callers hold m.mu.
func (m *Trails) addTrail(s emu.Scope, t *trail) error {
	for k, trails := range m.regions {
		if k.Account == s.Account && trails[t.Name] != nil {
			return emu.BadRequest("TrailAlreadyExistsException", "Trail %s already exists for customer: %s", t.Name, s.Account)
		}
	}

	t.HomeRegion = s.Region
	t.TrailARN = fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", s.Region, s.Account, t.Name)
	t.selectors = json.RawMessage(defaultEventSelectors)
	m.region(s)[t.Name] = t

	return nil
}

func (m *Trails) createTrail(s emu.Scope, body []byte) (any, error) {
	var in struct {
		trail
		IncludeGlobalServiceEvents *bool
		EnableLogFileValidation    bool
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	t := &in.trail
	t.IncludeGlobalServiceEvents = in.IncludeGlobalServiceEvents == nil || *in.IncludeGlobalServiceEvents
	t.LogFileValidationEnabled = in.EnableLogFileValidation

	if t.Name == "" || t.S3BucketName == "" {
		return nil, emu.BadRequest("InvalidParameterCombinationException", "Name and S3BucketName are required.")
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	if err := m.addTrail(s, t); err != nil {
		return nil, err
	}

	return *t, nil
}

// trailName accepts a name or a trail ARN.
func trailName(nameOrArn string) string {
	if strings.HasPrefix(nameOrArn, "arn:") {
		return strings.TrimPrefix(emu.ParseARN(nameOrArn).Resource, "trail/")
	}

	return nameOrArn
}

// findTrail returns a trail visible from the caller's region: its own or a
// multi-region trail homed elsewhere. Callers hold m.mu.
func (m *Trails) findTrail(s emu.Scope, nameOrArn string) (*trail, error) {
	name := trailName(nameOrArn)

	for k, trails := range m.regions {
		t := trails[name]
		if k.Account == s.Account && t != nil && (k.Region == s.Region || t.IsMultiRegionTrail) {
			return t, nil
		}
	}

	return nil, emu.BadRequest("TrailNotFoundException", "Unknown trail: %s for the user: %s", nameOrArn, s.Account)
}

func (m *Trails) describeTrails(s emu.Scope, body []byte) (any, error) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	names := make([]string, len(in.TrailNameList))

	for i, n := range in.TrailNameList {
		names[i] = trailName(n)
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	trails := []trail{}

	for k, homed := range m.regions {
		for _, t := range homed {
			visible := k.Account == s.Account && (k.Region == s.Region || (shadows && t.IsMultiRegionTrail))
			if visible && (len(names) == 0 || slices.Contains(names, t.Name)) {
				trails = append(trails, *t)
			}
		}
	}

	slices.SortFunc(trails, func(a, b trail) int { return strings.Compare(a.TrailARN, b.TrailARN) })

	return map[string][]trail{"trailList": trails}, nil
}

type trailRef struct {
	Name      string
	TrailName string
}

func (m *Trails) getTrailStatus(s emu.Scope, body []byte) (any, error) {
	var in trailRef
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	t, err := m.findTrail(s, in.Name)
	if err != nil {
		return nil, err
	}

	out := map[string]any{"IsLogging": t.logging}
	if t.startedLogging != 0 {
		out["StartLoggingTime"] = t.startedLogging
	}

	if t.stoppedLogging != 0 {
		out["StopLoggingTime"] = t.stoppedLogging
	}

	return out, nil
}

func (m *Trails) setLogging(on bool) emu.JSONAction {
	return func(s emu.Scope, body []byte) (any, error) {
		var in trailRef
		if err := emu.DecodeJSON(body, &in); err != nil {
			return nil, err
		}

		m.mu.Lock()
		defer m.mu.Unlock()

		t, err := m.findTrail(s, in.Name)
		if err != nil {
			return nil, err
		}

		now := float64(time.Now().Unix())
		if t.logging = on; on {
			t.startedLogging = now
		} else {
			t.stoppedLogging = now
		}

		return struct{}{}, nil
	}
}

func (m *Trails) putEventSelectors(s emu.Scope, body []byte) (any, error) {
	var in struct {
		TrailName              string
		EventSelectors         json.RawMessage
		AdvancedEventSelectors json.RawMessage
	}
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	if (in.EventSelectors == nil) == (in.AdvancedEventSelectors == nil) {
		return nil, emu.BadRequest("InvalidEventSelectorsException", "Specify either EventSelectors or AdvancedEventSelectors, not both.")
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	t, err := m.findTrail(s, in.TrailName)
	if err != nil {
		return nil, err
	}

	t.selectors, t.advanced, t.HasCustomEventSelectors = in.EventSelectors, in.AdvancedEventSelectors, true

	return t.selectorsView(), nil
}

func (t *trail) selectorsView() map[string]any {
	out := map[string]any{"TrailARN": t.TrailARN}
	if t.selectors != nil {
		out["EventSelectors"] = t.selectors
	}

	if t.advanced != nil {
		out["AdvancedEventSelectors"] = t.advanced
	}

	return out
}

func (m *Trails) getEventSelectors(s emu.Scope, body []byte) (any, error) {
	var in trailRef
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	t, err := m.findTrail(s, in.TrailName)
	if err != nil {
		return nil, err
	}

	return t.selectorsView(), nil
}

func (m *Trails) deleteTrail(s emu.Scope, body []byte) (any, error) {
	var in trailRef
	if err := emu.DecodeJSON(body, &in); err != nil {
		return nil, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()

	t, err := m.findTrail(s, in.Name)
	if err != nil {
		return nil, err
	}

	if t.HomeRegion != s.Region {
		return nil, emu.BadRequest("InvalidHomeRegionException", "This operation must be called from the trail's home region, %s.", t.HomeRegion)
	}

	delete(m.region(s), t.Name)

	return struct{}{}, nil
}

// region returns the trails homed in s, creating the map on first use.
// Callers hold m.mu.
func (m *Trails) region(s emu.Scope) map[string]*trail {
	trails, ok := m.regions[s]
	if !ok {
		trails = make(map[string]*trail)
		m.regions[s] = trails
	}

	return trails
}
