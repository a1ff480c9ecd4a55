// Package s3 is S3 as awsemu's front sees it on its way to kumo, which
// serves S3's data in one account: which API operation a REST request is
// and the IAM actions it needs (Operation, Actions), so the call log, fault
// rules and the per-principal allow lists see S3 as they see every other
// service; and the owners and lock-out policies of buckets (Buckets),
// which kumo does not model.
package s3

import (
	"bytes"
	"net/http"
	"strings"
)

// The names and IAM actions below are S3's: "Required permissions for
// Amazon S3 API operations" (Amazon S3 User Guide,
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html),
// "Actions, resources, and condition keys for Amazon S3" (Service
// Authorization Reference) and each operation's Permissions section in the
// S3 API Reference. Most operations need one action, of the operation's
// name or another (ListObjectsV2 is s3:ListBucket, HeadObject s3:GetObject,
// PutBucketEncryption s3:PutEncryptionConfiguration); some need more,
// decided by the request (a versionId, ACL or tagging headers, object
// ownership at CreateBucket). Conditional writes (If-None-Match, If-Match
// on PutObject) need s3:PutObject only.

// op is an operation and the action it needs.
type op struct{ name, action string }

// bucketOps are the bucket-level operations (path /{bucket}) by method and
// subresource ("" for none).
var bucketOps = map[string]map[string]op{
	http.MethodGet: {
		"":                  {"ListObjects", "ListBucket"},
		"list-type":         {"ListObjectsV2", "ListBucket"},
		"versions":          {"ListObjectVersions", "ListBucketVersions"},
		"uploads":           {"ListMultipartUploads", "ListBucketMultipartUploads"},
		"policy":            {"GetBucketPolicy", "GetBucketPolicy"},
		"policyStatus":      {"GetBucketPolicyStatus", "GetBucketPolicyStatus"},
		"versioning":        {"GetBucketVersioning", "GetBucketVersioning"},
		"tagging":           {"GetBucketTagging", "GetBucketTagging"},
		"encryption":        {"GetBucketEncryption", "GetEncryptionConfiguration"},
		"publicAccessBlock": {"GetPublicAccessBlock", "GetBucketPublicAccessBlock"},
		"ownershipControls": {"GetBucketOwnershipControls", "GetBucketOwnershipControls"},
		"lifecycle":         {"GetBucketLifecycleConfiguration", "GetLifecycleConfiguration"},
		"acl":               {"GetBucketAcl", "GetBucketAcl"},
		"cors":              {"GetBucketCors", "GetBucketCORS"},
		"website":           {"GetBucketWebsite", "GetBucketWebsite"},
		"logging":           {"GetBucketLogging", "GetBucketLogging"},
		"notification":      {"GetBucketNotificationConfiguration", "GetBucketNotification"},
		"replication":       {"GetBucketReplication", "GetReplicationConfiguration"},
		"location":          {"GetBucketLocation", "GetBucketLocation"},
		"object-lock":       {"GetObjectLockConfiguration", "GetBucketObjectLockConfiguration"},
		"accelerate":        {"GetBucketAccelerateConfiguration", "GetAccelerateConfiguration"},
		"requestPayment":    {"GetBucketRequestPayment", "GetBucketRequestPayment"},
	},
	http.MethodPut: {
		"":                  {"CreateBucket", "CreateBucket"},
		"policy":            {"PutBucketPolicy", "PutBucketPolicy"},
		"versioning":        {"PutBucketVersioning", "PutBucketVersioning"},
		"tagging":           {"PutBucketTagging", "PutBucketTagging"},
		"encryption":        {"PutBucketEncryption", "PutEncryptionConfiguration"},
		"publicAccessBlock": {"PutPublicAccessBlock", "PutBucketPublicAccessBlock"},
		"ownershipControls": {"PutBucketOwnershipControls", "PutBucketOwnershipControls"},
		"lifecycle":         {"PutBucketLifecycleConfiguration", "PutLifecycleConfiguration"},
		"acl":               {"PutBucketAcl", "PutBucketAcl"},
		"cors":              {"PutBucketCors", "PutBucketCORS"},
		"website":           {"PutBucketWebsite", "PutBucketWebsite"},
		"logging":           {"PutBucketLogging", "PutBucketLogging"},
		"notification":      {"PutBucketNotificationConfiguration", "PutBucketNotification"},
		"replication":       {"PutBucketReplication", "PutReplicationConfiguration"},
		"object-lock":       {"PutObjectLockConfiguration", "PutBucketObjectLockConfiguration"},
		"accelerate":        {"PutBucketAccelerateConfiguration", "PutAccelerateConfiguration"},
		"requestPayment":    {"PutBucketRequestPayment", "PutBucketRequestPayment"},
	},
	http.MethodDelete: {
		"":       {"DeleteBucket", "DeleteBucket"},
		"policy": {"DeleteBucketPolicy", "DeleteBucketPolicy"},
		// Deleting a configuration is the permission to put it, except
		// for the website (S3 API Reference, DeleteBucketTagging,
		// DeleteBucketEncryption, DeletePublicAccessBlock,
		// DeleteBucketOwnershipControls, DeleteBucketLifecycle,
		// DeleteBucketCors, DeleteBucketReplication, DeleteBucketWebsite).
		"tagging":           {"DeleteBucketTagging", "PutBucketTagging"},
		"encryption":        {"DeleteBucketEncryption", "PutEncryptionConfiguration"},
		"publicAccessBlock": {"DeletePublicAccessBlock", "PutBucketPublicAccessBlock"},
		"ownershipControls": {"DeleteBucketOwnershipControls", "PutBucketOwnershipControls"},
		"lifecycle":         {"DeleteBucketLifecycle", "PutLifecycleConfiguration"},
		"cors":              {"DeleteBucketCors", "PutBucketCORS"},
		"replication":       {"DeleteBucketReplication", "PutReplicationConfiguration"},
		"website":           {"DeleteBucketWebsite", "DeleteBucketWebsite"},
	},
	http.MethodHead: {"": {"HeadBucket", "ListBucket"}},
	http.MethodPost: {"delete": {"DeleteObjects", "DeleteObject"}},
}

// objectOps are the object-level operations (path /{bucket}/{key}); a
// versionId turns the action into its …Version… form where S3 has one
// (versioned, below).
var objectOps = map[string]map[string]op{
	http.MethodGet: {
		"":           {"GetObject", "GetObject"},
		"tagging":    {"GetObjectTagging", "GetObjectTagging"},
		"acl":        {"GetObjectAcl", "GetObjectAcl"},
		"attributes": {"GetObjectAttributes", "GetObjectAttributes"},
		"retention":  {"GetObjectRetention", "GetObjectRetention"},
		"legal-hold": {"GetObjectLegalHold", "GetObjectLegalHold"},
		"uploadId":   {"ListParts", "ListMultipartUploadParts"},
	},
	http.MethodHead: {"": {"HeadObject", "GetObject"}},
	http.MethodPut: {
		"":           {"PutObject", "PutObject"},
		"uploadId":   {"UploadPart", "PutObject"},
		"tagging":    {"PutObjectTagging", "PutObjectTagging"},
		"acl":        {"PutObjectAcl", "PutObjectAcl"},
		"retention":  {"PutObjectRetention", "PutObjectRetention"},
		"legal-hold": {"PutObjectLegalHold", "PutObjectLegalHold"},
	},
	http.MethodDelete: {
		"":         {"DeleteObject", "DeleteObject"},
		"tagging":  {"DeleteObjectTagging", "DeleteObjectTagging"},
		"uploadId": {"AbortMultipartUpload", "AbortMultipartUpload"},
	},
	http.MethodPost: {
		"uploads":  {"CreateMultipartUpload", "PutObject"},
		"uploadId": {"CompleteMultipartUpload", "PutObject"},
		"restore":  {"RestoreObject", "RestoreObject"},
		"select":   {"SelectObjectContent", "GetObject"},
	},
}

// versioned is the action an object action becomes for a specific version
// (a versionId in the request): GetObject with a versionId needs
// s3:GetObjectVersion and not s3:GetObject (S3 API Reference, GetObject).
var versioned = map[string]string{
	"GetObject":           "GetObjectVersion",
	"GetObjectTagging":    "GetObjectVersionTagging",
	"GetObjectAcl":        "GetObjectVersionAcl",
	"GetObjectAttributes": "GetObjectVersionAttributes",
	"PutObjectTagging":    "PutObjectVersionTagging",
	"PutObjectAcl":        "PutObjectVersionAcl",
	"DeleteObjectTagging": "DeleteObjectVersionTagging",
}

// subresources name an operation in the query, most specific first: an
// UploadPart has both partNumber and uploadId, a ListObjectsV2 list-type.
var subresources = []string{
	"uploads", "uploadId", "policyStatus", "policy", "versioning", "versions", "tagging",
	"encryption", "publicAccessBlock", "ownershipControls", "lifecycle", "acl", "cors",
	"website", "logging", "notification", "replication", "location", "object-lock",
	"accelerate", "requestPayment", "delete", "attributes", "retention", "legal-hold",
	"restore", "select", "list-type",
}

// split returns a path-style request's bucket and key (either may be
// empty) and the subresource that names its operation.
func split(r *http.Request) (bucket, key, sub string) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	for _, s := range subresources {
		if _, ok := q[s]; ok {
			return bucket, key, s
		}
	}
	return bucket, key, ""
}

// lookup finds the operation of a path-style request.
func lookup(r *http.Request) (op, bool) {
	bucket, key, sub := split(r)
	switch {
	case bucket == "":
		if r.Method == http.MethodGet {
			return op{"ListBuckets", "ListAllMyBuckets"}, true
		}
		return op{}, false
	case key == "":
		o, ok := bucketOps[r.Method][sub]
		return o, ok
	}
	o, ok := objectOps[r.Method][sub]
	if ok && o.name == "PutObject" && r.Header.Get("X-Amz-Copy-Source") != "" {
		o.name = "CopyObject"
	}
	if ok && o.name == "UploadPart" && r.Header.Get("X-Amz-Copy-Source") != "" {
		o.name = "UploadPartCopy"
	}
	return o, ok
}

// Operation names the S3 API operation of a path-style REST request
// ("GetObject", "ListObjectsV2", "PutBucketPolicy"), or "" when it is none
// the emulator knows.
func Operation(r *http.Request) string {
	o, _ := lookup(r)
	return o.name
}

// Actions are the IAM actions ("s3:GetObject") a path-style REST request
// needs, every one of them; body is the request's. A request that is no
// known operation needs "s3:", which only s3:* grants, so an unknown call
// never passes a least-privilege test unseen.
func Actions(r *http.Request, body []byte) []string {
	o, ok := lookup(r)
	if !ok {
		return []string{"s3:"}
	}
	_, hasVersion := r.URL.Query()["versionId"]
	action := o.action
	if v, ok := versioned[action]; ok && hasVersion {
		action = v
	}
	actions := []string{"s3:" + action}
	add := func(a string) { actions = append(actions, "s3:"+a) }
	hasACL := r.Header.Get("X-Amz-Acl") != "" || hasGrantHeader(r.Header)
	switch o.name {
	case "CreateBucket":
		// S3 API Reference, CreateBucket, Permissions.
		if hasACL {
			add("PutBucketAcl")
		}
		if r.Header.Get("X-Amz-Object-Ownership") != "" {
			add("PutBucketOwnershipControls")
		}
		if strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
			add("PutBucketObjectLockConfiguration")
			add("PutBucketVersioning")
		}
	case "PutObject", "CopyObject":
		// S3 API Reference, PutObject and CopyObject, Permissions.
		if hasACL {
			add("PutObjectAcl")
		}
		if r.Header.Get("X-Amz-Tagging") != "" {
			add("PutObjectTagging")
		}
	case "DeleteObject":
		// "you must always have the s3:DeleteObject permission", and
		// s3:DeleteObjectVersion for a specific version (DeleteObject).
		if hasVersion {
			add("DeleteObjectVersion")
		}
	case "DeleteObjects":
		if bytes.Contains(body, []byte("<VersionId>")) {
			add("DeleteObjectVersion")
		}
	}
	if o.name == "CopyObject" || o.name == "UploadPartCopy" {
		// Reading the source (on its own resource).
		if strings.Contains(r.Header.Get("X-Amz-Copy-Source"), "versionId=") {
			add("GetObjectVersion")
		} else {
			add("GetObject")
		}
	}
	return actions
}

func hasGrantHeader(h http.Header) bool {
	for k := range h {
		if strings.HasPrefix(k, "X-Amz-Grant-") {
			return true
		}
	}
	return false
}

// Resource returns the bucket and key (either may be empty) a path-style
// request names: the resource its IAM actions are authorized on.
func Resource(r *http.Request) (bucket, key string) {
	bucket, key, _ = split(r)
	return bucket, key
}
