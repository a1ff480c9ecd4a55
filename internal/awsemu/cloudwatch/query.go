package cloudwatch

import (
	"strconv"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// queryRequest reads the Query protocol form of an alarm request (what the
// aws CLI and boto3 send): scalars by name, lists as Name.member.N and
// dimensions as Dimensions.member.N.Name/Value
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/making-api-requests.html).
func queryRequest(c *emu.Call, in *alarmRequest) error {
	a := &in.MetricAlarm
	for name, field := range map[string]*string{
		"AlarmName": &a.AlarmName, "AlarmDescription": &a.AlarmDescription,
		"MetricName": &a.MetricName, "Namespace": &a.Namespace,
		"Statistic": &a.Statistic, "ExtendedStatistic": &a.ExtendedStatistic,
		"Unit": &a.Unit, "ComparisonOperator": &a.ComparisonOperator,
		"TreatMissingData": &a.TreatMissingData,
		"StateValue":       &a.StateValue, "StateReason": &a.StateReason,
		"AlarmNamePrefix": &in.AlarmNamePrefix, "ActionPrefix": &in.ActionPrefix,
		"NextToken": &in.NextToken,
	} {
		*field = c.Param(name)
	}
	for name, field := range map[string]*int32{
		"Period": &a.Period, "EvaluationPeriods": &a.EvaluationPeriods,
		"DatapointsToAlarm": &a.DatapointsToAlarm, "MaxRecords": &in.MaxRecords,
	} {
		v := c.Param(name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return errInvalidParameterValue("%s %q is not an integer.", name, v)
		}
		*field = int32(n)
	}
	if v := c.Param("Threshold"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return errInvalidParameterValue("Threshold %q is not a number.", v)
		}
		a.Threshold = f
	}
	if v := c.Param("ActionsEnabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errInvalidParameterValue("ActionsEnabled %q is not a boolean.", v)
		}
		in.ActionsEnabled = &b
	}
	a.OKActions = c.List("OKActions")
	a.AlarmActions = c.List("AlarmActions")
	a.InsufficientDataActions = c.List("InsufficientDataActions")
	in.AlarmNames = c.List("AlarmNames")
	in.AlarmTypes = c.List("AlarmTypes")
	for _, d := range c.Members("Dimensions", "Name", "Value") {
		a.Dimensions = append(a.Dimensions, Dimension{Name: d["Name"], Value: d["Value"]})
	}
	for k := range c.Params {
		if strings.HasPrefix(k, "Metrics.member.") {
			in.Metrics = append(in.Metrics, k) // metric math: refused by put
			break
		}
	}
	return nil
}
