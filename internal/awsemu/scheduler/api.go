package scheduler

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// scheduleInput is the body of CreateSchedule and UpdateSchedule
// (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html).
// Dates travel as epoch seconds.
type scheduleInput struct {
	ActionAfterCompletion      string
	ClientToken                string
	Description                string
	EndDate                    *float64
	FlexibleTimeWindow         *FlexibleTimeWindow
	GroupName                  string
	KmsKeyArn                  string
	ScheduleExpression         string
	ScheduleExpressionTimezone string
	StartDate                  *float64
	State                      string
	Target                     *Target
}

// FlexibleTimeWindow is the schedule's window: OFF, or FLEXIBLE within
// MaximumWindowInMinutes.
type FlexibleTimeWindow struct {
	Mode                   string
	MaximumWindowInMinutes *int `json:",omitempty"`
}

// Target is what a schedule invokes, with the execution role and the
// failure handling it uses.
type Target struct {
	Arn              string
	RoleArn          string
	Input            string            `json:",omitempty"`
	RetryPolicy      *RetryPolicy      `json:",omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:",omitempty"`
	SqsParameters    *SqsParameters    `json:",omitempty"`
}

// RetryPolicy bounds the retries of a failed invocation.
type RetryPolicy struct {
	MaximumEventAgeInSeconds *int
	MaximumRetryAttempts     *int
}

// DeadLetterConfig names the SQS queue failed invocations go to.
type DeadLetterConfig struct{ Arn string }

// SqsParameters are a FIFO queue target's message group.
type SqsParameters struct{ MessageGroupId string }

// schedule is one schedule as the API describes it, with what the clock
// loop needs.
type schedule struct {
	scope                        emu.Scope
	name, group                  string
	description, kmsKeyArn       string
	expression, timezone         string
	expr                         Expression
	loc                          *time.Location
	start, end                   *time.Time
	state, actionAfterCompletion string
	window                       FlexibleTimeWindow
	target                       Target
	created, modified            time.Time
	next                         time.Time // the next time it fires; zero: never
	clientToken                  string    // CreateSchedule's
}

func (sc *schedule) arn() string {
	return fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/%s/%s", sc.scope.Region, sc.scope.Account, sc.group, sc.name)
}

func groupARN(k emu.Scope, name string) string {
	return fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule-group/%s", k.Region, k.Account, name)
}

// Retry defaults when a target has no RetryPolicy, which GetSchedule
// reports: 24 hours and 185 attempts, the maximums of API_RetryPolicy.html
// and EventBridge's documented defaults (not restated on that page).
const (
	defaultMaxEventAge   = 86400
	defaultRetryAttempts = 185
)

var (
	namePattern = regexp.MustCompile(`^[0-9a-zA-Z\-_.]{1,64}$`)
	roleARN     = regexp.MustCompile(`^arn:aws(-[a-z]+)?:iam::\d{12}:role/[\w+=,.@/-]+$`)
	queueARN    = regexp.MustCompile(`^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$`)
)

// validate reads a CreateSchedule or UpdateSchedule body into sc, with the
// constraints of the API reference; the error is a ValidationException.
func (in *scheduleInput) validate(sc *schedule, now time.Time) error {
	if in.GroupName == "" {
		in.GroupName = defaultGroup
	}
	switch {
	case !namePattern.MatchString(in.GroupName):
		return validation("1 validation error detected: Value '%s' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+", in.GroupName)
	case len(in.Description) > 512:
		return validation("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 512")
	case in.ScheduleExpression == "" || len(in.ScheduleExpression) > 256:
		return validation("1 validation error detected: Value at 'scheduleExpression' failed to satisfy constraint: Member must have length between 1 and 256")
	case in.FlexibleTimeWindow == nil:
		return validation("1 validation error detected: Value null at 'flexibleTimeWindow' failed to satisfy constraint: Member must not be null")
	case in.Target == nil:
		return validation("1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must not be null")
	case len(in.KmsKeyArn) > 2048:
		return validation("1 validation error detected: Value at 'kmsKeyArn' failed to satisfy constraint: Member must have length less than or equal to 2048")
	}
	expr, err := ParseExpression(in.ScheduleExpression)
	if err != nil {
		return validation("%v", err)
	}
	loc := time.UTC
	if in.ScheduleExpressionTimezone != "" {
		if loc, err = time.LoadLocation(in.ScheduleExpressionTimezone); err != nil || len(in.ScheduleExpressionTimezone) > 50 || in.ScheduleExpressionTimezone == "Local" {
			return validation("Invalid ScheduleExpressionTimezone %s.", in.ScheduleExpressionTimezone)
		}
	}
	w := *in.FlexibleTimeWindow
	switch {
	case w.Mode == "OFF" && w.MaximumWindowInMinutes != nil:
		return validation("MaximumWindowInMinutes must not be set when FlexibleTimeWindow's Mode is OFF.")
	case w.Mode == "FLEXIBLE" && (w.MaximumWindowInMinutes == nil || *w.MaximumWindowInMinutes < 1 || *w.MaximumWindowInMinutes > 1440):
		return validation("MaximumWindowInMinutes must be between 1 and 1440 when FlexibleTimeWindow's Mode is FLEXIBLE.")
	case w.Mode != "OFF" && w.Mode != "FLEXIBLE":
		return validation("1 validation error detected: Value '%s' at 'flexibleTimeWindow.mode' failed to satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]", w.Mode)
	}
	state := in.State
	if state == "" {
		state = "ENABLED"
	}
	if state != "ENABLED" && state != "DISABLED" {
		return validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", state)
	}
	after := in.ActionAfterCompletion
	if after == "" {
		after = "NONE"
	}
	if after != "NONE" && after != "DELETE" {
		return validation("1 validation error detected: Value '%s' at 'actionAfterCompletion' failed to satisfy constraint: Member must satisfy enum value set: [NONE, DELETE]", after)
	}
	start, end := epoch(in.StartDate), epoch(in.EndDate)
	if start != nil && end != nil && !end.After(*start) {
		return validation("The EndDate must be after the StartDate.")
	}
	// AWS's answer to a recurring schedule starting in the past, as
	// reported in https://github.com/getmoto/moto/pull/8172.
	if start != nil && !expr.OneTime() && start.Before(now.Add(-5*time.Minute)) {
		return validation("The StartDate you specify cannot be earlier than 5 minutes ago.")
	}
	if err := validateTarget(in.Target); err != nil {
		return err
	}
	sc.group, sc.description, sc.kmsKeyArn = in.GroupName, in.Description, in.KmsKeyArn
	sc.expression, sc.timezone, sc.expr, sc.loc = in.ScheduleExpression, in.ScheduleExpressionTimezone, expr, loc
	sc.start, sc.end, sc.state, sc.actionAfterCompletion, sc.window = start, end, state, after, w
	sc.target = *in.Target
	if sc.target.RetryPolicy == nil {
		sc.target.RetryPolicy = &RetryPolicy{}
	}
	if sc.target.RetryPolicy.MaximumEventAgeInSeconds == nil {
		sc.target.RetryPolicy.MaximumEventAgeInSeconds = ptr(defaultMaxEventAge)
	}
	if sc.target.RetryPolicy.MaximumRetryAttempts == nil {
		sc.target.RetryPolicy.MaximumRetryAttempts = ptr(defaultRetryAttempts)
	}
	return nil
}

func validateTarget(t *Target) error {
	switch {
	case t.Arn == "" || len(t.Arn) > 1600:
		return validation("1 validation error detected: Value at 'target.arn' failed to satisfy constraint: Member must have length between 1 and 1600")
	case !roleARN.MatchString(t.RoleArn):
		return validation("1 validation error detected: Value '%s' at 'target.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$", t.RoleArn)
	case t.DeadLetterConfig != nil && !queueARN.MatchString(t.DeadLetterConfig.Arn):
		return validation("1 validation error detected: Value '%s' at 'target.deadLetterConfig.arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$", t.DeadLetterConfig.Arn)
	}
	if p := t.RetryPolicy; p != nil {
		if a := p.MaximumEventAgeInSeconds; a != nil && (*a < 60 || *a > 86400) {
			return validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400", *a)
		}
		if r := p.MaximumRetryAttempts; r != nil && (*r < 0 || *r > 185) {
			return validation("1 validation error detected: Value '%d' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value between 0 and 185", *r)
		}
	}
	return nil
}

func epoch(v *float64) *time.Time {
	if v == nil {
		return nil
	}
	t := time.UnixMilli(int64(*v * 1000)).UTC()
	return &t
}

func epochOf(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func ptr[T any](v T) *T { return &v }

// plan sets when the schedule fires next, strictly after now: never when
// DISABLED, before StartDate or past EndDate (both ignored for at()).
func (sc *schedule) plan(now time.Time) {
	sc.next = time.Time{}
	if sc.state != "ENABLED" {
		return
	}
	anchor, after := sc.created, now
	if !sc.expr.OneTime() && sc.start != nil {
		anchor = *sc.start
		if after.Before(*sc.start) {
			after = sc.start.Add(-time.Nanosecond)
		}
	}
	next, ok := sc.expr.Next(after, anchor, sc.loc)
	if !ok || (!sc.expr.OneTime() && sc.end != nil && next.After(*sc.end)) {
		return
	}
	sc.next = next
}

type scheduleOutput struct {
	ActionAfterCompletion      string
	Arn                        string
	CreationDate               float64
	Description                string   `json:",omitempty"`
	EndDate                    *float64 `json:",omitempty"`
	FlexibleTimeWindow         FlexibleTimeWindow
	GroupName                  string
	KmsKeyArn                  string `json:",omitempty"`
	LastModificationDate       float64
	Name                       string
	ScheduleExpression         string
	ScheduleExpressionTimezone string   `json:",omitempty"`
	StartDate                  *float64 `json:",omitempty"`
	State                      string
	Target                     Target
}

func (sc *schedule) output() scheduleOutput {
	out := scheduleOutput{
		ActionAfterCompletion: sc.actionAfterCompletion, Arn: sc.arn(), CreationDate: epochOf(sc.created),
		Description: sc.description, FlexibleTimeWindow: sc.window, GroupName: sc.group, KmsKeyArn: sc.kmsKeyArn,
		LastModificationDate: epochOf(sc.modified), Name: sc.name, ScheduleExpression: sc.expression,
		ScheduleExpressionTimezone: sc.timezone, State: sc.state, Target: sc.target,
	}
	if sc.start != nil {
		out.StartDate = ptr(epochOf(*sc.start))
	}
	if sc.end != nil {
		out.EndDate = ptr(epochOf(*sc.end))
	}
	return out
}

func scheduleName(c *emu.Call) (string, error) {
	name := c.Request.PathValue("Name")
	if !namePattern.MatchString(name) {
		return "", validation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+", name)
	}
	return name, nil
}

// findGroup returns group name of k; callers hold s.mu.
func (s *Scheduler) findGroup(k emu.Scope, name string) (*group, error) {
	if name == "" {
		name = defaultGroup
	}
	g := s.scopeGroups(k)[name]
	if g == nil {
		return nil, notFound("Schedule group %s does not exist.", name)
	}
	return g, nil
}

func (s *Scheduler) createSchedule(c *emu.Call) (int, any, error) {
	name, err := scheduleName(c)
	if err != nil {
		return 0, nil, err
	}
	var in scheduleInput
	if err := c.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	now := s.host.Now()
	sc := &schedule{scope: c.Scope(), name: name, created: now, modified: now}
	if err := in.validate(sc, now); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.findGroup(c.Scope(), in.GroupName)
	if err != nil {
		return 0, nil, err
	}
	if prev := g.schedules[name]; prev != nil {
		// The same ClientToken is the same request again (the SDK fills
		// one in and keeps it across its retries): answered as the first
		// time (API_CreateSchedule.html, ClientToken).
		if in.ClientToken != "" && prev.clientToken == in.ClientToken {
			return http.StatusOK, struct{ ScheduleArn string }{prev.arn()}, nil
		}
		return 0, nil, conflict("Schedule %s already exists.", name)
	}
	sc.clientToken = in.ClientToken
	// From its start: a rate schedule without a StartDate fires at once.
	sc.plan(now.Add(-time.Nanosecond))
	g.schedules[name] = sc
	s.changed()
	c.Note("Name", name)
	return http.StatusOK, struct{ ScheduleArn string }{sc.arn()}, nil
}

func (s *Scheduler) updateSchedule(c *emu.Call) (int, any, error) {
	name, err := scheduleName(c)
	if err != nil {
		return 0, nil, err
	}
	var in scheduleInput
	if err := c.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	now := s.host.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.find(c.Scope(), in.GroupName, name)
	if err != nil {
		return 0, nil, err
	}
	// UpdateSchedule replaces every parameter: one left out takes its
	// default (API_UpdateSchedule.html).
	updated := &schedule{scope: sc.scope, name: sc.name, created: sc.created, modified: now, clientToken: sc.clientToken}
	if err := in.validate(updated, now); err != nil {
		return 0, nil, err
	}
	updated.plan(now)
	*sc = *updated
	s.changed()
	c.Note("Name", name)
	return http.StatusOK, struct{ ScheduleArn string }{sc.arn()}, nil
}

// find returns schedule name in group of k; callers hold s.mu.
func (s *Scheduler) find(k emu.Scope, groupName, name string) (*schedule, error) {
	g, err := s.findGroup(k, groupName)
	if err != nil {
		return nil, err
	}
	sc := g.schedules[name]
	if sc == nil {
		return nil, notFound("Schedule %s does not exist.", name)
	}
	return sc, nil
}

func (s *Scheduler) getSchedule(c *emu.Call) (int, any, error) {
	name, err := scheduleName(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.find(c.Scope(), c.Request.URL.Query().Get("groupName"), name)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, sc.output(), nil
}

func (s *Scheduler) deleteSchedule(c *emu.Call) (int, any, error) {
	name, err := scheduleName(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.findGroup(c.Scope(), c.Request.URL.Query().Get("groupName"))
	if err != nil {
		return 0, nil, err
	}
	if g.schedules[name] == nil {
		return 0, nil, notFound("Schedule %s does not exist.", name)
	}
	delete(g.schedules, name)
	s.changed()
	c.Note("Name", name)
	return http.StatusOK, struct{}{}, nil
}

// maxResults reads MaxResults: 1-100, 100 when absent.
func maxResults(c *emu.Call) (int, error) {
	v := c.Request.URL.Query().Get("MaxResults")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, validation("1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", v)
	}
	return n, nil
}

type scheduleSummary struct {
	Arn                  string
	CreationDate         float64
	GroupName            string
	LastModificationDate float64
	Name                 string
	State                string
	Target               struct{ Arn string }
}

// listSchedules answers ListSchedules: every group's schedules, or one
// group's (ScheduleGroup), filtered by NamePrefix and State, sorted by
// group and name and paged by that key.
func (s *Scheduler) listSchedules(c *emu.Call) (int, any, error) {
	q := c.Request.URL.Query()
	limit, err := maxResults(c)
	if err != nil {
		return 0, nil, err
	}
	state := q.Get("State")
	if state != "" && state != "ENABLED" && state != "DISABLED" {
		return 0, nil, validation("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", state)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*schedule
	for gname, g := range s.scopeGroups(c.Scope()) {
		if q.Has("ScheduleGroup") && gname != q.Get("ScheduleGroup") {
			continue
		}
		for _, sc := range g.schedules {
			if strings.HasPrefix(sc.name, q.Get("NamePrefix")) && (state == "" || sc.state == state) {
				all = append(all, sc)
			}
		}
	}
	key := func(sc *schedule) string { return sc.group + "/" + sc.name }
	slices.SortFunc(all, func(a, b *schedule) int { return strings.Compare(key(a), key(b)) })
	page, next := emu.PageByName(all, key, q.Get("NextToken"), limit)
	out := struct {
		Schedules []scheduleSummary
		NextToken string `json:",omitempty"`
	}{Schedules: []scheduleSummary{}, NextToken: next}
	for _, sc := range page {
		sum := scheduleSummary{Arn: sc.arn(), CreationDate: epochOf(sc.created), GroupName: sc.group,
			LastModificationDate: epochOf(sc.modified), Name: sc.name, State: sc.state}
		sum.Target.Arn = sc.target.Arn
		out.Schedules = append(out.Schedules, sum)
	}
	return http.StatusOK, out, nil
}

// Schedule groups

type groupOutput struct {
	Arn                  string
	CreationDate         float64
	LastModificationDate float64
	Name                 string
	State                string
}

func (g *group) output(k emu.Scope) groupOutput {
	return groupOutput{groupARN(k, g.name), epochOf(g.created), epochOf(g.mod), g.name, "ACTIVE"}
}

func (s *Scheduler) createScheduleGroup(c *emu.Call) (int, any, error) {
	name, err := scheduleName(c)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		ClientToken string
		Tags        []struct{ Key, Value string }
	}
	if err := c.DecodeJSON(&in); err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.scopeGroups(c.Scope())
	if gs[name] != nil {
		return 0, nil, conflict("Schedule group %s already exists.", name)
	}
	now := s.host.Now()
	g := &group{name: name, created: now, mod: now, schedules: map[string]*schedule{}, tags: map[string]string{}}
	for _, t := range in.Tags {
		g.tags[t.Key] = t.Value
	}
	gs[name] = g
	c.Note("Name", name)
	return http.StatusOK, struct{ ScheduleGroupArn string }{groupARN(c.Scope(), name)}, nil
}

func (s *Scheduler) getScheduleGroup(c *emu.Call) (int, any, error) {
	name, err := scheduleName(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.findGroup(c.Scope(), name)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, g.output(c.Scope()), nil
}

// deleteScheduleGroup deletes a group and every schedule in it. AWS does
// so asynchronously (the group is DELETING meanwhile); here it is done at
// once. The default group cannot be deleted.
func (s *Scheduler) deleteScheduleGroup(c *emu.Call) (int, any, error) {
	name, err := scheduleName(c)
	if err != nil {
		return 0, nil, err
	}
	if name == defaultGroup {
		return 0, nil, validation("You cannot delete the default schedule group.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.findGroup(c.Scope(), name); err != nil {
		return 0, nil, err
	}
	delete(s.scopeGroups(c.Scope()), name)
	s.changed()
	c.Note("Name", name)
	return http.StatusOK, struct{}{}, nil
}

func (s *Scheduler) listScheduleGroups(c *emu.Call) (int, any, error) {
	q := c.Request.URL.Query()
	limit, err := maxResults(c)
	if err != nil {
		return 0, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []*group
	for _, g := range s.scopeGroups(c.Scope()) {
		if strings.HasPrefix(g.name, q.Get("NamePrefix")) {
			all = append(all, g)
		}
	}
	name := func(g *group) string { return g.name }
	slices.SortFunc(all, func(a, b *group) int { return strings.Compare(a.name, b.name) })
	page, next := emu.PageByName(all, name, q.Get("NextToken"), limit)
	out := struct {
		ScheduleGroups []groupOutput
		NextToken      string `json:",omitempty"`
	}{ScheduleGroups: []groupOutput{}, NextToken: next}
	for _, g := range page {
		out.ScheduleGroups = append(out.ScheduleGroups, g.output(c.Scope()))
	}
	return http.StatusOK, out, nil
}

// listTagsForResource answers for schedule groups, the taggable resource
// (schedules have no tags).
func (s *Scheduler) listTagsForResource(c *emu.Call) (int, any, error) {
	arn := c.Request.PathValue("ResourceArn")
	k := c.Scope()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.scopeGroups(k) {
		if groupARN(k, g.name) != arn {
			continue
		}
		out := struct{ Tags []struct{ Key, Value string } }{Tags: []struct{ Key, Value string }{}}
		keys := make([]string, 0, len(g.tags))
		for key := range g.tags {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		for _, key := range keys {
			out.Tags = append(out.Tags, struct{ Key, Value string }{key, g.tags[key]})
		}
		return http.StatusOK, out, nil
	}
	return 0, nil, notFound("Resource %s does not exist.", arn)
}
