// Package s3test gives tests (the registry's blob store, mlsec data locate) a fresh bucket on the S3-compatible
// server named by MLSEC_TEST_S3_URL (.ci/versitygw.sh starts versitygw on
// loopback and exports it), and lets them look inside it with the AWS SDK,
// independently of the gocloud code under test.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Env names the variable holding the base s3:// URL (gocloud s3blob form).
const Env = "MLSEC_TEST_S3_URL"

// Bucket is a throwaway bucket.
type Bucket struct {
	// URL opens the bucket with gocloud (blob.Open, mlsec serve --blob).
	URL    string
	Name   string
	client *s3.Client
}

// Fresh is Maybe, but skips the test when there is no S3 server.
func Fresh(t *testing.T) *Bucket {
	t.Helper()
	b := Maybe(t)
	if b == nil {
		t.Skipf("%s not set: S3 test skipped (. .ci/versitygw.sh && s3_start)", Env)
	}
	return b
}

// Maybe creates a uniquely named bucket on the server of MLSEC_TEST_S3_URL
// and removes it when the test ends. Without the variable it returns nil,
// or fails the test when CI=true: CI must prove the S3 path.
func Maybe(t *testing.T) *Bucket {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not set in CI: .ci/run should have started versitygw (.ci/versitygw.sh)", Env)
		}
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "s3" {
		t.Fatalf("%s=%q is not an s3:// URL", Env, base)
	}
	q := u.Query()
	region := q.Get("region")
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if ep := q.Get("endpoint"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
		o.UsePathStyle = true
	})
	b := make([]byte, 6)
	rand.Read(b)
	name := "mlsec-" + hex.EncodeToString(b)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		ks, _ := keys(ctx, c, name)
		for _, k := range ks {
			c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(name), Key: aws.String(k)})
		}
		c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	})
	u.Host = name
	return &Bucket{URL: u.String(), Name: name, client: c}
}

func keys(ctx context.Context, c *s3.Client, bucket string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, err
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out, nil
}

// Keys lists every object key in the bucket.
func (b *Bucket) Keys(t *testing.T) []string {
	t.Helper()
	out, err := keys(t.Context(), b.client, b.Name)
	if err != nil {
		t.Fatalf("list %s: %v", b.Name, err)
	}
	return out
}

// Uploads lists the keys of multipart uploads still open in the bucket (an
// aborted write must not leave one behind: it holds storage).
func (b *Bucket) Uploads(t *testing.T) []string {
	t.Helper()
	res, err := b.client.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(b.Name)})
	if err != nil {
		t.Fatalf("list multipart uploads %s: %v", b.Name, err)
	}
	var out []string
	for _, u := range res.Uploads {
		out = append(out, aws.ToString(u.Key))
	}
	return out
}
