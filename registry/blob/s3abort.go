package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// abortUpload releases the parts of an S3 multipart upload that Put
// aborted. Aborting a gocloud write means cancelling its context; the AWS
// transfer manager then sends AbortMultipartUpload on that same cancelled
// context, which fails, and the parts stay in the bucket: invisible to
// List, but stored (and billed) until a lifecycle rule removes them. The
// writer's Close error carries the upload id, so abort it here on a fresh
// context. closeErr is that error; other drivers and single-part uploads
// need nothing.
func (s *Store) abortUpload(ctx context.Context, key string, closeErr error) error {
	var mpe transfermanager.MultipartUploadError
	var c *s3.Client
	if s.s3Bucket == "" || !errors.As(closeErr, &mpe) || !s.b.As(&c) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(s.s3Bucket), Key: aws.String(key), UploadId: aws.String(mpe.UploadID()),
	})
	if err != nil {
		return fmt.Errorf("abort multipart upload of %s: %w", key, err)
	}
	return nil
}

// s3BucketName returns the bucket of an s3:// URL, or "".
func s3BucketName(loc string) string {
	if u, err := url.Parse(loc); err == nil && u.Scheme == "s3" {
		return u.Host
	}
	return ""
}
