package awsemu_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/rootguard/rootguard/internal/awsemu"
)

// Other SDKs and the aws CLI speak other protocols than aws-sdk-go-v2 for
// some services (CloudWatch: Query in the aws CLI 2.9, awsJson 1.0 in
// botocore 1.43, instead of RPC v2 CBOR). These tests send those requests
// raw, signed with SigV4 as any SDK would.

// rawCall sends a signed request for service to the front and returns the
// status and body of the answer.
func rawCall(t *testing.T, emu *awsemu.Server, cfg aws.Config, service string, header http.Header, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, emu.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, req, hex.EncodeToString(sum[:]), service, cfg.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// queryCall sends a Query protocol request (a form POST) for service.
func queryCall(t *testing.T, emu *awsemu.Server, cfg aws.Config, service string, form url.Values) (int, []byte) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	return rawCall(t, emu, cfg, service, h, []byte(form.Encode()))
}

// queryError is a Query protocol error response.
type queryError struct {
	Error struct{ Code, Message string }
}

// TestCloudWatchAlarmsOverQuery: an alarm put in the Query protocol (the
// aws CLI's and boto3's) is the alarm the SDK for Go reads over RPC v2
// CBOR, and DescribeAlarms answers it in Query XML with its lists as
// <member> elements; errors come back in the Query error shape.
func TestCloudWatchAlarmsOverQuery(t *testing.T) {
	emu, cfg := newHub(t)
	topic := "arn:aws:sns:us-east-1:111122223333:root-alerts"
	status, body := queryCall(t, emu, cfg, "monitoring", url.Values{
		"Action": {"PutMetricAlarm"}, "Version": {"2010-08-01"},
		"AlarmName": {"root-usage"}, "MetricName": {rootMetric}, "Namespace": {cisNamespace},
		"Statistic": {"Sum"}, "Period": {"300"}, "EvaluationPeriods": {"1"}, "Threshold": {"1"},
		"ComparisonOperator":       {"GreaterThanOrEqualToThreshold"},
		"AlarmActions.member.1":    {topic},
		"Dimensions.member.1.Name": {"Trail"}, "Dimensions.member.1.Value": {"org"},
	})
	if status != http.StatusOK {
		t.Fatalf("PutMetricAlarm over Query: %d %s", status, body)
	}

	got, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(t.Context(), &cloudwatch.DescribeAlarmsInput{})
	if err != nil || len(got.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms over CBOR: %v, %+v", err, got)
	}
	a := got.MetricAlarms[0]
	if aws.ToString(a.AlarmName) != "root-usage" || aws.ToFloat64(a.Threshold) != 1 || aws.ToInt32(a.Period) != 300 ||
		len(a.AlarmActions) != 1 || a.AlarmActions[0] != topic || len(a.Dimensions) != 1 || aws.ToString(a.Dimensions[0].Value) != "org" {
		t.Errorf("the alarm put over Query reads back as %+v", a)
	}

	status, body = queryCall(t, emu, cfg, "monitoring", url.Values{
		"Action": {"DescribeAlarms"}, "Version": {"2010-08-01"}, "AlarmNames.member.1": {"root-usage"},
	})
	var described struct {
		Result struct {
			MetricAlarms []struct {
				AlarmName, AlarmArn, StateValue string
				AlarmActions                    []string                       `xml:"AlarmActions>member"`
				Dimensions                      []struct{ Name, Value string } `xml:"Dimensions>member"`
				Threshold                       float64
				StateUpdatedTimestamp           time.Time
			} `xml:"MetricAlarms>member"`
		} `xml:"DescribeAlarmsResult"`
	}
	if err := xml.Unmarshal(body, &described); status != http.StatusOK || err != nil {
		t.Fatalf("DescribeAlarms over Query: %d %v\n%s", status, err, body)
	}
	if len(described.Result.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms over Query: %s", body)
	}
	q := described.Result.MetricAlarms[0]
	if q.AlarmArn != "arn:aws:cloudwatch:us-east-1:111122223333:alarm:root-usage" || q.StateValue != "INSUFFICIENT_DATA" ||
		len(q.AlarmActions) != 1 || q.AlarmActions[0] != topic || len(q.Dimensions) != 1 || q.Dimensions[0].Name != "Trail" ||
		q.Threshold != 1 || q.StateUpdatedTimestamp.IsZero() {
		t.Errorf("DescribeAlarms over Query = %+v\n%s", q, body)
	}

	status, body = queryCall(t, emu, cfg, "monitoring", url.Values{
		"Action": {"SetAlarmState"}, "Version": {"2010-08-01"},
		"AlarmName": {"no-such-alarm"}, "StateValue": {"ALARM"}, "StateReason": {"test"},
	})
	var qe queryError
	if err := xml.Unmarshal(body, &qe); status != http.StatusNotFound || err != nil || qe.Error.Code != "ResourceNotFound" {
		t.Errorf("SetAlarmState of a missing alarm over Query: %d %s, want 404 ResourceNotFound", status, body)
	}
	status, body = queryCall(t, emu, cfg, "monitoring", url.Values{
		"Action": {"PutMetricAlarm"}, "Version": {"2010-08-01"}, "AlarmName": {"x"}, "Period": {"five"},
	})
	if err := xml.Unmarshal(body, &qe); status != http.StatusBadRequest || err != nil || qe.Error.Code != "InvalidParameterValue" {
		t.Errorf("a malformed Period over Query: %d %s, want 400 InvalidParameterValue", status, body)
	}
}

// TestCloudWatchAlarmsOverJSON: CloudWatch's awsJson 1.0 protocol reaches
// the same alarms.
func TestCloudWatchAlarmsOverJSON(t *testing.T) {
	emu, cfg := newHub(t)
	putRootAlarm(t, cloudwatch.NewFromConfig(cfg), "root-usage")
	h := http.Header{
		"Content-Type": {"application/x-amz-json-1.0"},
		"X-Amz-Target": {"GraniteServiceVersion20100801.DescribeAlarms"},
	}
	status, body := rawCall(t, emu, cfg, "monitoring", h, []byte(`{"AlarmNamePrefix":"root-"}`))
	if status != http.StatusOK || !strings.Contains(string(body), `"AlarmName":"root-usage"`) {
		t.Errorf("DescribeAlarms over awsJson 1.0: %d %s", status, body)
	}
}

// TestSQSNamesTheCallersAccount: queue URLs and ARNs name the caller's
// account on the front's URL, not kumo's, and work as given in later calls
// (attributes, messages, a redrive policy naming the dead-letter queue by
// its ARN, ListQueues).
func TestSQSNamesTheCallersAccount(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	api := sqs.NewFromConfig(cfg)
	name := fmt.Sprintf("acct-%d", time.Now().UnixNano())
	dlq, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	if want := emu.URL + "/111122223333/" + name + "-dlq"; aws.ToString(dlq.QueueUrl) != want {
		t.Errorf("QueueUrl = %s, want %s", aws.ToString(dlq.QueueUrl), want)
	}
	dlqARN := "arn:aws:sqs:us-east-1:111122223333:" + name + "-dlq"
	q, err := api.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"1"}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn, sqstypes.QueueAttributeNameRedrivePolicy}})
	if err != nil {
		t.Fatal(err)
	}
	if got := attrs.Attributes["QueueArn"]; got != "arn:aws:sqs:us-east-1:111122223333:"+name {
		t.Errorf("QueueArn = %s", got)
	}
	if got := attrs.Attributes["RedrivePolicy"]; !strings.Contains(got, dlqARN) {
		t.Errorf("RedrivePolicy = %s, want the DLQ's ARN in the caller's account", got)
	}
	if _, err := api.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello")}); err != nil {
		t.Fatalf("send to the URL as given: %v", err)
	}
	got, err := api.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != "hello" {
		t.Fatalf("receive: %v %+v", err, got)
	}
	list, err := api.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(name)})
	if err != nil || len(list.QueueUrls) != 2 || !slices.Contains(list.QueueUrls, aws.ToString(q.QueueUrl)) || !slices.Contains(list.QueueUrls, aws.ToString(dlq.QueueUrl)) {
		t.Errorf("ListQueues: %v %v, want the two URLs CreateQueue returned", err, list)
	}
}

// TestSQSQueuesBelongToTheirAccount: a queue is its creator's, as on SQS
// (API Reference, GetQueueUrl and ListQueues): another account does not
// find it by name or in its listing, reaches it by naming the owner
// (QueueOwnerAWSAccountId, the owner's URL) and sees it in the owner's
// account; in its own account the URL names no queue; and it cannot make
// a queue of that name (the emulator's one namespace, refused by name).
func TestSQSQueuesBelongToTheirAccount(t *testing.T) {
	emu, owner := newHub(t)
	other := emu.Config(emu.AddAccount("444455556666", "other").AddUser("dev").AddAccessKey(awsemu.AccessKey{}))
	ctx := t.Context()
	name := fmt.Sprintf("owned-%d", time.Now().UnixNano())
	mine, theirs := sqs.NewFromConfig(owner), sqs.NewFromConfig(other)
	q, err := mine.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var missing *sqstypes.QueueDoesNotExist
	if _, err := theirs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)}); !errors.As(err, &missing) {
		t.Errorf("another account's GetQueueUrl by name: %v, want QueueDoesNotExist", err)
	}
	shared, err := theirs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name), QueueOwnerAWSAccountId: aws.String("111122223333")})
	if err != nil || aws.ToString(shared.QueueUrl) != aws.ToString(q.QueueUrl) {
		t.Fatalf("GetQueueUrl naming the owner: %v %v, want %s", err, shared, aws.ToString(q.QueueUrl))
	}
	if _, err := theirs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")}); err != nil {
		t.Errorf("send to the owner's URL: %v", err)
	}
	attrs, err := theirs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil || attrs.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:111122223333:"+name {
		t.Errorf("QueueArn read by another account: %v %v, want the owner's", err, attrs)
	}
	ownURL := emu.URL + "/444455556666/" + name
	if _, err := theirs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &ownURL, MessageBody: aws.String("x")}); !errors.As(err, &missing) {
		t.Errorf("send to the name in its own account: %v, want QueueDoesNotExist", err)
	}
	if list, err := theirs.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(name)}); err != nil || len(list.QueueUrls) != 0 {
		t.Errorf("another account's ListQueues: %v %v, want none", err, list)
	}
	if list, err := mine.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(name)}); err != nil || !slices.Equal(list.QueueUrls, []string{aws.ToString(q.QueueUrl)}) {
		t.Errorf("owner's ListQueues: %v %v", err, list)
	}
	if _, err := theirs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)}); err == nil || !strings.Contains(err.Error(), "one queue per name") {
		t.Errorf("another account's CreateQueue of the name: %v, want the emulator's limit named", err)
	}
}

// TestSQSOverQuery: the Query protocol (the aws CLI 2.9's) reaches kumo's
// queues: URLs in the caller's account, message attributes both ways,
// attributes and lists flattened as SQS's Query XML has them, and errors
// with the Query protocol's codes.
func TestSQSOverQuery(t *testing.T) {
	emu, cfg := newHub(t)
	name := fmt.Sprintf("query-%d", time.Now().UnixNano())
	call := func(form url.Values) (int, []byte) {
		t.Helper()
		form.Set("Version", "2012-11-05")
		return queryCall(t, emu, cfg, "sqs", form)
	}
	status, body := call(url.Values{"Action": {"CreateQueue"}, "QueueName": {name},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"7"}})
	var created struct {
		QueueURL string `xml:"CreateQueueResult>QueueUrl"`
	}
	if err := xml.Unmarshal(body, &created); status != http.StatusOK || err != nil || created.QueueURL != emu.URL+"/111122223333/"+name {
		t.Fatalf("CreateQueue over Query: %d %v %s", status, err, body)
	}
	status, body = call(url.Values{"Action": {"SendMessage"}, "QueueUrl": {created.QueueURL}, "MessageBody": {"hi <there>"},
		"MessageAttribute.1.Name": {"kind"}, "MessageAttribute.1.Value.DataType": {"String"}, "MessageAttribute.1.Value.StringValue": {"test"}})
	if status != http.StatusOK || !strings.Contains(string(body), "<MessageId>") {
		t.Fatalf("SendMessage over Query: %d %s", status, body)
	}
	status, body = call(url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {created.QueueURL}, "WaitTimeSeconds": {"1"},
		"AttributeName.1": {"All"}, "MessageAttributeName.1": {"All"}})
	var received struct {
		Messages []struct {
			Body              string
			ReceiptHandle     string
			Attributes        []struct{ Name, Value string } `xml:"Attribute"`
			MessageAttributes []struct {
				Name  string
				Value struct{ StringValue, DataType string }
			} `xml:"MessageAttribute"`
		} `xml:"ReceiveMessageResult>Message"`
	}
	if err := xml.Unmarshal(body, &received); status != http.StatusOK || err != nil || len(received.Messages) != 1 {
		t.Fatalf("ReceiveMessage over Query: %d %v %s", status, err, body)
	}
	m := received.Messages[0]
	if m.Body != "hi <there>" || len(m.MessageAttributes) != 1 || m.MessageAttributes[0].Value.StringValue != "test" || len(m.Attributes) == 0 {
		t.Errorf("received %+v\n%s", m, body)
	}
	status, body = call(url.Values{"Action": {"DeleteMessage"}, "QueueUrl": {created.QueueURL}, "ReceiptHandle": {m.ReceiptHandle}})
	if status != http.StatusOK {
		t.Errorf("DeleteMessage over Query: %d %s", status, body)
	}
	status, body = call(url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {created.QueueURL}, "AttributeName.1": {"All"}})
	var attrs struct {
		Attributes []struct{ Name, Value string } `xml:"GetQueueAttributesResult>Attribute"`
	}
	if err := xml.Unmarshal(body, &attrs); status != http.StatusOK || err != nil {
		t.Fatalf("GetQueueAttributes over Query: %d %v %s", status, err, body)
	}
	got := map[string]string{}
	for _, a := range attrs.Attributes {
		got[a.Name] = a.Value
	}
	if got["QueueArn"] != "arn:aws:sqs:us-east-1:111122223333:"+name || got["VisibilityTimeout"] != "7" {
		t.Errorf("attributes %v", got)
	}
	status, body = call(url.Values{"Action": {"ListQueues"}, "QueueNamePrefix": {name}})
	var list struct {
		URLs []string `xml:"ListQueuesResult>QueueUrl"`
	}
	if err := xml.Unmarshal(body, &list); status != http.StatusOK || err != nil || len(list.URLs) != 1 || list.URLs[0] != created.QueueURL {
		t.Errorf("ListQueues over Query: %d %v %s", status, err, body)
	}
	status, body = call(url.Values{"Action": {"GetQueueUrl"}, "QueueName": {name + "-missing"}})
	var qe queryError
	if err := xml.Unmarshal(body, &qe); status != http.StatusBadRequest || err != nil ||
		(qe.Error.Code != "AWS.SimpleQueueService.NonExistentQueue" && qe.Error.Code != "QueueDoesNotExist") {
		t.Errorf("GetQueueUrl of a missing queue over Query: %d %s", status, body)
	}
}
