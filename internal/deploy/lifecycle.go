package deploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rootguard/rootguard/internal/awserr"
	"github.com/rootguard/rootguard/internal/stack"
)

// The lifecycle rule expiring old posture runs lives on the pipeline's
// bucket, which `alert deploy` creates through the S3 API, outside any
// stack: no template owns the bucket's lifecycle configuration, so the rule
// drifts no stack. S3 takes the whole configuration in one
// PutBucketLifecycleConfiguration, which replaces what was there (Amazon S3
// API Reference, PutBucketLifecycleConfiguration): rootguard reads it,
// changes only its own rule (by ID) and writes the rest back unchanged.
//
// The bucket is versioned: Expiration only makes a run's current version
// noncurrent behind a delete marker, NoncurrentVersionExpiration then
// deletes it, and S3 removes the delete marker left alone ("expired object
// delete marker"; Amazon S3 User Guide, "Expiring objects",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html).

type lifecycleRule = s3types.LifecycleRule

// noncurrentDays is how long an expired run's old version is kept.
const noncurrentDays = 1

func runsRule(names stack.Names, days int) lifecycleRule {
	return lifecycleRule{
		ID:                          aws.String(names.PostureLifecycleRule()),
		Status:                      s3types.ExpirationStatusEnabled,
		Filter:                      &s3types.LifecycleRuleFilter{Prefix: aws.String(stack.PostureRunsPrefix)},
		Expiration:                  &s3types.LifecycleExpiration{Days: aws.Int32(int32(days))},
		NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(noncurrentDays)},
	}
}

// readLifecycle is the bucket's lifecycle rules, none when it has no
// configuration.
func readLifecycle(ctx context.Context, c s3API, bucket string) ([]lifecycleRule, error) {
	out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	if awserr.Code(err) == "NoSuchLifecycleConfiguration" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the lifecycle configuration of %s: %w", bucket, awserr.Classify(err))
	}
	return out.Rules, nil
}

// withRule is rules with rule in place of the one of the same ID (or
// added), and whether that changes them.
func withRule(rules []lifecycleRule, rule lifecycleRule) ([]lifecycleRule, bool) {
	out := slices.Clone(rules)
	i := slices.IndexFunc(out, func(r lifecycleRule) bool { return aws.ToString(r.ID) == aws.ToString(rule.ID) })
	if i < 0 {
		return append(out, rule), true
	}
	if sameRule(out[i], rule) {
		return out, false
	}
	out[i] = rule
	return out, true
}

// sameRule compares what rootguard sets.
func sameRule(a, b lifecycleRule) bool {
	return a.Status == b.Status && a.Filter != nil && b.Filter != nil && aws.ToString(a.Filter.Prefix) == aws.ToString(b.Filter.Prefix) &&
		a.Expiration != nil && b.Expiration != nil && aws.ToInt32(a.Expiration.Days) == aws.ToInt32(b.Expiration.Days) &&
		a.NoncurrentVersionExpiration != nil && b.NoncurrentVersionExpiration != nil &&
		aws.ToInt32(a.NoncurrentVersionExpiration.NoncurrentDays) == aws.ToInt32(b.NoncurrentVersionExpiration.NoncurrentDays)
}

// putLifecycle writes rules as the bucket's whole configuration, or deletes
// the configuration when none is left.
func putLifecycle(ctx context.Context, c s3API, bucket string, rules []lifecycleRule) error {
	var err error
	if len(rules) == 0 {
		_, err = c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: &bucket})
	} else {
		_, err = c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
			Bucket: &bucket, LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules},
		})
	}
	if err != nil {
		return fmt.Errorf("write the lifecycle configuration of %s: %w", bucket, awserr.Classify(err))
	}
	return nil
}
