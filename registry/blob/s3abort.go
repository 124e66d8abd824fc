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
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
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
	in := &s3.AbortMultipartUploadInput{Bucket: aws.String(s.s3Bucket), Key: aws.String(key), UploadId: aws.String(mpe.UploadID())}
	// A part the writer had in flight can still land after the abort and
	// leave parts (or, on some servers, the upload) behind: S3's own
	// documentation says to abort again until ListParts finds no upload.
	// The parts were cancelled on our side, so they land within moments:
	// check a few times, backing off, then give up with an error.
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		if _, err := c.AbortMultipartUpload(ctx, in); err != nil && !noSuchUpload(err) {
			return fmt.Errorf("abort multipart upload of %s: %w", key, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("abort multipart upload of %s: %w", key, ctx.Err())
		case <-time.After(wait):
		}
		_, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: in.Bucket, Key: in.Key, UploadId: in.UploadId})
		switch {
		case noSuchUpload(err):
			return nil
		case err != nil:
			return fmt.Errorf("abort multipart upload of %s: checking it is gone: %w", key, err)
		case attempt == maxAbortAttempts:
			return fmt.Errorf("abort multipart upload of %s: upload %s still open after %d aborts", key, mpe.UploadID(), attempt)
		}
		wait *= 2
	}
}

// maxAbortAttempts bounds abortUpload's aborts of one upload (with the
// waits between them, about 1.5 s).
const maxAbortAttempts = 5

// noSuchUpload reports whether err is S3's NoSuchUpload: the upload is
// gone (aborted or completed).
func noSuchUpload(err error) bool {
	var nsu *types.NoSuchUpload
	if errors.As(err, &nsu) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload"
}

// s3BucketName returns the bucket of an s3:// URL, or "".
func s3BucketName(loc string) string {
	if u, err := url.Parse(loc); err == nil && u.Scheme == "s3" {
		return u.Host
	}
	return ""
}
