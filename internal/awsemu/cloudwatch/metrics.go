package cloudwatch

import (
	"fmt"
	"strconv"
	"time"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"github.com/rootguard/rootguard/internal/awsemu/wire"
)

// SQSNamespace is where SQS publishes its queue metrics, each with the
// dimension QueueName (Amazon SQS Developer Guide, "Available CloudWatch
// metrics for Amazon SQS",
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
const SQSNamespace = "AWS/SQS"

// QueueMetrics gives the current value of an AWS/SQS metric of a queue;
// ok is false when SQS would publish no datapoint (no such queue, or no
// active message for ApproximateAgeOfOldestMessage).
type QueueMetrics interface {
	QueueMetric(s emu.Scope, queue, metric string) (value float64, ok bool, err error)
}

// RegisterMetrics answers GetMetricData and GetMetricStatistics for the
// AWS/SQS namespace from src, as SQS publishes them: the emulator keeps no
// history, so a query gets the current value as one datapoint at the start
// of the current period, when that lies in [StartTime, EndTime). Queries of
// any other namespace go to kumo, which keeps PutMetricData's.
func RegisterMetrics(host emu.Host, src QueueMetrics) {
	m := &metrics{src: src, now: host.Now}
	host.Handle("monitoring", "GetMetricData", m.getMetricData)
	host.Handle("monitoring", "GetMetricStatistics", m.getMetricStatistics)
}

type metrics struct {
	src QueueMetrics
	now func() time.Time
}

// Metric names one metric.
type Metric struct {
	Namespace  string
	MetricName string
	Dimensions []Dimension `cbor:",omitempty" json:",omitempty"`
}

type metricStat struct {
	Metric Metric
	Period int32
	Stat   string
}

type metricDataQuery struct {
	Id         string
	MetricStat *metricStat `cbor:",omitempty" json:",omitempty"`
	Expression string      `cbor:",omitempty" json:",omitempty"`
}

type getMetricDataInput struct {
	MetricDataQueries []metricDataQuery
	StartTime         time.Time
	EndTime           time.Time
}

type metricDataResult struct {
	Id         string
	Label      string
	StatusCode string
	Timestamps []time.Time `xml:"Timestamps>member"`
	Values     []float64   `xml:"Values>member"`
}

type getMetricDataOutput struct {
	MetricDataResults []metricDataResult `xml:"MetricDataResults>member"`
}

type getMetricStatisticsInput struct {
	Metric
	StartTime  time.Time
	EndTime    time.Time
	Period     int32
	Statistics []string
}

type datapoint struct {
	Timestamp   time.Time
	SampleCount *float64 `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Average     *float64 `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Sum         *float64 `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Minimum     *float64 `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Maximum     *float64 `cbor:",omitempty" json:",omitempty" xml:",omitempty"`
	Unit        string
}

type getMetricStatisticsOutput struct {
	Label      string
	Datapoints []datapoint `xml:"Datapoints>member"`
}

// decode reads c's request into v in its protocol; query fills v from
// Query parameters.
func decode(c *emu.Call, v any, query func() error) error {
	switch c.Protocol {
	case wire.CBOR:
		return wire.DecodeCBOR(c.Body, v)
	case wire.Query:
		return query()
	default:
		return emu.DecodeJSON(c.Body, v)
	}
}

func queryTime(c *emu.Call, name string) (time.Time, error) {
	v := c.Param(name)
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if secs, err2 := strconv.ParseFloat(v, 64); err2 == nil {
			return time.Unix(int64(secs), 0), nil
		}
		return t, errInvalidParameterValue("%s %q is not a timestamp.", name, v)
	}
	return t, nil
}

func queryDimensions(c *emu.Call, prefix string) []Dimension {
	var out []Dimension
	for _, d := range c.Members(prefix, "Name", "Value") {
		out = append(out, Dimension{Name: d["Name"], Value: d["Value"]})
	}
	return out
}

func (m *metrics) getMetricData(c *emu.Call) error {
	var in getMetricDataInput
	err := decode(c, &in, func() error {
		var err error
		if in.StartTime, err = queryTime(c, "StartTime"); err != nil {
			return err
		}
		if in.EndTime, err = queryTime(c, "EndTime"); err != nil {
			return err
		}
		for i := 1; ; i++ {
			p := fmt.Sprintf("MetricDataQueries.member.%d.", i)
			id := c.Param(p + "Id")
			if id == "" {
				return nil
			}
			q := metricDataQuery{Id: id, Expression: c.Param(p + "Expression")}
			if ns := c.Param(p + "MetricStat.Metric.Namespace"); ns != "" {
				period, _ := strconv.ParseInt(c.Param(p+"MetricStat.Period"), 10, 32)
				q.MetricStat = &metricStat{Period: int32(period), Stat: c.Param(p + "MetricStat.Stat"), Metric: Metric{
					Namespace: ns, MetricName: c.Param(p + "MetricStat.Metric.MetricName"),
					Dimensions: queryDimensions(c, p+"MetricStat.Metric.Dimensions"),
				}}
			}
			in.MetricDataQueries = append(in.MetricDataQueries, q)
		}
	})
	if err != nil {
		return err
	}
	sqs := 0
	for _, q := range in.MetricDataQueries {
		if q.MetricStat != nil && q.MetricStat.Metric.Namespace == SQSNamespace {
			sqs++
		}
	}
	if sqs == 0 {
		c.Forward()
		return nil
	}
	if sqs != len(in.MetricDataQueries) {
		return errInvalidParameterValue("awsemu answers AWS/SQS metric queries itself: do not mix them with other namespaces or metric math in one request.")
	}
	var out getMetricDataOutput
	for _, q := range in.MetricDataQueries {
		ms := q.MetricStat
		r := metricDataResult{Id: q.Id, Label: ms.Metric.MetricName, StatusCode: "Complete", Timestamps: []time.Time{}, Values: []float64{}}
		ts, v, ok, err := m.point(c.Scope(), ms.Metric, ms.Period, in.StartTime, in.EndTime)
		if err != nil {
			return err
		}
		if ok {
			r.Timestamps, r.Values = []time.Time{ts}, []float64{v}
		}
		out.MetricDataResults = append(out.MetricDataResults, r)
	}
	return c.Result(out)
}

func (m *metrics) getMetricStatistics(c *emu.Call) error {
	var in getMetricStatisticsInput
	err := decode(c, &in, func() error {
		var err error
		in.Namespace, in.MetricName = c.Param("Namespace"), c.Param("MetricName")
		in.Dimensions = queryDimensions(c, "Dimensions")
		in.Statistics = c.List("Statistics")
		period, _ := strconv.ParseInt(c.Param("Period"), 10, 32)
		in.Period = int32(period)
		if in.StartTime, err = queryTime(c, "StartTime"); err != nil {
			return err
		}
		in.EndTime, err = queryTime(c, "EndTime")
		return err
	})
	if err != nil {
		return err
	}
	if in.Namespace != SQSNamespace {
		c.Forward()
		return nil
	}
	out := getMetricStatisticsOutput{Label: in.MetricName, Datapoints: []datapoint{}}
	ts, v, ok, err := m.point(c.Scope(), in.Metric, in.Period, in.StartTime, in.EndTime)
	if err != nil {
		return err
	}
	if ok {
		d := datapoint{Timestamp: ts, Unit: unitOf(in.MetricName)}
		one := 1.0
		for _, s := range in.Statistics {
			switch s {
			case "SampleCount":
				d.SampleCount = &one
			case "Average":
				d.Average = &v
			case "Sum":
				d.Sum = &v
			case "Minimum":
				d.Minimum = &v
			case "Maximum":
				d.Maximum = &v
			}
		}
		out.Datapoints = append(out.Datapoints, d)
	}
	return c.Result(out)
}

// point is the current value of an AWS/SQS metric as a datapoint at the
// start of the current period, if SQS would publish one in [start, end).
func (m *metrics) point(s emu.Scope, metric Metric, period int32, start, end time.Time) (time.Time, float64, bool, error) {
	queue := ""
	for _, d := range metric.Dimensions {
		if d.Name == "QueueName" {
			queue = d.Value
		}
	}
	if queue == "" {
		return time.Time{}, 0, false, nil // SQS publishes by QueueName only
	}
	if period <= 0 {
		period = 60
	}
	now := m.now()
	ts := now.Truncate(time.Duration(period) * time.Second)
	if ts.Before(start) || !ts.Before(end) {
		return ts, 0, false, nil
	}
	v, ok, err := m.src.QueueMetric(s, queue, metric.MetricName)
	return ts, v, ok, err
}

func unitOf(metric string) string {
	switch metric {
	case "ApproximateAgeOfOldestMessage":
		return "Seconds"
	case "SentMessageSize":
		return "Bytes"
	}
	return "Count"
}
