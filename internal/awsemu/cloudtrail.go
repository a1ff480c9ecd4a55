package awsemu

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

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

func (p *pipeline) cloudTrailActions() map[string]jsonAction {
	return map[string]jsonAction{
		"CreateTrail":       p.createTrail,
		"DescribeTrails":    p.describeTrails,
		"GetTrailStatus":    p.getTrailStatus,
		"StartLogging":      p.setLogging(true),
		"StopLogging":       p.setLogging(false),
		"PutEventSelectors": p.putEventSelectors,
		"GetEventSelectors": p.getEventSelectors,
		"DeleteTrail":       p.deleteTrail,
	}
}

// addTrail stores t in the caller's home region; callers hold p.mu.
func (p *pipeline) addTrail(c caller, t *trail) error {
	for k, st := range p.regions {
		if k.account == c.account && st.trails[t.Name] != nil {
			return errCode("TrailAlreadyExistsException", "Trail %s already exists for customer: %s", t.Name, c.account)
		}
	}

	t.HomeRegion = c.region
	t.TrailARN = fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", c.region, c.account, t.Name)
	t.selectors = json.RawMessage(defaultEventSelectors)
	p.region(c.key()).trails[t.Name] = t

	return nil
}

func (p *pipeline) createTrail(c caller, body []byte) (any, error) {
	var in struct {
		trail
		IncludeGlobalServiceEvents *bool
		EnableLogFileValidation    bool
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	t := &in.trail
	t.IncludeGlobalServiceEvents = in.IncludeGlobalServiceEvents == nil || *in.IncludeGlobalServiceEvents
	t.LogFileValidationEnabled = in.EnableLogFileValidation

	if t.Name == "" || t.S3BucketName == "" {
		return nil, errCode("InvalidParameterCombinationException", "Name and S3BucketName are required.")
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	if err := p.addTrail(c, t); err != nil {
		return nil, err
	}

	return *t, nil
}

// trailName accepts a name or a trail ARN.
func trailName(nameOrArn string) string {
	if strings.HasPrefix(nameOrArn, "arn:") {
		return strings.TrimPrefix(parseArn(nameOrArn).resource, "trail/")
	}

	return nameOrArn
}

// findTrail returns a trail visible from the caller's region: its own or a
// multi-region trail homed elsewhere. Callers hold p.mu.
func (p *pipeline) findTrail(c caller, nameOrArn string) (*trail, error) {
	name := trailName(nameOrArn)

	for k, st := range p.regions {
		t := st.trails[name]
		if k.account == c.account && t != nil && (k.region == c.region || t.IsMultiRegionTrail) {
			return t, nil
		}
	}

	return nil, errCode("TrailNotFoundException", "Unknown trail: %s for the user: %s", nameOrArn, c.account)
}

func (p *pipeline) describeTrails(c caller, body []byte) (any, error) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	names := make([]string, len(in.TrailNameList))

	for i, n := range in.TrailNameList {
		names[i] = trailName(n)
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	trails := []trail{}

	for k, st := range p.regions {
		for _, t := range st.trails {
			visible := k.account == c.account && (k.region == c.region || (shadows && t.IsMultiRegionTrail))
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

func (p *pipeline) getTrailStatus(c caller, body []byte) (any, error) {
	var in trailRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	t, err := p.findTrail(c, in.Name)
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

func (p *pipeline) setLogging(on bool) jsonAction {
	return func(c caller, body []byte) (any, error) {
		var in trailRef
		if err := decodeInput(body, &in); err != nil {
			return nil, err
		}

		p.mu.Lock()
		defer p.mu.Unlock()

		t, err := p.findTrail(c, in.Name)
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

func (p *pipeline) putEventSelectors(c caller, body []byte) (any, error) {
	var in struct {
		TrailName              string
		EventSelectors         json.RawMessage
		AdvancedEventSelectors json.RawMessage
	}
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	if (in.EventSelectors == nil) == (in.AdvancedEventSelectors == nil) {
		return nil, errCode("InvalidEventSelectorsException", "Specify either EventSelectors or AdvancedEventSelectors, not both.")
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	t, err := p.findTrail(c, in.TrailName)
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

func (p *pipeline) getEventSelectors(c caller, body []byte) (any, error) {
	var in trailRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	t, err := p.findTrail(c, in.TrailName)
	if err != nil {
		return nil, err
	}

	return t.selectorsView(), nil
}

func (p *pipeline) deleteTrail(c caller, body []byte) (any, error) {
	var in trailRef
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	t, err := p.findTrail(c, in.Name)
	if err != nil {
		return nil, err
	}

	if t.HomeRegion != c.region {
		return nil, errCode("InvalidHomeRegionException", "This operation must be called from the trail's home region, %s.", t.HomeRegion)
	}

	delete(p.region(c.key()).trails, t.Name)

	return struct{}{}, nil
}
