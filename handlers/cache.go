package handlers

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/customerdesk/desk/apptivo"
)

// configCache keeps Apptivo's type lists per key pair, so opening a form
// costs no extra call. Entries are keyed by a hash of the keys, never the
// keys themselves, and the cache is bounded.
type configCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[[32]byte]configEntry
}

type configEntry struct {
	cfg     *apptivo.Config
	expires time.Time
}

const maxConfigEntries = 10000

func newConfigCache(ttl time.Duration) *configCache {
	return &configCache{ttl: ttl, entries: map[[32]byte]configEntry{}}
}

func credKey(cr apptivo.Credentials) [32]byte {
	return sha256.Sum256([]byte(cr.APIKey + "\x00" + cr.AccessKey))
}

func (c *configCache) put(cr apptivo.Credentials, cfg *apptivo.Config) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if len(c.entries) >= maxConfigEntries {
		for k, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxConfigEntries {
			clear(c.entries)
		}
	}
	c.entries[credKey(cr)] = configEntry{cfg: cfg, expires: now.Add(c.ttl)}
}

// get returns the cached config, fetching it when missing or stale. When
// Apptivo can't give it, the built-in types serve: a form must still open.
func (c *configCache) get(ctx context.Context, client *apptivo.Client) *apptivo.Config {
	key := credKey(client.Credentials())
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.cfg
	}
	cfg, err := client.GetConfig(ctx)
	if err != nil {
		if ok {
			return e.cfg // stale beats built-in
		}
		return apptivo.BuiltinConfig()
	}
	c.put(client.Credentials(), cfg)
	return cfg
}
