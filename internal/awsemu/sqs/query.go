package sqs

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
)

// kumo answers SQS in the JSON protocol only; the aws CLI 2.9 and older
// SDKs send the Query protocol. Front translates a Query SQS call into
// its JSON form (the SQS API reference's query parameters: flattened lists
// Attribute.N.Name/Value, AttributeName.N, MessageAttribute.N.Name and
// .Value.StringValue/.BinaryValue/.DataType, Tag.N.Key/Value), forwards it
// as a JSON call, and answers kumo's JSON as Query XML with the same
// flattened lists
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html).

const sqsNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"

var sqsIndexed = regexp.MustCompile(`^([A-Za-z]+)\.([0-9]+)(?:\.(.+))?$`)

// sqsIntParams are the integer parameters of the SQS actions.
var sqsIntParams = map[string]bool{
	"MaxNumberOfMessages": true, "WaitTimeSeconds": true, "VisibilityTimeout": true,
	"DelaySeconds": true, "MaxResults": true,
}

// sqsQueryInput turns Query parameters into the action's JSON input.
func queryInput(params map[string][]string) ([]byte, error) {
	in := map[string]any{}
	lists := map[string]map[int]map[string]string{} // list name → index → field → value
	for k, v := range params {
		if k == "Action" || k == "Version" || len(v) == 0 {
			continue
		}
		if m := sqsIndexed.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[2])
			if lists[m[1]] == nil {
				lists[m[1]] = map[int]map[string]string{}
			}
			if lists[m[1]][i] == nil {
				lists[m[1]][i] = map[string]string{}
			}
			lists[m[1]][i][m[3]] = v[0]
			continue
		}
		if sqsIntParams[k] {
			n, err := strconv.Atoi(v[0])
			if err != nil {
				return nil, emu.NewError(http.StatusBadRequest, "InvalidParameterValue", "%s %q is not an integer.", k, v[0])
			}
			in[k] = n
			continue
		}
		in[k] = v[0]
	}
	ordered := func(l map[int]map[string]string) []map[string]string {
		idx := make([]int, 0, len(l))
		for i := range l {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		out := make([]map[string]string, len(idx))
		for j, i := range idx {
			out[j] = l[i]
		}
		return out
	}
	for name, l := range lists {
		switch name {
		case "Attribute":
			attrs := map[string]string{}
			for _, e := range ordered(l) {
				attrs[e["Name"]] = e["Value"]
			}
			in["Attributes"] = attrs
		case "Tag":
			tags := map[string]string{}
			for _, e := range ordered(l) {
				tags[e["Key"]] = e["Value"]
			}
			in["tags"] = tags
		case "MessageAttribute":
			attrs := map[string]any{}
			for _, e := range ordered(l) {
				v := map[string]any{"DataType": e["Value.DataType"]}
				if s, ok := e["Value.StringValue"]; ok {
					v["StringValue"] = s
				}
				if b, ok := e["Value.BinaryValue"]; ok {
					v["BinaryValue"] = b // base64 in both protocols
				}
				attrs[e["Name"]] = v
			}
			in["MessageAttributes"] = attrs
		default: // AttributeName.N, MessageAttributeName.N, …: lists of strings
			var vals []string
			for _, e := range ordered(l) {
				vals = append(vals, e[""])
			}
			in[name+"s"] = vals
		}
	}
	return json.Marshal(in)
}

// serveQuery answers a Query-protocol SQS call through kumo's JSON API.
func (f *Front) serveQuery(c *emu.Call) error {
	in, err := queryInput(c.Params)
	if err != nil {
		return err
	}
	r := c.Request
	r.Header.Set("X-Amz-Target", "AmazonSQS."+c.Action)
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	status, header, out, err := f.roundTrip(c, in)
	if err != nil {
		return err
	}
	if status >= 300 {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(out, &e)
		code := e.Type[strings.LastIndexByte(e.Type, '#')+1:]
		if q := header.Get("X-Amzn-Query-Error"); q != "" {
			code, _, _ = strings.Cut(q, ";") // the Query protocol's code, e.g. AWS.SimpleQueueService.NonExistentQueue
		}
		return emu.NewError(status, code, "%s", e.Message)
	}
	var result map[string]any
	if err := json.Unmarshal(out, &result); err != nil && len(out) > 0 {
		return err
	}
	var body bytes.Buffer
	body.WriteString(`<` + c.Action + `Response xmlns="` + sqsNamespace + `">`)
	if len(result) > 0 {
		body.WriteString(`<` + c.Action + `Result>`)
		writeSQSXML(&body, result)
		body.WriteString(`</` + c.Action + `Result>`)
	}
	body.WriteString(`<ResponseMetadata><RequestId>` + c.RequestID + `</RequestId></ResponseMetadata></` + c.Action + `Response>`)
	return c.Respond(http.StatusOK, http.Header{
		"Content-Type":   {"text/xml"},
		"Content-Length": {strconv.Itoa(body.Len())},
	}, body.Bytes())
}

// writeSQSXML writes a JSON result as SQS's Query XML: lists flattened
// under the singular name (QueueUrls → QueueUrl…, Messages → Message…),
// maps as Name/Value entries (Attributes → Attribute, MessageAttributes →
// MessageAttribute with a Value structure).
func writeSQSXML(b *bytes.Buffer, v map[string]any) {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		singular := strings.TrimSuffix(k, "s")
		switch x := v[k].(type) {
		case []any:
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					b.WriteString("<" + singular + ">")
					writeSQSXML(b, m)
					b.WriteString("</" + singular + ">")
				} else {
					xmlElement(b, singular, e)
				}
			}
		case map[string]any:
			if k != "Attributes" && k != "MessageAttributes" {
				b.WriteString("<" + k + ">")
				writeSQSXML(b, x)
				b.WriteString("</" + k + ">")
				continue
			}
			names := make([]string, 0, len(x))
			for n := range x {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				b.WriteString("<" + singular + ">")
				xmlElement(b, "Name", n)
				if m, ok := x[n].(map[string]any); ok {
					b.WriteString("<Value>")
					writeSQSXML(b, m)
					b.WriteString("</Value>")
				} else {
					xmlElement(b, "Value", x[n])
				}
				b.WriteString("</" + singular + ">")
			}
		default:
			xmlElement(b, k, x)
		}
	}
}

func xmlElement(b *bytes.Buffer, name string, v any) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return
	default:
		raw, _ := json.Marshal(x)
		s = string(raw)
	}
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(s))
	b.WriteString("</" + name + ">")
}
