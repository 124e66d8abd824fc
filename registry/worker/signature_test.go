package worker

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/registry/client"
	"github.com/mlsec/mlsec/sign"
)

// TestWorkerVerifiesSignatures checks that, with trusted keys, the server
// turns a version's model.sig into signature evidence: verified for a
// signature by a trusted key, failed for one by another key, unsigned when
// the version has none.
func TestWorkerVerifiesSignatures(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		trustedPriv, _, trustedPub, err := sign.GenerateKey("P-256")
		if err != nil {
			t.Fatal(err)
		}
		otherPriv, _, _, err := sign.GenerateKey("P-256")
		if err != nil {
			t.Fatal(err)
		}
		tk, err := sign.ParseTrustedKey(trustedPub)
		if err != nil {
			t.Fatal(err)
		}
		push := func(model string, key *ecdsa.PrivateKey) client.VersionView {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "toy", "name": "`+model+`"}`), 0o644)
			if key != nil {
				s, err := sign.NewKeySigner(key)
				if err != nil {
					t.Fatal(err)
				}
				b, _, err := s.Sign(context.Background(), dir, sign.SignOptions{})
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := b.Marshal()
				os.WriteFile(filepath.Join(dir, "model.sig"), raw, 0o644)
			}
			res, err := e.cl.Push(t.Context(), dir, client.PushOptions{Model: model})
			if err != nil {
				t.Fatal(err)
			}
			return res.Version
		}
		good := push("good", trustedPriv)
		bad := push("bad", otherPriv)
		none := push("none", nil)

		p := New(Config{Service: e.svc, Blobs: e.blobs, Logger: slog.New(slog.DiscardHandler), Workers: 1,
			Lease: time.Minute, Poll: 20 * time.Millisecond, Now: e.now, TrustedKeys: []evidence.TrustedKey{tk}})
		for range 3 {
			if ran, err := p.RunOne(t.Context(), "w1"); !ran || err != nil {
				t.Fatalf("RunOne: %v %v", ran, err)
			}
		}
		for _, c := range []struct {
			v      client.VersionView
			status string
		}{{good, evidence.StatusVerified}, {bad, evidence.StatusFailed}, {none, evidence.StatusUnsigned}} {
			ev, ok := e.serverEvidence(t, c.v.Model, c.v.Number)[evidence.TypeSignature]
			if !ok {
				t.Fatalf("%s: no signature evidence", c.v.Model)
			}
			var rec evidence.Record
			if err := json.Unmarshal(ev.Body, &rec); err != nil {
				t.Fatal(err)
			}
			var res evidence.SignatureResult
			if err := json.Unmarshal(rec.Result, &res); err != nil {
				t.Fatal(err)
			}
			if res.Status != c.status || res.Verified != (c.status == evidence.StatusVerified) || ev.SubjectDigest != c.v.Digest {
				t.Errorf("%s: signature evidence %+v, want status %s", c.v.Model, res, c.status)
			}
		}
	})
}
