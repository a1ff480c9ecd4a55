package awsemu

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func BenchmarkFrontGetCallerIdentity(b *testing.B) {
	o := newTestOrg(b)
	client := o.sts(o.admin)
	c := ctx(b)
	for b.Loop() {
		if _, err := client.GetCallerIdentity(c, &sts.GetCallerIdentityInput{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFrontGetAccountSummary(b *testing.B) {
	o := newTestOrg(b)
	o.member.Root().AddAccessKey(AccessKey{})
	client := o.iam(o.member.AddUser("admin").AddAccessKey(AccessKey{}))
	c := ctx(b)
	for b.Loop() {
		if _, err := client.GetAccountSummary(c, &iam.GetAccountSummaryInput{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFrontGetAccountSummaryParallel(b *testing.B) {
	o := newTestOrg(b)
	client := o.iam(o.admin)
	c := ctx(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.GetAccountSummary(c, &iam.GetAccountSummaryInput{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
