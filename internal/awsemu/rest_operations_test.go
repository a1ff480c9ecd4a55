package awsemu

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestLambdaCallsAreNamedByOperation: a user allowed exactly
// lambda:GetFunction and lambda:ListEventSourceMappings may make those
// calls and no other, and the call log names the operations.
func TestLambdaCallsAreNamedByOperation(t *testing.T) {
	emu, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	acct := emu.AddAccount("123456789012", "lambda")
	creds := acct.AddUser("reader", "lambda:GetFunction", "lambda:ListEventSourceMappings").AddAccessKey(AccessKey{})
	client := lambda.NewFromConfig(emu.Config(creds))
	ctx := context.Background()

	if _, err := client.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{}); err != nil {
		t.Fatalf("allowed ListEventSourceMappings: %v", err)
	}
	_, err = client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("f"), Role: aws.String("arn:aws:iam::123456789012:role/r"),
		Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{ZipFile: []byte("PK\x05\x06" + string(make([]byte, 18)))},
	})
	if err == nil {
		t.Fatal("CreateFunction must be denied to a user not allowed lambda:CreateFunction")
	}
	got := map[string]string{}
	for _, c := range emu.Calls() {
		if c.Service == "lambda" {
			got[c.Action] = c.ErrorCode
		}
	}
	if code, ok := got["ListEventSourceMappings"]; !ok || code != "" {
		t.Errorf("ListEventSourceMappings logged as %v", got)
	}
	if code, ok := got["CreateFunction"]; !ok || code == "" {
		t.Errorf("CreateFunction must be logged by name and denied: %v", got)
	}
}
