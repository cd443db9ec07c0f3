package e2e

import (
	"testing"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// TestEditAndCancelWithoutApptivo: right after the page was read, opening a
// form and closing it again swap in place without a single Apptivo request
// (the simulator's log shows none), for both cards, and the form opens on
// the values the card showed.
func TestEditAndCancelWithoutApptivo(t *testing.T) {
	e := newEnv(t)
	const id = apptivotest.IDApptivoInc
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	e.sim.ResetRequests()

	for _, section := range []string{"name", "contact"} {
		b.mark()
		b.openSectionForm(section)
		if section == "name" {
			if got, want := b.value("#customerName"), e.storedName(id); got != want {
				t.Errorf("the name form opened on %q, want %q", got, want)
			}
		}
		b.click("#" + section + "-section [data-testid=cancel]")
		b.waitGone("#" + section + "-section form")
		b.waitVisible("[data-testid=edit-" + section + "]")
		b.assertNoReload("Edit and Cancel")
	}
	if calls := e.sim.Requests(); len(calls) != 0 {
		var actions []string
		for _, c := range calls {
			actions = append(actions, c.Action)
		}
		t.Fatalf("Edit and Cancel made %d Apptivo requests %v; want none", len(calls), actions)
	}
}
