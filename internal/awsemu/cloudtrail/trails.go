// Package cloudtrail models CloudTrail trails for awsemu — trails, their
// logging status and event selectors — per account and region. A trail
// lives in its home region; a multi-region trail is also seen (as a shadow
// trail) from the account's other regions. An organization trail, made by
// the management account or CloudTrail's delegated administrator, also
// applies to every member account, which sees it (with the creator's ARN)
// but cannot change it. Events are not recorded here: awsemu's
// EmitServiceEvent stands in for CloudTrail's delivery to EventBridge and
// asks Records whether a trail would have recorded the call.
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
	org     Org
	buckets Buckets
}

// Buckets is S3 as CloudTrail sees it when a trail is created.
type Buckets interface {
	// BucketExists reports whether the bucket exists; an error means it
	// could not be told.
	BucketExists(name string) (bool, error)
}

// Org is the organization as CloudTrail sees it.
type Org interface {
	// Organization is the ID and management account of the organization
	// account belongs to ("" when none).
	Organization(account string) (id, management string)
	// DelegatedAdmin reports whether account is a delegated administrator
	// for the service principal.
	DelegatedAdmin(account, servicePrincipal string) bool
	// ServiceAccess reports whether the organization has trusted access
	// on for the service principal.
	ServiceAccess(servicePrincipal string) bool
}

// ServicePrincipal is CloudTrail's, as registered for trusted access and
// delegated administration.
const ServicePrincipal = "cloudtrail.amazonaws.com"

// Register answers the CloudTrail actions on host and returns the model,
// for seeding.
func Register(host emu.Host, org Org, buckets Buckets) *Trails {
	m := &Trails{regions: map[emu.Scope]map[string]*trail{}, org: org, buckets: buckets}
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
	// Organization makes an organization trail of the account's
	// organization (the account must be its management account or
	// CloudTrail's delegated administrator, as CreateTrail requires).
	Organization bool
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
	if spec.Organization {
		org, mgmt := m.org.Organization(s.Account)
		if org == "" || (s.Account != mgmt && !m.org.DelegatedAdmin(s.Account, ServicePrincipal)) {
			return fmt.Errorf("account %s cannot make an organization trail", s.Account)
		}
		t.IsOrganizationTrail, t.org = true, org
	}
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

	org            string // the organization an organization trail applies to
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
		IsOrganizationTrail        bool
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
	// A trail delivers to its bucket, which must exist
	// (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html,
	// S3BucketDoesNotExistException). The bucket policy CloudTrail also
	// requires (InsufficientS3BucketPolicyException) is not checked.
	exists, err := m.buckets.BucketExists(t.S3BucketName)
	if err != nil {
		return nil, fmt.Errorf("look up bucket %s: %w", t.S3BucketName, err)
	}
	if !exists {
		return nil, emu.BadRequest("S3BucketDoesNotExistException", "S3 bucket %s does not exist.", t.S3BucketName)
	}

	if in.IsOrganizationTrail {
		// Only the management account or CloudTrail's delegated
		// administrator makes organization trails (CloudTrail User Guide,
		// "Creating a trail for an organization").
		org, mgmt := m.org.Organization(s.Account)
		switch {
		case org == "":
			return nil, emu.BadRequest("OrganizationNotInAllFeaturesModeException", "Account %s is not in an organization.", s.Account)
		case s.Account != mgmt && !m.org.DelegatedAdmin(s.Account, ServicePrincipal):
			return nil, emu.BadRequest("NotOrganizationMasterAccountException", "The request was rejected because the account %s is not the management account or a delegated administrator of its organization.", s.Account)
		case !m.org.ServiceAccess(ServicePrincipal):
			// Organization trails need trusted access between CloudTrail
			// and Organizations (CloudTrail API Reference, CreateTrail:
			// CloudTrailAccessNotEnabledException).
			return nil, emu.BadRequest("CloudTrailAccessNotEnabledException", "This operation is not permitted because trusted access between CloudTrail and AWS Organizations is not enabled.")
		}
		t.IsOrganizationTrail, t.org = true, org
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
// multi-region trail homed elsewhere, or an organization trail that applies
// to the caller's account (named by ARN). Callers hold m.mu.
func (m *Trails) findTrail(s emu.Scope, nameOrArn string) (*trail, error) {
	name := trailName(nameOrArn)

	for k, trails := range m.regions {
		t := trails[name]
		if t == nil || !(k.Region == s.Region || t.IsMultiRegionTrail) {
			continue
		}

		if k.Account == s.Account || (m.appliesTo(t, s.Account) && nameOrArn == t.TrailARN) {
			return t, nil
		}
	}

	return nil, emu.BadRequest("TrailNotFoundException", "Unknown trail: %s for the user: %s", nameOrArn, s.Account)
}

// findOwnTrail is findTrail for changes: only the account that made a
// trail changes it, members never change an organization trail.
func (m *Trails) findOwnTrail(s emu.Scope, nameOrArn string) (*trail, error) {
	t, err := m.findTrail(s, nameOrArn)
	if err == nil && !strings.Contains(t.TrailARN, ":"+s.Account+":trail/") {
		return nil, emu.BadRequest("OperationNotPermittedException", "Member accounts cannot change the organization trail %s.", t.Name)
	}

	return t, err
}

// appliesTo reports whether t is an organization trail of account's
// organization. Callers hold m.mu.
func (m *Trails) appliesTo(t *trail, account string) bool {
	if t.org == "" || m.org == nil {
		return false
	}

	org, _ := m.org.Organization(account)

	return org == t.org
}

// Records reports whether a logging trail records management events of
// account in region: one of the account's own trails homed there or
// multi-Region, or an organization trail applying to the account. Without
// one, CloudTrail delivers no "AWS API Call via CloudTrail" event to
// EventBridge (EventBridge User Guide, "AWS service events delivered via
// AWS CloudTrail").
func (m *Trails) Records(account, region string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()

	for k, trails := range m.regions {
		for _, t := range trails {
			covers := k.Region == region || t.IsMultiRegionTrail
			mine := k.Account == account || m.appliesTo(t, account)

			if covers && mine && t.logging && t.logsManagementEvents() {
				return true
			}
		}
	}

	return false
}

// logsManagementEvents: the trail's selectors include management events
// (classic selectors with IncludeManagementEvents, or an advanced selector
// on eventCategory Management).
func (t *trail) logsManagementEvents() bool {
	if t.advanced != nil {
		return strings.Contains(string(t.advanced), `"Management"`)
	}

	var sel []struct{ IncludeManagementEvents *bool }
	if err := json.Unmarshal(t.selectors, &sel); err != nil {
		return false
	}

	for _, s := range sel {
		if s.IncludeManagementEvents == nil || *s.IncludeManagementEvents {
			return true
		}
	}

	return false
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
			inRegion := k.Region == s.Region || (shadows && t.IsMultiRegionTrail)
			visible := inRegion && (k.Account == s.Account || m.appliesTo(t, s.Account))
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

		t, err := m.findOwnTrail(s, in.Name)
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

	t, err := m.findOwnTrail(s, in.TrailName)
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

	t, err := m.findOwnTrail(s, in.Name)
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
