package awsemu

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

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

// TestS3CallsNeedTheirIAMActions: a user allowed exactly s3:CreateBucket,
// s3:ListBucket and s3:PutObject may list (ListObjectsV2 and HeadBucket are
// s3:ListBucket) and write, but not read an object (HeadObject is
// s3:GetObject); the refusal and the call log name the IAM action.
func TestS3CallsNeedTheirIAMActions(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	creds := s.AddAccount("444444444444", "s3").AddUser("writer", "s3:CreateBucket", "s3:ListBucket", "s3:PutObject").AddAccessKey(AccessKey{})
	client := s3.NewFromConfig(s.Config(creds), func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	bucket := fmt.Sprintf("actions-%d", time.Now().UnixNano())
	steps := []func() error{
		func() error { _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); return err },
		func() error {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")})
			return err
		},
		func() error { _, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket}); return err },
		func() error { _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if _, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")}); err == nil || !strings.Contains(err.Error(), "s3:GetObject") {
		t.Fatalf("GetObject without s3:GetObject: %v, want AccessDenied naming s3:GetObject", err)
	}
	want := map[string]string{"CreateBucket": "s3:CreateBucket", "PutObject": "s3:PutObject", "ListObjectsV2": "s3:ListBucket", "HeadBucket": "s3:ListBucket", "GetObject": "s3:GetObject"}
	for op, action := range want {
		recs := s.CallsTo("s3", op)
		if len(recs) != 1 || strings.Join(recs[0].IAMActions, ",") != action {
			t.Errorf("%s: logged %+v, want one call needing %s", op, recs, action)
		}
	}
}
