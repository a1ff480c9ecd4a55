package awsemu_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/rootguard/rootguard/internal/awsemu"
)

func TestPipelineCloudTrailPerAccountAndRegion(t *testing.T) {
	emu, cfg := newHub(t)
	ctx := t.Context()
	west := cfg.Copy()
	west.Region = "eu-west-1"
	ctWest := cloudtrail.NewFromConfig(west)

	// The bucket must exist (S3BucketDoesNotExistException); kumo's buckets
	// are the whole process's, so the name is made unique.
	bucket := fmt.Sprintf("trail-logs-%d", time.Now().UnixNano())
	input := &cloudtrail.CreateTrailInput{
		Name: aws.String("org-trail"), S3BucketName: aws.String(bucket), IsMultiRegionTrail: aws.Bool(true), EnableLogFileValidation: aws.Bool(true),
	}
	var missing *cttypes.S3BucketDoesNotExistException
	if _, err := ctWest.CreateTrail(ctx, input); !errors.As(err, &missing) {
		t.Fatalf("CreateTrail to a missing bucket: %v, want S3BucketDoesNotExistException", err)
	}
	if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	created, err := ctWest.CreateTrail(ctx, input)
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail"; aws.ToString(created.TrailARN) != want {
		t.Errorf("TrailARN = %s, want %s", aws.ToString(created.TrailARN), want)
	}
	if _, err := ctWest.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("org-trail")}); err != nil {
		t.Fatal(err)
	}

	// A multi-region trail homed in eu-west-1 is seen from us-east-1.
	ctEast := cloudtrail.NewFromConfig(cfg)
	trails, err := ctEast.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil || len(trails.TrailList) != 1 || aws.ToString(trails.TrailList[0].HomeRegion) != "eu-west-1" ||
		!aws.ToBool(trails.TrailList[0].IncludeGlobalServiceEvents) || !aws.ToBool(trails.TrailList[0].LogFileValidationEnabled) {
		t.Fatalf("describe from us-east-1: %v %+v", err, trails)
	}
	status, err := ctEast.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: trails.TrailList[0].TrailARN})
	if err != nil || !aws.ToBool(status.IsLogging) || status.StartLoggingTime == nil {
		t.Fatalf("status: %v %+v", err, status)
	}
	sel, err := ctEast.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("org-trail")})
	if err != nil || len(sel.EventSelectors) != 1 || !aws.ToBool(sel.EventSelectors[0].IncludeManagementEvents) || sel.EventSelectors[0].ReadWriteType != cttypes.ReadWriteTypeAll {
		t.Fatalf("default selectors: %v %+v", err, sel)
	}
	if _, err := ctWest.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("org-trail"), AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{
		Name: aws.String("management"), FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Management"}}},
	}}}); err != nil {
		t.Fatal(err)
	}
	sel, err = ctEast.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("org-trail")})
	if err != nil || len(sel.EventSelectors) != 0 || len(sel.AdvancedEventSelectors) != 1 || sel.AdvancedEventSelectors[0].FieldSelectors[0].Equals[0] != "Management" {
		t.Fatalf("advanced selectors: %v %+v", err, sel)
	}
	var wrongRegion *cttypes.InvalidHomeRegionException
	if _, err := ctEast.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("org-trail")}); !errors.As(err, &wrongRegion) {
		t.Errorf("delete outside home region: err = %v, want InvalidHomeRegionException", err)
	}

	// Another account sees none of it.
	other := emu.AddAccount("444455556666", "other").AddUser("auditor").AddAccessKey(awsemu.AccessKey{})
	otherTrails, err := cloudtrail.NewFromConfig(emu.Config(other)).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil || len(otherTrails.TrailList) != 0 {
		t.Errorf("other account sees %v (err %v), want no trails", otherTrails, err)
	}
}
