package store

import (
	"database/sql"
	"time"
)

// PoolStat is how one connection pool of a database stands right now: what
// a metrics scrape reads. The counters (Waits, WaitTime) count from when the
// store was opened.
type PoolStat struct {
	// Pool names the pool in a few lowercase letters: "write" and "read"
	// for SQLite's two pools, one name per pool of the store.
	Pool string
	// MaxOpen is the most connections the pool may hold; 0 for no limit.
	MaxOpen int
	// Open connections, of which InUse are lent out and Idle wait in the
	// pool (Open = InUse + Idle).
	Open, InUse, Idle int
	// Waits counts the times a request for a connection had to wait for
	// one, and WaitTime is the total time so spent.
	Waits    int64
	WaitTime time.Duration
}

// Pools is implemented by a DB whose connection pools can be watched. It is
// separate from DB so that a store need not have pools; the desk's metrics
// show them for every store that has it.
//
// For a PostgreSQL store on pgxpool, pgxpool.Stat maps as MaxOpen =
// MaxConns, Open = TotalConns, InUse = AcquiredConns, Idle = IdleConns,
// Waits = EmptyAcquireCount, WaitTime = EmptyAcquireWaitTime.
type Pools interface {
	// PoolStats returns every pool of the store, in a fixed order. It must
	// be cheap (no query) and safe for concurrent use.
	PoolStats() []PoolStat
}

var _ Pools = (*SQLite)(nil)

// PoolStats implements Pools: the one-connection write pool and the
// read pool.
func (s *SQLite) PoolStats() []PoolStat {
	return []PoolStat{poolStat("write", s.w.Stats()), poolStat("read", s.r.Stats())}
}

// poolStat is a database/sql pool's DBStats as a PoolStat.
func poolStat(name string, st sql.DBStats) PoolStat {
	return PoolStat{
		Pool: name, MaxOpen: st.MaxOpenConnections, Open: st.OpenConnections, InUse: st.InUse, Idle: st.Idle,
		Waits: st.WaitCount, WaitTime: st.WaitDuration,
	}
}

var _ Pools = (*Postgres)(nil)

// PoolStats implements Pools: the one pgx pool every statement and save
// lock shares.
func (s *Postgres) PoolStats() []PoolStat {
	st := s.pool.Stat()
	return []PoolStat{{
		Pool: "pool", MaxOpen: int(st.MaxConns()), Open: int(st.TotalConns()), InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
		Waits: st.EmptyAcquireCount(), WaitTime: st.EmptyAcquireWaitTime(),
	}}
}
