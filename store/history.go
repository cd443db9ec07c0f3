package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// changeColumns are the columns scanChange reads, in its order.
const changeColumns = `id, at, email, key_print, customer_id, customer_name, sections, diff, outcome, reason, request_id, undo_of, resolution`

// appendChange is the statement that appends a change (its arguments are
// appendArgs), returning its id. Its at is never earlier than the newest at
// already held: ids and times then go up together, so the history's order
// by id is its order by time and a date range is a range of ids (see
// Changes). Desks' clocks differ by a little and two saves can reach the
// database in another order than they read their clocks; the entry is then
// dated when the history took it, a few milliseconds later. at is the SQL of
// the change's own time, given the bound At (see sqliteAt and pgAt).
func appendChange(at string) string {
	return `INSERT INTO changes (at, email, key_print, customer_id, customer_name, sections, diff, outcome, reason, request_id, undo_of, resolution)
		VALUES (` + at + `, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
}

// latestAt is the newest time the history holds (0 when empty).
const latestAt = `coalesce((SELECT max(at) FROM changes), 0)`

// sqliteAt is a change's time in SQLite: At, or the newest held if later.
// One desk writes the file, so its clock is the only one.
const sqliteAt = `max(?, ` + latestAt + `)`

// pgAt is a change's time in PostgreSQL, which several desks share: At,
// but never later than the database server's clock — one desk whose clock
// runs ahead would otherwise date every desk's next changes ahead too, for
// good, since a time never goes down as ids go up — or the newest held if
// later.
const pgAt = `GREATEST(LEAST(?, ` + pgNowMS + `), ` + latestAt + `)`

// pgNowMS is the database server's clock, as the store keeps times (Unix
// milliseconds).
const pgNowMS = `floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`

// appendArgs checks c and returns the arguments of appendChange; a zero At
// means now.
func appendArgs(c Change, now func() time.Time) ([]any, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.At.IsZero() {
		c.At = now()
	}
	sections, err := json.Marshal(nonNilStrings(c.Sections))
	if err != nil {
		return nil, err
	}
	return []any{ms(c.At), c.Email, c.KeyPrint, c.CustomerID, c.CustomerName, string(sections), nonNil(c.Diff),
		string(c.Outcome), c.Reason, c.RequestID, sql.NullInt64{Int64: c.UndoOf, Valid: c.UndoOf != 0}, c.Resolution}, nil
}

// Change implements History.
func (s *sqlStore) Change(ctx context.Context, id int64) (Change, error) {
	c, err := scanChange(s.r.queryRow(ctx, `SELECT `+changeColumns+` FROM changes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Change{}, ErrNotFound
	}
	if err != nil {
		return Change{}, fmt.Errorf("store: reading change %d: %w", id, err)
	}
	return c, nil
}

// Changes implements History. Each filter has an index of its own (see the
// migration), and the order is by id so that paging with Before is exact.
// A date range becomes a range of ids first (see idRange), so every query is
// a walk down an index in id order that stops after one page, however many
// changes the range holds.
func (s *sqlStore) Changes(ctx context.Context, q Query) ([]Change, error) {
	var fromID, toID int64
	if !q.From.IsZero() || !q.To.IsZero() {
		var empty bool
		var err error
		if fromID, toID, empty, err = s.idRange(ctx, q.From, q.To); err != nil {
			return nil, fmt.Errorf("store: reading changes: %w", err)
		} else if empty {
			return nil, nil
		}
	}
	query, args := changesQuery(q, fromID, toID)
	rows, err := s.r.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: reading changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		c, err := scanChange(rows)
		if err != nil {
			return nil, fmt.Errorf("store: reading changes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading changes: %w", err)
	}
	return out, nil
}

// changesQuery is the statement of a page of changes: q's filters, with its
// date range given as the ids [fromID, toID) (0 for an open end).
func changesQuery(q Query, fromID, toID int64) (string, []any) {
	var where []string
	var args []any
	if q.KeyPrint != "" {
		where, args = append(where, "key_print = ?"), append(args, q.KeyPrint)
	}
	if q.CustomerID != "" {
		where, args = append(where, "customer_id = ?"), append(args, q.CustomerID)
	}
	if q.Email != "" {
		where, args = append(where, "email = ?"), append(args, q.Email)
	}
	if q.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, string(q.Outcome))
	}
	if fromID > 0 {
		where, args = append(where, "id >= ?"), append(args, fromID)
	}
	if toID > 0 {
		where, args = append(where, "id < ?"), append(args, toID)
	}
	if q.Before > 0 {
		where, args = append(where, "id < ?"), append(args, q.Before)
	}
	filter := ""
	if len(where) > 0 {
		filter = ` WHERE ` + strings.Join(where, " AND ")
	}
	return `SELECT ` + changeColumns + ` FROM changes` + filter + ` ORDER BY id DESC LIMIT ?`, append(args, q.limit())
}

// idRange turns the date range [from, to) (either end zero for open) into
// the ids [fromID, toID) of the changes made in it (0 for an open end), or
// reports that none can be. Exact because times never go down as ids go up
// (see appendChange): the changes at or after a time are all the ids from
// the first of them on. Two lookups in the at index, however long the range.
func (s *sqlStore) idRange(ctx context.Context, from, to time.Time) (fromID, toID int64, empty bool, err error) {
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return 0, 0, true, nil
	}
	if !from.IsZero() {
		if fromID, err = s.firstAt(ctx, from); err != nil || fromID == 0 {
			return 0, 0, true, err
		}
	}
	if !to.IsZero() {
		if toID, err = s.firstAt(ctx, to); err != nil {
			return 0, 0, true, err
		}
		if toID == fromID && fromID != 0 {
			return 0, 0, true, nil
		}
	}
	return fromID, toID, false, nil
}

// firstAtQuery finds the first change made at or after a time.
const firstAtQuery = `SELECT id FROM changes WHERE at >= ? ORDER BY at, id LIMIT 1`

// firstAt is the id of the first change made at or after t, 0 if none was.
func (s *sqlStore) firstAt(ctx context.Context, t time.Time) (int64, error) {
	var id int64
	err := s.r.queryRow(ctx, firstAtQuery, ms(t)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// undoneByChunk keeps one UndoneBy query well inside either database's
// limit on parameters however many ids a caller asks about.
const undoneByChunk = 500

// UndoneBy implements History.
func (s *sqlStore) UndoneBy(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for chunk := range slices.Chunk(ids, undoneByChunk) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, string(Saved))
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := s.r.query(ctx,
			`SELECT undo_of, max(id) FROM changes WHERE outcome = ? AND undo_of IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) GROUP BY undo_of`,
			args...)
		if err != nil {
			return nil, fmt.Errorf("store: reading undos: %w", err)
		}
		for rows.Next() {
			var of, by int64
			if err := rows.Scan(&of, &by); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: reading undos: %w", err)
			}
			out[of] = by
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: reading undos: %w", err)
		}
	}
	return out, nil
}

// PruneChanges implements History. An entry that undid a pruned one keeps
// its own record; its link to the pruned entry becomes 0.
func (s *sqlStore) PruneChanges(ctx context.Context, before time.Time) (int, error) {
	n, err := s.w.exec(ctx, `DELETE FROM changes WHERE at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: pruning changes: %w", err)
	}
	return n, nil
}

func scanChange(row rowScanner) (Change, error) {
	var c Change
	var at int64
	var sections, outcome string
	var undoOf sql.NullInt64
	err := row.Scan(&c.ID, &at, &c.Email, &c.KeyPrint, &c.CustomerID, &c.CustomerName, &sections, &c.Diff,
		&outcome, &c.Reason, &c.RequestID, &undoOf, &c.Resolution)
	if err != nil {
		return Change{}, err
	}
	if err := json.Unmarshal([]byte(sections), &c.Sections); err != nil {
		return Change{}, fmt.Errorf("change %d: sections: %w", c.ID, err)
	}
	c.At, c.Outcome, c.UndoOf = fromMS(at), Outcome(outcome), undoOf.Int64
	return c, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
