package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/store"
)

// configCache keeps Apptivo's type lists per key pair, so opening a form
// costs no extra call on any desk: they are fetched at sign-in and kept in
// the store, which every desk shares, keyed by the key pair's keyed
// fingerprint (never the keys), for ttl. Each desk also keeps the lists it
// has seen in memory (bounded), as a shortcut past the database.
type configCache struct {
	ttl     time.Duration
	db      store.TypeLists
	log     *slog.Logger
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]configEntry // by key print
}

type configEntry struct {
	cfg     *apptivo.Config
	expires time.Time
}

const maxConfigEntries = 10000

func newConfigCache(ttl time.Duration, db store.TypeLists, log *slog.Logger, now func() time.Time) *configCache {
	return &configCache{ttl: ttl, db: db, log: log, now: now, entries: map[string]configEntry{}}
}

// put keeps cfg, the type lists Apptivo just gave the key pair keyPrint,
// for every desk. A store that cannot take them costs the other desks a
// call, nothing more.
func (c *configCache) put(ctx context.Context, keyPrint string, cfg *apptivo.Config) {
	expires := c.now().Add(c.ttl)
	c.remember(keyPrint, configEntry{cfg: cfg, expires: expires})
	data, err := json.Marshal(cfg)
	if err == nil {
		err = c.db.PutTypeLists(ctx, keyPrint, data, expires)
	}
	if err != nil {
		c.log.Warn("keeping Apptivo's type lists", "error", err.Error())
	}
}

func (c *configCache) remember(keyPrint string, e configEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxConfigEntries {
		now := c.now()
		for k, old := range c.entries {
			if now.After(old.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxConfigEntries {
			clear(c.entries)
		}
	}
	c.entries[keyPrint] = e
}

// get returns the type lists of the key pair keyPrint (client's): this
// desk's copy, else the store's, else Apptivo's, which are then kept. When
// Apptivo can't give them, stale lists serve, and failing those the
// built-in types: a form must still open.
func (c *configCache) get(ctx context.Context, client *apptivo.Client, keyPrint string) *apptivo.Config {
	c.mu.Lock()
	e, ok := c.entries[keyPrint]
	c.mu.Unlock()
	if ok && c.now().Before(e.expires) {
		return e.cfg
	}
	if kept, ok := c.stored(ctx, keyPrint); ok {
		if c.now().Before(kept.expires) {
			c.remember(keyPrint, kept)
			return kept.cfg
		}
		if e.cfg == nil {
			e = kept
		}
	}
	cfg, err := client.GetConfig(ctx)
	if err != nil {
		if e.cfg != nil {
			return e.cfg // stale beats built-in
		}
		return apptivo.BuiltinConfig()
	}
	c.put(ctx, keyPrint, cfg)
	return cfg
}

// stored is the store's copy of keyPrint's lists, if it has one it can read.
func (c *configCache) stored(ctx context.Context, keyPrint string) (configEntry, bool) {
	data, expires, err := c.db.TypeLists(ctx, keyPrint)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			c.log.Warn("reading Apptivo's type lists", "error", err.Error())
		}
		return configEntry{}, false
	}
	var cfg apptivo.Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return configEntry{}, false
	}
	return configEntry{cfg: &cfg, expires: expires}, true
}
