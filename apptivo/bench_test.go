package apptivo

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"
)

// Targets, as ratios against encoding/json decoding the same record into a
// map[string]any and encoding it back — the obvious approach, which loses
// big integers and key order. Keeping the record exactly must not cost more
// than this in time or memory.
//
// Measured on the 2-core build machine: round trip 0.35x time / 0.56x bytes,
// full edit 3.1x time / 4.2x bytes. The targets leave room for noise, not
// for regressions (a per-call strings.Replacer once pushed the edit to 15x bytes).
const (
	maxRoundTripTimeRatio    = 0.75
	maxRoundTripAllocRatio   = 0.8
	maxBuildUpdateRatio      = 5.0 // a full edit: parse, diff three sections, rebuild, encode
	maxBuildUpdateAllocRatio = 6.0
)

func baselineRoundTrip(data []byte) error {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	_, err := json.Marshal(m)
	return err
}

func objectRoundTrip(data []byte) error {
	c, err := ParseCustomer(data)
	if err != nil {
		return err
	}
	_, err = c.MarshalJSON()
	return err
}

func buildUpdate(data []byte) error {
	c, err := ParseCustomer(data)
	if err != nil {
		return err
	}
	ce := contactOf(c)
	ce.phones[0].Values[0] = "+1 650 253 0000"
	ce.emails = ce.emails[:1]
	p, err := BuildUpdate(c, Edit{Name: nameOn(c, "Renamed"), Lists: ce.on(c)})
	if err != nil || p.Update == nil {
		return fmt.Errorf("no update: %v", err)
	}
	_, _, err = p.Update.Params()
	return err
}

// measure runs fn n times and returns time and bytes allocated per call.
func measure(b *testing.B, n int, fn func([]byte) error, data []byte) (time.Duration, float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range n {
		if err := fn(data); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return elapsed / time.Duration(n), float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
}

// ratio times candidate and baseline in the same run, interleaved and
// repeated (best of five), and reports candidate/baseline for time and
// allocated bytes. testing.Benchmark cannot be nested inside a benchmark,
// hence the hand-rolled loop.
func ratio(b *testing.B, candidate, baseline func([]byte) error, data []byte) (timeRatio, allocRatio float64) {
	b.Helper()
	const n = 2000
	bestBase, bestCand := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	var baseBytes, candBytes float64
	for range 5 {
		t, m := measure(b, n, baseline, data)
		bestBase, baseBytes = min(bestBase, t), m
		t, m = measure(b, n, candidate, data)
		bestCand, candBytes = min(bestCand, t), m
	}
	for b.Loop() {
		_ = candidate(data) // keeps the usual ns/op line meaningful too
	}
	timeRatio = float64(bestCand) / float64(bestBase)
	allocRatio = candBytes / baseBytes
	b.ReportMetric(float64(bestBase.Nanoseconds()), "baseline-ns/op")
	b.ReportMetric(timeRatio, "time-ratio")
	b.ReportMetric(allocRatio, "bytes-ratio")
	return timeRatio, allocRatio
}

func BenchmarkRecordRoundTripVsMap(b *testing.B) {
	_, data := loadCustomer(b)
	tr, ar := ratio(b, objectRoundTrip, baselineRoundTrip, data)
	if tr > maxRoundTripTimeRatio || ar > maxRoundTripAllocRatio {
		b.Errorf("round trip costs %.2fx time and %.2fx memory of the map baseline; targets %.1fx / %.1fx",
			tr, ar, maxRoundTripTimeRatio, maxRoundTripAllocRatio)
	}
}

func BenchmarkBuildUpdateVsMap(b *testing.B) {
	_, data := loadCustomer(b)
	tr, ar := ratio(b, buildUpdate, baselineRoundTrip, data)
	if tr > maxBuildUpdateRatio || ar > maxBuildUpdateAllocRatio {
		b.Errorf("a full edit costs %.2fx time and %.2fx memory of a plain map round trip; targets %.1fx / %.1fx",
			tr, ar, maxBuildUpdateRatio, maxBuildUpdateAllocRatio)
	}
}
