package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TypeLists keeps each key pair's Apptivo type lists for every desk, keyed
// by the pair's keyed fingerprint (never the keys). The data is the
// caller's; the store never looks inside.
type TypeLists interface {
	// PutTypeLists keeps data for keyPrint until expires, replacing what
	// was kept.
	PutTypeLists(ctx context.Context, keyPrint string, data []byte, expires time.Time) error
	// TypeLists returns what is kept for keyPrint and when it expires
	// (ErrNotFound when nothing is). An expired entry is returned until a
	// sweep deletes it: stale lists serve better than none when Apptivo
	// cannot give fresh ones.
	TypeLists(ctx context.Context, keyPrint string) ([]byte, time.Time, error)
}

// PutTypeLists implements TypeLists.
func (s *sqlStore) PutTypeLists(ctx context.Context, keyPrint string, data []byte, expires time.Time) error {
	_, err := s.w.exec(ctx, `INSERT INTO type_lists (key_print, data, expires) VALUES (?, ?, ?)
		ON CONFLICT (key_print) DO UPDATE SET data = excluded.data, expires = excluded.expires`, keyPrint, nonNil(data), ms(expires))
	if err != nil {
		return fmt.Errorf("store: keeping type lists: %w", err)
	}
	return nil
}

// TypeLists implements TypeLists.
func (s *sqlStore) TypeLists(ctx context.Context, keyPrint string) ([]byte, time.Time, error) {
	var data []byte
	var expires int64
	err := s.r.queryRow(ctx, `SELECT data, expires FROM type_lists WHERE key_print = ?`, keyPrint).Scan(&data, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, time.Time{}, ErrNotFound
	case err != nil:
		return nil, time.Time{}, fmt.Errorf("store: reading type lists: %w", err)
	}
	return data, fromMS(expires), nil
}
