package handlers_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Strangers leave nothing behind: 2,000 anonymous 200 KB posts to the
// section saves (the expired-sign-in rescue path) must not grow the heap by
// more than 64 MB. Before, each one made a session holding a "draft" whose
// short strings pointed into the whole request body.
func TestAnonymousSectionPostsKeepNothing(t *testing.T) {
	const (
		posts    = 2000
		bodySize = 200 << 10
		limit    = 64 << 20
	)
	e := newEnv(t)
	// The padding goes in _csrf, which a draft drops, so only tiny kept
	// strings would hold on to the body; _owner named the victim of old.
	body := "name=x&name_orig=y&fingerprint=z&_owner=" + testEmail + "&_csrf=" + strings.Repeat("a", bodySize)
	client := &http.Client{CheckRedirect: e.client.CheckRedirect} // no cookie jar: a stranger each time
	post := func(i int) error {
		section := []string{"name", "contact"}[i%2]
		req, _ := http.NewRequest(http.MethodPost, e.app.URL+idPath(1000001+int64(i%3), "/"+section), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.app.URL)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			return fmt.Errorf("post %d: %d %q", i, resp.StatusCode, resp.Header.Get("Location"))
		}
		return nil
	}
	if err := post(0); err != nil { // warm up pools and caches
		t.Fatal(err)
	}
	heapBefore, rssBefore := heapAfterGC(), rss()

	var wg sync.WaitGroup
	errs := make(chan error, posts)
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				if err := post(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range posts {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	heapAfter, rssAfter := heapAfterGC(), rss()
	growth := int64(heapAfter) - int64(heapBefore)
	t.Logf("%d anonymous %d KB posts: heap %+.1f MB (%.1f → %.1f MB), RSS %.1f → %.1f MB, %d sessions",
		posts, bodySize>>10, float64(growth)/(1<<20), float64(heapBefore)/(1<<20), float64(heapAfter)/(1<<20),
		float64(rssBefore)/(1<<20), float64(rssAfter)/(1<<20), e.sessions.Len())
	if growth > limit {
		t.Errorf("the heap grew by %.0f MB, want < %d MB", float64(growth)/(1<<20), limit>>20)
	}
	if n := e.sessions.Len(); n != 0 {
		t.Errorf("anonymous posts made %d server-side sessions", n)
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// rss is the process's resident set (Linux), for the log only: it also
// counts memory the runtime has not yet handed back to the system.
func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb uint64
		if _, err := fmt.Sscanf(sc.Text(), "VmRSS: %d kB", &kb); err == nil {
			return kb << 10
		}
	}
	return 0
}
