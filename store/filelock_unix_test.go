//go:build unix

package store

import (
	"path/filepath"
	"strings"
	"testing"
)

// One desk per SQLite file: a second open is refused until the first closes.
func TestSQLiteOneDeskPerFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	first, err := OpenSQLite(t.Context(), path, SQLiteOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	second, err := OpenSQLite(t.Context(), path, SQLiteOptions{Logger: quiet})
	if err == nil {
		second.Close()
		t.Fatal("a second desk opened the file")
	}
	if !strings.Contains(err.Error(), "in use by another desk") {
		t.Errorf("error %q does not say why", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenSQLite(t.Context(), path, SQLiteOptions{Logger: quiet})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	again.Close()
}
