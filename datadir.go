package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/customerdesk/desk/store"
)

// Files in DATA_DIR.
const (
	databaseFile   = "desk.db"
	sessionKeyFile = "session.key"
)

// prepareDataDir makes DATA_DIR, readable by this user only, if it is
// missing: it holds the sessions and the session key.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("DATA_DIR: %w", err)
	}
	return nil
}

// sessionKey is SESSION_KEY when set. Otherwise it is the key kept in
// DATA_DIR/session.key, made at first start (32 random bytes, hex, mode
// 0600): sessions survive a restart only if their key does. The key itself
// is never logged nor put in an error.
func sessionKey(cfg config, logger *slog.Logger) ([]byte, error) {
	if cfg.SessionKey != nil {
		return cfg.SessionKey, nil
	}
	path := filepath.Join(cfg.DataDir, sessionKeyFile)
	key, err := readKeyFile(path, logger)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand panics instead)
	switch err := writeNewFile(path, []byte(hex.EncodeToString(key)+"\n")); {
	case errors.Is(err, fs.ErrExist): // another desk on this DATA_DIR made one first
		return readKeyFile(path, logger)
	case err != nil:
		return nil, fmt.Errorf("DATA_DIR: keeping a new session key: %w", err)
	}
	logger.Info("generated a session key in " + path + " (set SESSION_KEY to use your own)")
	return key, nil
}

// readKeyFile reads a session key file; errors name the file, never the key.
func readKeyFile(path string, logger *slog.Logger) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("DATA_DIR: reading the session key: %w", err)
	}
	key, err := decodeKey(strings.TrimSpace(string(b)))
	clear(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the session key file can be read by others; make it private with chmod 600", "file", path)
	}
	return key, nil
}

// writeNewFile writes data to path, mode 0600, failing with fs.ErrExist if
// path exists. The file appears whole or not at all (written aside, then
// linked into place), so a desk starting at the same moment never reads half
// a key.
func writeNewFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if err = errors.Join(err, tmp.Close()); err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}

// openStore opens (creating and migrating) the desk's database: the
// PostgreSQL database of DATABASE_URL, which several desks may share, or
// else the SQLite file in DATA_DIR, which is this desk's alone.
func openStore(ctx context.Context, cfg config, logger *slog.Logger) (store.DB, error) {
	if cfg.DatabaseURL != "" {
		db, err := store.OpenPostgres(ctx, cfg.DatabaseURL, store.PostgresOptions{Logger: logger})
		switch {
		case errors.Is(err, store.ErrSchemaTooNew):
			return nil, fmt.Errorf("DATABASE_URL: %w: upgrade the desk", err)
		case err != nil:
			return nil, fmt.Errorf("DATABASE_URL: %w", err) // the store's errors never hold the password
		}
		return db, nil
	}
	db, err := store.OpenSQLite(ctx, filepath.Join(cfg.DataDir, databaseFile), store.SQLiteOptions{Logger: logger})
	switch {
	case errors.Is(err, store.ErrSchemaTooNew):
		return nil, fmt.Errorf("DATA_DIR: %w: upgrade the desk or point DATA_DIR elsewhere", err)
	case err != nil:
		return nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	return db, nil
}

// startSweeper deletes expired sessions and sign-in counts, and changes
// older than HistoryRetention when it is set, at once and then every
// SweepEvery. stop ends it, waiting for a sweep in progress, so the
// database can be closed after.
func startSweeper(db store.DB, cfg config, logger *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(cfg.SweepEvery)
		defer tick.Stop()
		for {
			sweep(ctx, db, cfg.HistoryRetention, time.Now(), logger)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

// sweep is one round of startSweeper.
func sweep(ctx context.Context, db store.DB, retention time.Duration, now time.Time, logger *slog.Logger) {
	n, err := db.SweepSessions(ctx, now)
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Warn("deleting expired sessions failed", "err", err)
	case n > 0:
		logger.Info("expired sessions deleted", "count", n)
	}
	if n, err := db.SweepExpired(ctx, now); err != nil && ctx.Err() == nil {
		logger.Warn("deleting expired sign-in counts failed", "err", err)
	} else if n > 0 {
		logger.Debug("expired sign-in counts deleted", "count", n)
	}
	if retention <= 0 {
		return
	}
	n, err = db.PruneChanges(ctx, now.Add(-retention))
	switch {
	case err != nil && ctx.Err() == nil:
		logger.Warn("deleting history past HISTORY_RETENTION failed", "err", err)
	case n > 0:
		logger.Info("history past HISTORY_RETENTION deleted", "count", n, "retention", retention)
	}
}
