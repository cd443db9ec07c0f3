package auth_test

import (
	"testing"
	"time"

	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/auth/authtest"
)

// The MemStore passes the suite every store of the desk must pass.
func TestManagerOverMemStore(t *testing.T) {
	authtest.TestManager(t, func(t *testing.T, now func() time.Time) auth.Store {
		st, err := auth.NewMemStore(auth.MemStoreConfig{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}
