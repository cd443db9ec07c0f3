package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/customerdesk/desk/store"
)

// logTo returns a logger writing text into buf.
func logTo(buf *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(buf, nil)) }

func TestSessionKeyIsMadeOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := prepareDataDir(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("DATA_DIR: %v, %v; want mode 0700", fi.Mode(), err)
	}
	var log bytes.Buffer
	key, err := sessionKey(config{DataDir: dir}, logTo(&log))
	if err != nil || len(key) != 32 {
		t.Fatalf("sessionKey = %d bytes, %v", len(key), err)
	}
	path := filepath.Join(dir, sessionKeyFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, %v; want mode 0600", path, fi.Mode(), err)
	}
	if !strings.Contains(log.String(), "generated a session key in "+path) {
		t.Errorf("the start did not say it made a key: %s", log.String())
	}
	if strings.Contains(strings.ToLower(log.String()), hex.EncodeToString(key)) {
		t.Error("the key was logged")
	}
	log.Reset()
	again, err := sessionKey(config{DataDir: dir}, logTo(&log))
	if err != nil || !bytes.Equal(again, key) {
		t.Fatalf("the second start got another key (%v)", err)
	}
	if log.Len() != 0 {
		t.Errorf("the second start said: %s", log.String())
	}
	if names, _ := filepath.Glob(filepath.Join(dir, ".*")); len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
}

func TestSessionKeyFromTheEnvironmentWritesNothing(t *testing.T) {
	dir := t.TempDir()
	set := bytes.Repeat([]byte{7}, 32)
	key, err := sessionKey(config{DataDir: dir, SessionKey: set}, quiet)
	if err != nil || !bytes.Equal(key, set) {
		t.Fatalf("sessionKey = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, sessionKeyFile)); !os.IsNotExist(err) {
		t.Errorf("a key file was written: %v", err)
	}
}

func TestABadKeyFileStopsTheStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, sessionKeyFile)
	secret := "0123456789abcdef" // too short, and not to be repeated
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sessionKey(config{DataDir: dir}, quiet)
	if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), secret) {
		t.Fatalf("error %v: want one naming the file and not its content", err)
	}
	if b, _ := os.ReadFile(path); string(b) != secret {
		t.Error("the bad key file was replaced")
	}
}

func TestAKeyFileOthersCanReadIsWarnedAbout(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, sessionKeyFile)
	if err := os.WriteFile(path, []byte(strings.Repeat("ab", 32)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, err := sessionKey(config{DataDir: dir}, logTo(&log)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "chmod 600") {
		t.Errorf("no warning: %q", log.String())
	}
}

// A sweep deletes expired sessions always, and history only past a
// retention that is set.
func TestSweep(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	db := openSQLite(t, filepath.Join(t.TempDir(), databaseFile), func() time.Time { return now })
	for id, expires := range map[string]time.Time{"old": now.Add(-time.Minute), "live": now.Add(time.Hour)} {
		if err := db.CreateSession(ctx, store.Session{ID: id, Data: []byte("{}"), Created: now.Add(-time.Hour), LastSeen: now, Expires: expires}); err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{now.AddDate(0, 0, -100), now.AddDate(0, 0, -10)} {
		if _, err := db.AddChange(ctx, store.Change{At: at, Email: "a@example.com", CustomerID: "1000001", Outcome: store.Saved}); err != nil {
			t.Fatal(err)
		}
	}
	history := func() int {
		cs, err := db.Changes(ctx, store.Query{})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}

	if ok, err := db.AllowSignIn(ctx, "192.0.2.7", store.Limit{Every: time.Minute, Burst: 1, Clients: 10}); !ok || err != nil {
		t.Fatalf("a sign-in attempt: %v, %v", ok, err)
	}
	sweep(ctx, db, 0, now, quiet)
	if n, _ := db.SweepExpired(ctx, now); n != 0 {
		t.Errorf("a sign-in count still in force was swept: %d", n)
	}
	sweep(ctx, db, 0, now.Add(time.Minute), quiet)
	if n, _ := db.SweepExpired(ctx, now.Add(time.Minute)); n != 0 {
		t.Errorf("a sign-in count whose minute is over was left: %d", n)
	}
	if n, _ := db.SweepSessions(ctx, now); n != 0 {
		t.Errorf("an expired session was left: %d", n)
	}
	if _, err := db.LoadSession(ctx, "live"); err != nil {
		t.Errorf("the live session went: %v", err)
	}
	if n := history(); n != 2 {
		t.Errorf("without a retention %d changes are left, want 2", n)
	}
	sweep(ctx, db, 90*24*time.Hour, now, quiet)
	if n := history(); n != 1 {
		t.Errorf("with 90 days' retention %d changes are left, want 1", n)
	}
}
