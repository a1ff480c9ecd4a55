package s3

import (
	"net/http/httptest"
	"slices"
	"testing"
)

// TestActions: each request the SDK sends is named by its S3 operation and
// needs the IAM actions S3's documentation lists for it.
func TestActions(t *testing.T) {
	tests := []struct {
		method, target string
		header         map[string]string
		body           string
		op             string
		actions        []string
	}{
		{"GET", "/", nil, "", "ListBuckets", []string{"s3:ListAllMyBuckets"}},
		{"GET", "/b?list-type=2&prefix=p", nil, "", "ListObjectsV2", []string{"s3:ListBucket"}},
		{"GET", "/b", nil, "", "ListObjects", []string{"s3:ListBucket"}},
		{"HEAD", "/b", nil, "", "HeadBucket", []string{"s3:ListBucket"}},
		{"GET", "/b?versions", nil, "", "ListObjectVersions", []string{"s3:ListBucketVersions"}},
		{"PUT", "/b", nil, "", "CreateBucket", []string{"s3:CreateBucket"}},
		{"PUT", "/b", map[string]string{"X-Amz-Object-Ownership": "BucketOwnerEnforced"}, "", "CreateBucket",
			[]string{"s3:CreateBucket", "s3:PutBucketOwnershipControls"}},
		{"PUT", "/b", map[string]string{"X-Amz-Acl": "private", "X-Amz-Bucket-Object-Lock-Enabled": "true"}, "", "CreateBucket",
			[]string{"s3:CreateBucket", "s3:PutBucketAcl", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"}},
		{"DELETE", "/b", nil, "", "DeleteBucket", []string{"s3:DeleteBucket"}},
		{"PUT", "/b?encryption", nil, "", "PutBucketEncryption", []string{"s3:PutEncryptionConfiguration"}},
		{"PUT", "/b?publicAccessBlock", nil, "", "PutPublicAccessBlock", []string{"s3:PutBucketPublicAccessBlock"}},
		{"PUT", "/b?lifecycle", nil, "", "PutBucketLifecycleConfiguration", []string{"s3:PutLifecycleConfiguration"}},
		{"DELETE", "/b?tagging", nil, "", "DeleteBucketTagging", []string{"s3:PutBucketTagging"}},
		{"GET", "/b?policy", nil, "", "GetBucketPolicy", []string{"s3:GetBucketPolicy"}},
		{"GET", "/b?policyStatus", nil, "", "GetBucketPolicyStatus", []string{"s3:GetBucketPolicyStatus"}},
		{"GET", "/b/k?x-id=GetObject", nil, "", "GetObject", []string{"s3:GetObject"}},
		{"GET", "/b/k?versionId=v1&x-id=GetObject", nil, "", "GetObject", []string{"s3:GetObjectVersion"}},
		{"HEAD", "/b/dir/k", nil, "", "HeadObject", []string{"s3:GetObject"}},
		{"HEAD", "/b/k?versionId=v1", nil, "", "HeadObject", []string{"s3:GetObjectVersion"}},
		{"PUT", "/b/k?x-id=PutObject", map[string]string{"If-None-Match": "*"}, "", "PutObject", []string{"s3:PutObject"}},
		{"PUT", "/b/k", map[string]string{"X-Amz-Tagging": "a=b"}, "", "PutObject", []string{"s3:PutObject", "s3:PutObjectTagging"}},
		{"PUT", "/b/k", map[string]string{"X-Amz-Copy-Source": "src/k"}, "", "CopyObject", []string{"s3:PutObject", "s3:GetObject"}},
		{"DELETE", "/b/k?x-id=DeleteObject", nil, "", "DeleteObject", []string{"s3:DeleteObject"}},
		{"DELETE", "/b/k?versionId=v1", nil, "", "DeleteObject", []string{"s3:DeleteObject", "s3:DeleteObjectVersion"}},
		{"POST", "/b?delete", nil, "<Delete><Object><Key>k</Key></Object></Delete>", "DeleteObjects", []string{"s3:DeleteObject"}},
		{"POST", "/b?delete", nil, "<Delete><Object><Key>k</Key><VersionId>v</VersionId></Object></Delete>", "DeleteObjects",
			[]string{"s3:DeleteObject", "s3:DeleteObjectVersion"}},
		{"POST", "/b/k?uploads", nil, "", "CreateMultipartUpload", []string{"s3:PutObject"}},
		{"PUT", "/b/k?partNumber=1&uploadId=u", nil, "", "UploadPart", []string{"s3:PutObject"}},
		{"DELETE", "/b/k?uploadId=u", nil, "", "AbortMultipartUpload", []string{"s3:AbortMultipartUpload"}},
		{"PATCH", "/b/k", nil, "", "", []string{"s3:"}},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, tt.target, nil)
		for k, v := range tt.header {
			r.Header.Set(k, v)
		}
		if got := Operation(r); got != tt.op {
			t.Errorf("%s %s: operation %q, want %q", tt.method, tt.target, got, tt.op)
		}
		if got := Actions(r, []byte(tt.body)); !slices.Equal(got, tt.actions) {
			t.Errorf("%s %s %v: actions %v, want %v", tt.method, tt.target, tt.header, got, tt.actions)
		}
	}
}
