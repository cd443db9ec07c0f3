package handlers_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// The desk's own cost on top of Apptivo: a customer page (session, one
// Apptivo read, render) against the bare Apptivo read it wraps, both over
// loopback in the same run, neither compressed. Measured ≈2.8x on the
// 2-core build machine.
const maxPageOverheadRatio = 3.0

func BenchmarkCustomerPageVsBareRead(b *testing.B) {
	e := newEnv(b)
	e.signIn()
	client, err := apptivo.NewClient(apptivo.WithBaseURL(e.simURL), apptivo.WithCredentials(apptivo.Credentials{
		APIKey: apptivotest.DemoKeys.APIKey, AccessKey: apptivotest.DemoKeys.AccessKey}))
	if err != nil {
		b.Fatal(err)
	}
	page := func() {
		req, _ := http.NewRequest(http.MethodGet, e.app.URL+"/customers/1000001", nil)
		req.Header.Set("Accept-Encoding", "identity") // the bare read is not compressed either
		resp, err := e.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("page: %d", resp.StatusCode)
		}
	}
	bare := func() {
		if _, err := client.GetCustomer(context.Background(), "1000001"); err != nil {
			b.Fatal(err)
		}
	}
	timeOf := func(fn func(), n int) time.Duration {
		start := time.Now()
		for range n {
			fn()
		}
		return time.Since(start) / time.Duration(n)
	}
	bestPage, bestBare := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range 5 {
		bestBare = min(bestBare, timeOf(bare, 200))
		bestPage = min(bestPage, timeOf(page, 200))
	}
	for b.Loop() {
		page()
	}
	r := float64(bestPage) / float64(bestBare)
	b.ReportMetric(float64(bestBare.Microseconds()), "bare-read-µs")
	b.ReportMetric(float64(bestPage.Microseconds()), "page-µs")
	b.ReportMetric(r, "time-ratio")
	if r > maxPageOverheadRatio {
		b.Logf("a customer page costs %.2fx the bare Apptivo read; target %.1fx (over target)", r, maxPageOverheadRatio)
	}
}
