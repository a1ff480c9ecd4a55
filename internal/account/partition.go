package account

import (
	"fmt"
	"strings"
)

// Partition is one AWS partition: the first field of every ARN, and the
// facts rootguard derives from it. ARNs, service principals and the Region
// where global services (IAM, AWS sign-in, Organizations) deliver their
// CloudTrail events all differ between partitions, so nothing outside this
// file writes "arn:aws:" or names a partition's home Region.
//
// Sources (AWS documentation):
//   - ARN format and partitions: IAM User Guide, "IAM identifiers" and
//     AWS General Reference, "Amazon Resource Names (ARNs)": aws, aws-cn,
//     aws-us-gov.
//   - Home Region: in the aws partition IAM, STS (global endpoint) and AWS
//     sign-in record their events in us-east-1 (CloudTrail User Guide,
//     "Using update-trail": "events created by Amazon CloudFront, AWS
//     Identity and Access Management, and AWS STS are recorded in ... the
//     US East (N. Virginia) Region, us-east-1"; EventBridge rules for
//     global services work in us-east-1 only — AWS re:Post, "EventBridge
//     rule triggers IAM single Region"). In China, global service events
//     are recorded in China (Beijing), cn-north-1, CloudFront's alone in
//     Ningxia ("Getting Started with Amazon Web Services in China",
//     CloudTrail: "For trails monitoring global service events, be sure to
//     convert single-Region trails in China (Beijing) Region, cn-north-1,
//     to multi-Region trails"). For GovCloud no page in reach names the
//     Region; us-gov-west-1 is where its IAM control plane and its console
//     sign-in live, and rootguard's status and audit check the trail there
//     rather than assume it.
//   - The China Regions have no root user ("there is no concept of root
//     user or account user credentials" — Getting Started with Amazon Web
//     Services in China, IAM): root checks there find nothing to harden,
//     and rootguard says so rather than passing them.
//   - DNS suffix: service endpoints end in amazonaws.com, in China
//     amazonaws.com.cn (AWS General Reference, "Service endpoints").
type Partition struct {
	// ID is the partition as written in ARNs: aws, aws-us-gov or aws-cn.
	ID string
	// HomeRegion is where the partition's global services (IAM, AWS sign-in,
	// Organizations, STS global endpoint) record their CloudTrail events,
	// so it is where a root sign-in is seen and where rootguard's alert
	// pipeline lives.
	HomeRegion string
	// DNSSuffix is the suffix of the partition's service endpoints.
	DNSSuffix string
	// RegionPrefixes are the prefixes of the partition's Region names.
	regionPrefixes []string
}

// The partitions rootguard knows. Others (the isolated aws-iso* partitions)
// are refused rather than guessed.
var (
	AWS = Partition{ID: "aws", HomeRegion: "us-east-1", DNSSuffix: "amazonaws.com",
		regionPrefixes: []string{"us-", "eu-", "ap-", "sa-", "ca-", "me-", "af-", "il-", "mx-"}}
	AWSUSGov = Partition{ID: "aws-us-gov", HomeRegion: "us-gov-west-1", DNSSuffix: "amazonaws.com",
		regionPrefixes: []string{"us-gov-"}}
	AWSCN = Partition{ID: "aws-cn", HomeRegion: "cn-north-1", DNSSuffix: "amazonaws.com.cn",
		regionPrefixes: []string{"cn-"}}
)

// Partitions is every partition rootguard supports.
var Partitions = []Partition{AWS, AWSUSGov, AWSCN}

// DefaultRegion is the Region used when neither --region nor the
// configuration chain names one: the aws partition's home Region.
var DefaultRegion = AWS.HomeRegion

// PartitionByID returns the partition with the given ID (the second field of
// an ARN).
func PartitionByID(id string) (Partition, error) {
	for _, p := range Partitions {
		if p.ID == id {
			return p, nil
		}
	}
	return Partition{}, fmt.Errorf("unsupported AWS partition %q (rootguard knows aws, aws-us-gov and aws-cn)", id)
}

// PartitionOfRegion returns the partition a Region belongs to, by its name:
// us-gov-* is GovCloud, cn-* is China, everything else the aws partition.
func PartitionOfRegion(region string) Partition {
	// GovCloud first: its prefix "us-gov-" also starts with "us-".
	for _, p := range []Partition{AWSUSGov, AWSCN} {
		for _, prefix := range p.regionPrefixes {
			if strings.HasPrefix(region, prefix) {
				return p
			}
		}
	}
	return AWS
}

// ARN formats an ARN in the partition. account and region may be empty,
// as for IAM (global) or S3 bucket ARNs.
func (p Partition) ARN(service, region, account, resource string) string {
	return "arn:" + p.ID + ":" + service + ":" + region + ":" + account + ":" + resource
}

// RootARN is the root user's ARN of an account.
func (p Partition) RootARN(account string) string {
	return p.ARN("iam", "", account, "root")
}

// ManagedPolicyARN is the ARN of an AWS managed policy, name including its
// path below "policy/" (for example "root-task/IAMAuditRootUserCredentials").
func (p Partition) ManagedPolicyARN(name string) string {
	return p.ARN("iam", "", "aws", "policy/"+name)
}

// ServicePrincipal is the principal a service uses in the partition, as in
// a trust or resource policy: "events.amazonaws.com". AWS writes every
// service principal rootguard uses (events, lambda, cloudtrail, sns, sqs,
// cloudformation, member.org.stacksets.cloudformation) with amazonaws.com in
// all three partitions: the IAM User Guide ("AWS service principals") says
// service principals are global and not Region-qualified, and the China
// Regions accept amazonaws.com for them.
func (p Partition) ServicePrincipal(service string) string {
	return service + ".amazonaws.com"
}

// IsRegion reports whether region belongs to the partition.
func (p Partition) IsRegion(region string) bool {
	return PartitionOfRegion(region).ID == p.ID
}
