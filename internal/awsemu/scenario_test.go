package awsemu

import (
	"time"

	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestSampleScenario(t *testing.T) {
	emu, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	if err := emu.LoadScenario(SampleScenario()); err != nil {
		t.Fatal(err)
	}
	admin := aws.Credentials{AccessKeyID: "AKIADEMOADMIN0000001", SecretAccessKey: "demo-admin-secret-not-a-real-key-000000"}
	accounts, err := organizations.NewFromConfig(emu.Config(admin)).ListAccounts(ctx(t), &organizations.ListAccountsInput{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]orgtypes.AccountState{}
	for _, a := range accounts.Accounts {
		states[*a.Id] = a.State
	}
	if len(states) != 5 || states["555555555555"] != orgtypes.AccountStateSuspended || states["222222222222"] != orgtypes.AccountStateActive {
		t.Errorf("accounts = %v", states)
	}
	session := emu.Credentials(Principal{Account: "222222222222", Type: PrincipalRoot, TaskPolicyARN: auditPolicy}, 15*time.Minute)
	keys, err := iam.NewFromConfig(emu.Config(session)).ListAccessKeys(ctx(t), &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys.AccessKeyMetadata) != 1 || *keys.AccessKeyMetadata[0].AccessKeyId != "AKIADEMOROOTKEY00001" {
		t.Errorf("payments root keys = %+v", keys.AccessKeyMetadata)
	}
}

func TestLoadScenarioRejectsUnknownFields(t *testing.T) {
	emu, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	if err := emu.LoadScenario([]byte(`{"accounts":[{"id":"1","rooot":{}}]}`)); err == nil {
		t.Error("misspelled field accepted")
	}
}
