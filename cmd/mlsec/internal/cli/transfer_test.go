package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/mlsec/mlsec/registry/client"
)

// Push and pull report files and bytes to their Progress (the bar on a
// terminal), ending at the totals; pulled files and folders get the usual
// modes, 0666 and 0777 less the umask.
func TestPushPullProgressAndModes(t *testing.T) {
	_, url, admin := clientEnv(t)
	model := t.TempDir()
	weights := bytes.Repeat([]byte("w"), 300_000)
	writeModel(t, model, weights)
	cl, err := client.New(url, admin)
	if err != nil {
		t.Fatal(err)
	}
	type tick struct {
		files, totalFiles int
		done, total       int64
	}
	var pushed []tick
	res, err := cl.Push(context.Background(), model, client.PushOptions{Model: "toy", Progress: func(f, tf int, d, td int64) {
		pushed = append(pushed, tick{f, tf, d, td})
	}})
	if err != nil {
		t.Fatal(err)
	}
	// 6 files, all distinct: weights, config, vocab, the signature, the
	// BOM and the evidence file.
	if len(pushed) < 3 || res.Uploaded != 6 {
		t.Fatalf("push progress: %d ticks, %d uploaded", len(pushed), res.Uploaded)
	}
	last := pushed[len(pushed)-1]
	if last.files != last.totalFiles || last.totalFiles != 6 || last.done != last.total || last.total < int64(len(weights)) {
		t.Errorf("push ended at %+v", last)
	}
	for i := 1; i < len(pushed); i++ {
		if pushed[i].done < pushed[i-1].done || pushed[i].files < pushed[i-1].files {
			t.Errorf("push progress went back: %+v then %+v", pushed[i-1], pushed[i])
		}
	}

	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	var pulled []tick
	dir := filepath.Join(t.TempDir(), "out")
	if _, err := cl.PullWith(context.Background(), "toy", 1, dir, client.PullOptions{Progress: func(f, tf int, d, td int64) {
		pulled = append(pulled, tick{f, tf, d, td})
	}}); err != nil {
		t.Fatal(err)
	}
	if len(pulled) == 0 {
		t.Fatal("no pull progress")
	}
	if last := pulled[len(pulled)-1]; last.files != 6 || last.totalFiles != 6 || last.done != last.total || last.total != pushed[len(pushed)-1].total {
		t.Errorf("pull ended at %+v", last)
	}
	for p, want := range map[string]os.FileMode{"": 0o750, "tokenizer": 0o750, "weights.bin": 0o640, "tokenizer/vocab.txt": 0o640, "model.sig": 0o640} {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (umask 027)", p, fi.Mode().Perm(), want)
		}
	}
	syscall.Umask(0o022)
	dir2 := filepath.Join(t.TempDir(), "out")
	if _, err := cl.Pull(context.Background(), "toy", 1, dir2); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"": 0o755, "tokenizer": 0o755, "weights.bin": 0o644} {
		if fi, err := os.Stat(filepath.Join(dir2, p)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v (umask 022)", p, fi.Mode().Perm(), err, want)
		}
	}
}
