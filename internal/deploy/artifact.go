package deploy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rootguard/rootguard/internal/account"
	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/stack"
)

// Code is where the function's zip lives: the stack's code parameters.
type Code struct {
	Bucket, Key, Version string
	// Uploaded is true when this run put the object (new code).
	Uploaded bool
}

// codeKey names the alert function's zip by content, so the same build
// never uploads twice and a re-run changes nothing.
func codeKey(zip []byte) string { return contentKey("alert-function/", zip) }

// contentKey is zip's key under folder, named by its content.
func contentKey(folder string, zip []byte) string {
	sum := sha256.Sum256(zip)
	return folder + hex.EncodeToString(sum[:]) + ".zip"
}

// bucketExists reports whether the artifacts bucket is there.
func bucketExists(ctx context.Context, c s3API, bucket string) (bool, error) {
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	switch code := awserr.Code(err); {
	case err == nil:
		return true, nil
	case code == "NotFound" || code == "NoSuchBucket":
		return false, nil
	default:
		return false, fmt.Errorf("look for artifacts bucket %s: %w", bucket, err)
	}
}

// existingCode finds the zip already uploaded, if any, and the version the
// stack should point at (the latest).
func existingCode(ctx context.Context, c s3API, bucket, key string) (Code, bool, error) {
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: &key})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return Code{}, false, fmt.Errorf("look for function code in %s: %w", bucket, err)
		}
		for _, v := range page.Versions {
			if aws.ToString(v.Key) == key && aws.ToBool(v.IsLatest) {
				return Code{Bucket: bucket, Key: key, Version: aws.ToString(v.VersionId)}, true, nil
			}
		}
	}
	return Code{}, false, nil
}

// ensureBucket creates the private, versioned, encrypted artifacts bucket.
func ensureBucket(ctx context.Context, c s3API, bucket, region string) error {
	in := &s3.CreateBucketInput{Bucket: &bucket}
	// S3 takes no LocationConstraint for us-east-1, its default, and
	// requires one everywhere else, GovCloud and China included (Amazon S3
	// API Reference, CreateBucket).
	if region != account.AWS.HomeRegion {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil && awserr.Code(err) != "BucketAlreadyOwnedByYou" {
		if awserr.Code(err) == "BucketAlreadyExists" {
			return fmt.Errorf("artifacts bucket %s already exists in another account; use --prefix to choose other names", bucket)
		}
		return fmt.Errorf("create artifacts bucket %s: %w", bucket, err)
	}
	steps := []func() error{
		func() error {
			_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &bucket, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
				BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
			}})
			return err
		},
		func() error {
			_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &bucket, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
				Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}},
			}})
			return err
		},
		func() error {
			_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
			return err
		},
		func() error {
			// TLS only, as the trail bucket: the function's code is
			// fetched over HTTPS, so nothing needs plain HTTP.
			_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: aws.String(tlsOnlyPolicy(account.PartitionOfRegion(region), bucket))})
			return err
		},
		func() error {
			_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: &bucket, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String(stack.ManagedTagKey), Value: aws.String(stack.ManagedTagValue)}}}})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("configure artifacts bucket %s: %w", bucket, err)
		}
	}
	return nil
}

// tlsOnlyPolicy denies every request to the bucket and its objects that
// does not use TLS (aws:SecureTransport false).
func tlsOnlyPolicy(p account.Partition, bucket string) string {
	arn := p.ARN("s3", "", "", bucket)
	doc, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
			"Resource":  []string{arn, arn + "/*"},
			"Condition": map[string]any{"Bool": map[string]string{"aws:SecureTransport": "false"}},
		}},
	})
	return string(doc)
}

// upload puts the zip under key.
func upload(ctx context.Context, c s3API, bucket, key string, zip []byte) (Code, error) {
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(zip), ContentType: aws.String("application/zip")})
	if err != nil {
		return Code{}, fmt.Errorf("upload function code to %s: %w", bucket, err)
	}
	return Code{Bucket: bucket, Key: key, Version: aws.ToString(out.VersionId), Uploaded: true}, nil
}
