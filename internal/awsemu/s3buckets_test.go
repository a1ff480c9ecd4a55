package awsemu

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestDeniesEveryone(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`:                                          true,
		`{"Statement":{"Effect":"Deny","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"s3:*"}}`:                        true,
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`: false,
		`{"Statement":[{"Effect":"Deny","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"*"}]}`:                      false,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`:                                             false,
		`not json`: false,
	} {
		if got := deniesEveryone([]byte(doc)); got != want {
			t.Errorf("%s: %v, want %v", doc, got, want)
		}
	}
}

// TestBucketPolicyLockOut: a policy that denies every principal locks the
// owner's IAM principals out; the owner's root (a root session included)
// can still read and remove it; another account's root session cannot
// touch the policy of a bucket it does not own.
func TestBucketPolicyLockOut(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	owner, other := s.AddAccount("222222222222", "owner"), s.AddAccount("333333333333", "other")
	client := func(creds aws.Credentials) *s3.Client {
		return s3.NewFromConfig(s.Config(creds), func(o *s3.Options) { o.UsePathStyle = true })
	}
	rootSession := func(acct string) *s3.Client {
		return client(s.Credentials(Principal{Account: acct, Type: PrincipalRoot, TaskPolicyARN: "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy"}, time.Hour))
	}
	admin := client(owner.AddUser("admin", "*").AddAccessKey(AccessKey{}))
	ctx, bucket := context.Background(), "rootguard-lockout-test"
	if _, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	lock := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`
	if _, err := admin.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(lock)}); err != nil {
		t.Fatal(err)
	}
	code := func(err error) string { return errorCode(t, err) }
	if _, err := admin.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)}); code(err) != "AccessDenied" {
		t.Errorf("the owner's administrator read a policy that denies everyone: %v", err)
	}
	if _, err := rootSession(other.ID).DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)}); code(err) != "AccessDenied" {
		t.Errorf("another account's root session removed the policy: %v", err)
	}
	if _, err := rootSession(owner.ID).DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("the owner's root session: %v", err)
	}
	if _, err := admin.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)}); code(err) != "NoSuchBucketPolicy" {
		t.Errorf("after the unlock the administrator gets %v, want NoSuchBucketPolicy", err)
	}
}
