package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

var rootActivityAlerting = check{
	id:    CheckRootActivityAlerting,
	title: "Root API calls raise an alert in every enabled Region",
	description: "Every Region enabled in the account (account:ListRegions) has a logging trail recording management events there and an ENABLED EventBridge rule with a target matching a root API call made there — or a rule forwarding it to the home Region's bus, where such a rule matches it. " +
		"A root API call reaches EventBridge only in the Region where it is made, so one Region without them is root activity that alerts no one.",
	severity:    High,
	references:  []string{}, // no CIS control or Security Hub control checks every Region
	remediation: "`rootguard alert deploy --approve`: a forwarder in every enabled Region (the default) and a multi-Region trail; or, per uncovered Region, a rule matching root API calls with a target there.",
	needs:       needActivity,
	eval:        evalRootActivityAlerting,
}

// regionVerdict is one Region's coverage: covered, uncovered (why), or
// unknown (what could not be read).
type regionVerdict struct {
	region  string
	covered bool
	missing string
	err     error
}

// evalRootActivityAlerting passes when every enabled Region's root API
// calls are recorded and alerted; fails naming the Regions known to be
// uncovered; is ERROR when the Regions, or a Region's trails or rules, are
// unreadable and nothing known is missing.
func evalRootActivityAlerting(in *inputs, _ Options) verdict {
	st := in.activity
	if st.regionsErr != nil {
		return errorVerdict(in, "the Regions enabled in the account", st.regionsErr)
	}
	var covered, uncovered []string
	reasons := map[string]any{}
	unknown := map[string]any{}
	var firstUnknown error
	for _, region := range st.regions {
		v := st.regionCoverage(region)
		switch {
		case v.covered:
			covered = append(covered, region)
		case v.err == nil:
			uncovered = append(uncovered, region)
			reasons[region] = v.missing
		default:
			unknown[region] = describeErr(v.err, in.callerARN)
			if firstUnknown == nil {
				firstUnknown = v.err
			}
		}
	}
	ev := map[string]any{
		"enabled_regions":   nonNil(st.regions),
		"covered_regions":   nonNil(covered),
		"uncovered_regions": nonNil(uncovered),
	}
	if len(reasons) > 0 {
		ev["uncovered_reasons"] = reasons
	}
	if len(unknown) > 0 {
		ev["unknown_regions"] = unknown
	}
	switch {
	case len(uncovered) > 0:
		var parts []string
		for _, r := range uncovered {
			parts = append(parts, r+" ("+reasons[r].(string)+")")
		}
		detail := fmt.Sprintf("root API calls alert no one in %d of %d enabled Regions: %s", len(uncovered), len(st.regions), strings.Join(parts, "; "))
		if len(unknown) > 0 {
			detail += fmt.Sprintf("; %d more could not be read", len(unknown))
		}
		return verdict{status: Fail, detail: detail, evidence: ev}
	case len(unknown) > 0:
		v := errorVerdict(in, "root API-call alerting", firstUnknown)
		for k, x := range ev {
			v.evidence[k] = x
		}
		return v
	case len(st.regions) == 0:
		// ListRegions always lists the Regions enabled by default: an empty
		// answer decides nothing.
		return errorVerdict(in, "the Regions enabled in the account", errors.New("account:ListRegions listed no enabled Region"))
	default:
		return verdict{status: Pass, detail: fmt.Sprintf("root API calls are recorded and alerted in all %d enabled Regions", len(st.regions)), evidence: ev}
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// regionCoverage decides one Region: a trail records it, and a rule there
// alerts on a root API call — directly (a target other than the home bus)
// or by forwarding it to the home bus, where a rule with a target matches
// it.
func (st activityState) regionCoverage(region string) regionVerdict {
	v := regionVerdict{region: region}
	ra := st.in[region]
	if ra == nil {
		v.err = fmt.Errorf("%s was not read", region)
		return v
	}
	trail, trailErr := st.recording(region)
	rule, ruleErr := st.alerting(region)
	switch {
	case trail && ruleErr == nil && rule == "":
		v.covered = true
	case trailErr == nil && ruleErr == nil:
		var missing []string
		if !trail {
			missing = append(missing, "no logging trail records management events there")
		}
		if rule != "" {
			missing = append(missing, rule)
		}
		v.missing = strings.Join(missing, "; ")
	case trailErr == nil && !trail:
		v.missing = "no logging trail records management events there"
	case ruleErr == nil && rule != "":
		v.missing = rule
	default:
		v.err = errors.Join(trailErr, ruleErr)
		v.err = firstErr(v.err)
	}
	return v
}

// recording: some trail recording the Region — homed there, or a
// multi-Region trail (listed in the home Region) — logs, and its selectors
// log a regional management write call (s3:PutBucketPolicy, the sample the
// rules are tested with).
func (st activityState) recording(region string) (bool, error) {
	var lists []*regionActivity
	if ra := st.in[region]; ra != nil {
		lists = append(lists, ra)
	}
	home := st.in[st.home]
	if home != nil && region != st.home {
		lists = append(lists, home)
	}
	var unknown error
	for _, ra := range lists {
		if ra.trailsErr != nil {
			unknown = ra.trailsErr
			continue
		}
		for _, t := range ra.trails {
			if ra == home && region != st.home && !t.MultiRegion {
				continue // a single-Region trail of the home Region
			}
			if t.RecordsAPICalls() {
				return true, nil
			}
			if t.StatusErr != nil {
				unknown = t.StatusErr
			} else if t.SelectorsErr != nil {
				unknown = t.SelectorsErr
			}
		}
	}
	if home == nil && unknown == nil {
		unknown = fmt.Errorf("%s was not read", st.home)
	}
	return false, unknown
}

// alerting says what keeps a root API call in region from an alert ("" when
// nothing does), or the error that leaves it undecided.
func (st activityState) alerting(region string) (string, error) {
	ra := st.in[region]
	if ra.rulesErr != nil {
		return "", ra.rulesErr
	}
	var unknown error
	forwards := false
	for _, r := range ra.rules {
		if r.TargetsErr != nil {
			unknown = r.TargetsErr
			continue
		}
		if slices.ContainsFunc(r.Targets, func(t string) bool { return t != st.hubBus }) {
			return "", nil
		}
		forwards = forwards || (region != st.home && slices.Contains(r.Targets, st.hubBus))
	}
	if forwards {
		home := st.in[st.home]
		switch {
		case home == nil:
			return "", fmt.Errorf("%s was not read", st.home)
		case home.rulesErr != nil:
			return "", home.rulesErr
		}
		for _, r := range home.forwarded[region] {
			if r.TargetsErr != nil {
				unknown = r.TargetsErr
				continue
			}
			if slices.ContainsFunc(r.Targets, func(t string) bool { return t != st.hubBus }) {
				return "", nil
			}
		}
		if unknown != nil {
			return "", unknown
		}
		return "a rule forwards root API calls to " + st.home + ", where no ENABLED rule with a target matches them", nil
	}
	if unknown != nil {
		return "", unknown
	}
	return "no ENABLED EventBridge rule with a target matches a root API call there", nil
}
