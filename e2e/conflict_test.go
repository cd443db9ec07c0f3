package e2e

import (
	"strings"
	"testing"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// startNameConflict has two people (separate cookie jars) open the same
// customer's name form; A saves "Name A", then B saves "Name B" and must get
// the conflict view instead of overwriting A.
func startNameConflict(t *testing.T, e *env, id int64) (a, b *browser) {
	t.Helper()
	a = e.newBrowser(named("A"))
	b = e.newBrowser(named("B"), inProcessOf(a))
	a.signInDemo("alice@example.com", "/customers")
	b.signInDemo("bob@example.com", "/customers")
	if got := b.text("[data-testid=signed-in-as]"); !strings.Contains(got, "bob@example.com") {
		t.Fatalf("second browser is signed in as %q: the two browsers share cookies", got)
	}
	a.openCustomer(id)
	b.openCustomer(id)
	a.openSectionForm("name")
	b.openSectionForm("name")
	e.sim.ResetRequests()

	a.fill("#customerName", "Name A")
	a.click("#name-section [data-testid=save]")
	a.waitVisible("#name-section [data-testid=section-notice]")
	e.onlyUpdate()

	b.mark()
	b.fill("#customerName", "Name B")
	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=conflict]")
	b.assertNoReload("the conflicting save")
	if got := b.text("[data-testid=their-name]"); got != "Name A" {
		t.Errorf("conflict view shows theirs = %q, want Name A", got)
	}
	if got := b.text("[data-testid=your-name]"); got != "Name B" {
		t.Errorf("conflict view shows yours = %q, want Name B", got)
	}
	if got := b.value("#customerName"); got != "Name B" {
		t.Errorf("the name input holds %q in the conflict view, want B's typing kept", got)
	}
	if live := b.text("#live"); !strings.Contains(live, "someone else changed") {
		t.Errorf("live region = %q, want it to say someone else changed this", live)
	}
	if n := len(e.updates()); n != 1 {
		t.Fatalf("%d updates after the conflicting save, want still 1 (B must not overwrite A)", n)
	}
	if got := e.storedName(id); got != "Name A" {
		t.Fatalf("stored name after the conflict = %q, want Name A", got)
	}
	return a, b
}

func TestConflict(t *testing.T) {
	t.Run("save mine over theirs", func(t *testing.T) {
		e := newEnv(t)
		const id = apptivotest.IDApptivoInc
		_, b := startNameConflict(t, e, id)

		// The explanation reads as a sentence, and the page around it
		// agrees with it about who changed the record last.
		t.Run("conflict view agrees with the record", func(t *testing.T) {
			if p := b.text("[data-testid=conflict] p"); strings.Contains(p, " .") {
				t.Errorf("conflict explanation %q has a space before the full stop", p)
			}
			if meta := b.text("[data-testid=last-updated]"); !strings.Contains(meta, apptivotest.DemoKeys.UserName) {
				t.Errorf("meta line in the conflict view = %q, want A's change (by %s): the 409 answer does not swap the meta line",
					meta, apptivotest.DemoKeys.UserName)
			}
		})

		b.click("#name-section [data-testid=save]") // "Save mine over theirs"
		b.waitVisible("#name-section [data-testid=section-notice]")
		b.assertNoReload("saving over theirs")
		if got := b.text("[data-testid=name-value]"); got != "Name B" {
			t.Errorf("read view after saving over theirs = %q, want Name B", got)
		}
		if n := len(e.updates()); n != 2 {
			t.Errorf("%d updates in all, want 2 (A's, then B's deliberate overwrite)", n)
		}
		if got := e.storedName(id); got != "Name B" {
			t.Errorf("stored name = %q, want Name B", got)
		}
	})

	t.Run("use their version", func(t *testing.T) {
		e := newEnv(t)
		const id = 1000013 // Edinburgh Analytics Ltd
		_, b := startNameConflict(t, e, id)

		b.click("#name-section [data-testid=take-theirs]")
		b.waitGone("#name-section form")
		b.waitVisible("[data-testid=name-value]")
		b.assertNoReload("taking their version")
		if got := b.text("[data-testid=name-value]"); got != "Name A" {
			t.Errorf("read view after taking theirs = %q, want Name A", got)
		}
		if n := len(e.updates()); n != 1 {
			t.Errorf("%d updates in all, want 1 (only A's)", n)
		}
		if got := e.storedName(id); got != "Name A" {
			t.Errorf("stored name = %q, want Name A", got)
		}
	})
}
