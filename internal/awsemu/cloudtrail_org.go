package awsemu

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// trailOrg is the Server's organization as CloudTrail sees it
// (cloudtrail.Org): who may make organization trails, and whom they apply
// to.
type trailOrg struct{ s *Server }

func (o trailOrg) Organization(account string) (id, management string) {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil || !s.org.isMember(account) {
		return "", ""
	}
	return s.org.ID, s.org.management.ID
}

func (o trailOrg) ServiceAccess(servicePrincipal string) bool {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org == nil {
		return false
	}
	_, ok := s.org.serviceAccess[servicePrincipal]
	return ok
}

func (o trailOrg) DelegatedAdmin(account, servicePrincipal string) bool {
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.org != nil && s.org.isDelegatedAdmin(account, servicePrincipal)
}

// trailBuckets is S3 (kumo's buckets) as CloudTrail sees it.
type trailBuckets struct{ s *Server }

func (b trailBuckets) BucketExists(name string) (bool, error) {
	svc, err := b.s.services()
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = svc.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(name)})
	var missing *s3types.NotFound
	switch {
	case errors.As(err, &missing):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
