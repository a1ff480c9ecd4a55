package audit

import (
	"errors"
	"strings"
)

var rootAlerting = check{
	id:          CheckRootAlerting,
	title:       "Root activity raises an alert",
	description: "Root activity raises an alert: a trail delivers root sign-in events to us-east-1, and an enabled EventBridge rule with a target (or the CIS 4.3 metric filter with an alarm that has an action) matches a realistic root ConsoleLogin event.",
	severity:    High,
	references:  []string{"CIS 4.3", "CloudWatch.1"},
	remediation: "`rootguard alert deploy`: an ENABLED EventBridge rule in us-east-1 matching root ConsoleLogin with a target, and a trail logging management events into us-east-1. Or the CIS 4.3 metric filter on the trail's log group with an alarm that has an action.",
	needs:       needAlerting,
	eval:        evalRootAlerting,
}

// part is one half of the pipeline: in place, missing (with why), or
// unknown (its inputs could not be read).
type part struct {
	ok      bool
	missing string
	err     error
}

func (p part) known() bool { return p.err == nil }

// evalRootAlerting passes when a trail delivers sign-in events to us-east-1
// and either an EventBridge rule or the CIS 4.3 metric filter + alarm turns
// a root sign-in into an alert. It fails when a part is known to be missing,
// and is ERROR only when what was read cannot decide.
func evalRootAlerting(in *inputs, _ Options) verdict {
	st := in.alerting
	trail, okTrails := trailPart(st)
	rule := rulePart(st)
	cis := cisPart(okTrails, st)
	ev := alertingEvidence(st)

	alert := part{ok: rule.ok || cis.ok}
	switch {
	case alert.ok:
	case rule.known() && cis.known():
		alert.missing = rule.missing + "; and " + cis.missing
	default:
		alert.err = errors.Join(rule.err, cis.err)
	}

	switch {
	case trail.ok && alert.ok:
		how := "EventBridge rule"
		if !rule.ok {
			how = "CIS 4.3 metric filter and alarm"
		}
		return verdict{status: Pass, detail: "root sign-in is logged to us-east-1 and alerted by " + how, evidence: ev}
	case trail.known() && alert.known():
		var missing []string
		if !trail.ok {
			missing = append(missing, trail.missing)
		}
		if !alert.ok {
			missing = append(missing, alert.missing)
		}
		return verdict{status: Fail, detail: strings.Join(missing, "; "), evidence: ev}
	case trail.known() && !trail.ok:
		return verdict{status: Fail, detail: trail.missing + " (alerting could not be read: " + describeErr(alert.err, in.callerARN) + ")", evidence: ev}
	case alert.known() && !alert.ok:
		return verdict{status: Fail, detail: alert.missing + " (trails could not be read: " + describeErr(trail.err, in.callerARN) + ")", evidence: ev}
	case !trail.known():
		return errorVerdict(in, "CloudTrail trails", firstErr(trail.err))
	default:
		return errorVerdict(in, "root alerting", firstErr(alert.err))
	}
}

// firstErr unwraps errors.Join so the ERROR names one API call.
func firstErr(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if e != nil {
				return e
			}
		}
	}
	return err
}

// trailPart: some trail reaching us-east-1 is logging and its selectors log
// sign-in events. It also returns the trails that qualify (their log groups
// carry the CIS 4.3 filters).
func trailPart(st alertingState) (part, []alertTrail) {
	if st.trailsErr != nil {
		return part{err: st.trailsErr}, nil
	}
	var ok []alertTrail
	var unknown error
	var problems []string
	for _, t := range st.trails {
		switch {
		case t.StatusErr != nil:
			unknown = t.StatusErr
		case t.SelectorsErr != nil:
			unknown = t.SelectorsErr
		case !t.Logging:
			problems = append(problems, "trail "+t.Name+" is not logging")
		case !t.LogsSignIn:
			problems = append(problems, "trail "+t.Name+"'s event selectors do not log management write events (ConsoleLogin)")
		default:
			ok = append(ok, t)
		}
	}
	switch {
	case len(ok) > 0:
		return part{ok: true}, ok
	case unknown != nil:
		return part{err: unknown}, nil
	case len(problems) > 0:
		return part{missing: "no trail logs management events into us-east-1: " + strings.Join(problems, "; ")}, nil
	default:
		return part{missing: "no trail logs management events into us-east-1 (no multi-region trail and no trail homed in us-east-1)"}, nil
	}
}

func rulePart(st alertingState) part {
	if st.rulesErr != nil {
		return part{err: st.rulesErr}
	}
	var unknown error
	var noTarget []string
	for _, r := range st.rules {
		switch {
		case r.TargetsErr != nil:
			unknown = r.TargetsErr
		case r.Targets > 0:
			return part{ok: true}
		default:
			noTarget = append(noTarget, r.Name)
		}
	}
	if unknown != nil {
		return part{err: unknown}
	}
	if len(noTarget) > 0 {
		return part{missing: "EventBridge rule(s) " + strings.Join(noTarget, ", ") + " match root ConsoleLogin but have no target"}
	}
	return part{missing: "no ENABLED EventBridge rule in us-east-1 matches a root ConsoleLogin event"}
}

func cisPart(trails []alertTrail, st alertingState) part {
	if st.trailsErr != nil {
		return part{err: st.trailsErr}
	}
	var unknown error
	var noAlarm []string
	withGroup := 0
	for _, t := range trails {
		if t.LogGroupARN == "" {
			continue
		}
		withGroup++
		if t.FiltersErr != nil {
			unknown = t.FiltersErr
			continue
		}
		for _, f := range t.Filters {
			switch {
			case f.AlarmsErr != nil:
				unknown = f.AlarmsErr
			case len(f.Alarms) > 0:
				return part{ok: true}
			default:
				noAlarm = append(noAlarm, f.Name)
			}
		}
	}
	switch {
	case unknown != nil:
		return part{err: unknown}
	case len(noAlarm) > 0:
		return part{missing: "CIS 4.3 metric filter(s) " + strings.Join(noAlarm, ", ") + " have no alarm with an action"}
	case withGroup == 0:
		return part{missing: "no CIS 4.3 metric filter (no logging trail sends to CloudWatch Logs)"}
	default:
		return part{missing: "no CIS 4.3 metric filter matching root use on the trail's log group"}
	}
}

func alertingEvidence(st alertingState) map[string]any {
	var rules []map[string]any
	for _, r := range st.rules {
		rules = append(rules, map[string]any{"name": r.Name, "arn": r.ARN, "targets": r.Targets})
	}
	var trails []map[string]any
	for _, t := range st.trails {
		var filters []map[string]any
		for _, f := range t.Filters {
			filters = append(filters, map[string]any{"name": f.Name, "alarms_with_actions": f.Alarms})
		}
		trails = append(trails, map[string]any{
			"name": t.Name, "arn": t.ARN, "home_region": t.HomeRegion, "multi_region": t.MultiRegion,
			"is_logging": t.Logging, "logs_sign_in_events": t.LogsSignIn, "log_group_arn": t.LogGroupARN,
			"root_metric_filters": filters,
		})
	}
	return map[string]any{"matching_rules": rules, "trails": trails}
}
