package cloudformation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rootguard/rootguard/internal/awsemu/internal/emu"
	"go.yaml.in/yaml/v3"
)

// CloudFormation accepts templates in JSON or YAML
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html).
// The engine reads JSON; a YAML template is turned into the same JSON first,
// its short-form intrinsics (!Ref X, !GetAtt A.B, !Sub …) into their full
// forms ({"Ref": "X"}, {"Fn::GetAtt": ["A", "B"]}, {"Fn::Sub": …})
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).

// templateJSON returns body as JSON: as it is when it is JSON, converted
// when it is YAML.
func templateJSON(body string) ([]byte, error) {
	if trimmed := strings.TrimSpace(body); strings.HasPrefix(trimmed, "{") {
		return []byte(body), nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		return nil, fmt.Errorf("Template format error: YAML not well-formed. (%v)", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("Template format error: At least one Resources member must be defined.")
	}
	v, err := yamlValue(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("Template format error: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("Template format error: a template is a mapping of sections")
	}
	return json.Marshal(v)
}

// yamlValue is n as the JSON value CloudFormation reads it as.
func yamlValue(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := yamlValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := yamlValue(c)
			if err != nil {
				return nil, err
			}
			list = append(list, val)
		}
		v = list
	case yaml.ScalarNode:
		v = yamlScalar(n)
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return intrinsic(n, v)
}

// yamlScalar keeps numbers and booleans typed, as JSON would; a tagged
// scalar (!Ref X) is the function's string argument.
func yamlScalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return float64(i)
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!bool":
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
	case "!!null":
		return nil
	}
	return n.Value
}

// intrinsic wraps v in the function a short-form tag names.
func intrinsic(n *yaml.Node, v any) (any, error) {
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return v, nil
	}
	name := tag[1:]
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		// !GetAtt Resource.Attribute is the list form split at the first dot.
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %s is not Resource.Attribute", n.Line, s)
			}
			v = []any{res, attr}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	}
	if !slices.Contains(shortFormFunctions, name) {
		return nil, fmt.Errorf("line %d: unknown tag !%s", n.Line, name)
	}
	return map[string]any{"Fn::" + name: v}, nil
}

// shortFormFunctions are the Fn:: functions with a YAML short form, besides
// Ref, Condition and GetAtt.
var shortFormFunctions = []string{
	"Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
	"Transform", "And", "Equals", "If", "Not", "Or", "Length", "ToJsonString",
}

// validateTemplate answers ValidateTemplate as CloudFormation does for a
// TemplateBody: a template the engine would refuse (not well-formed, no
// resources, an unrecognized resource type, a dependency cycle) is a
// ValidationError; a valid one lists its parameters and the capabilities
// its IAM resources require.
func (svc *cfnService) validateTemplate(c *emu.Call) error {
	body := c.Param("TemplateBody")
	if body == "" {
		if c.Param("TemplateURL") != "" {
			return errCFNValidation("the local AWS reads templates from TemplateBody only, not TemplateURL")
		}
		return errCFNValidation("Either Template URL or Template Body must be specified.")
	}
	t, err := parseCFNTemplate(body)
	if err != nil {
		return errCFNValidation("%v", err)
	}
	type parameter struct {
		ParameterKey string
		DefaultValue string `xml:",omitempty"`
		NoEcho       bool
		Description  string `xml:",omitempty"`
	}
	out := struct {
		Parameters         []parameter `xml:"Parameters>member"`
		Description        string      `xml:",omitempty"`
		Capabilities       []string    `xml:"Capabilities>member,omitempty"`
		CapabilitiesReason string      `xml:",omitempty"`
	}{Description: t.Description}
	keys := make([]string, 0, len(t.Parameters))
	for k := range t.Parameters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := t.Parameters[k]
		out.Parameters = append(out.Parameters, parameter{ParameterKey: k, DefaultValue: defaultValue(p.Default),
			NoEcho: p.NoEcho == true || p.NoEcho == "true", Description: p.Description})
	}
	// IAM resources need CAPABILITY_IAM, and CAPABILITY_NAMED_IAM when they
	// are given names
	// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ValidateTemplate.html).
	var iamTypes []string
	named := false
	for _, r := range t.Resources {
		if strings.HasPrefix(r.Type, "AWS::IAM::") {
			if !slices.Contains(iamTypes, r.Type) {
				iamTypes = append(iamTypes, r.Type)
			}
			named = named || r.Properties["RoleName"] != nil || r.Properties["UserName"] != nil ||
				r.Properties["GroupName"] != nil || r.Properties["ManagedPolicyName"] != nil
		}
	}
	if len(iamTypes) > 0 {
		slices.Sort(iamTypes)
		out.Capabilities = []string{"CAPABILITY_IAM"}
		if named {
			out.Capabilities = []string{"CAPABILITY_NAMED_IAM"}
		}
		out.CapabilitiesReason = "The following resource(s) require capabilities: [" + strings.Join(iamTypes, ", ") + "]"
	}
	return c.Result(out)
}

func defaultValue(v any) string {
	d, _ := parameterDefault(v)
	return d
}
