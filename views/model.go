// Package views renders every page and fragment of the desk. Components are
// pure functions of the small view models in this file; the same section
// partial serves the full page and the htmx swap.
package views

// Layout is what every full page needs around its content.
type Layout struct {
	Title     string
	Links     Links
	Demo      bool
	UserEmail string // "" when nobody is signed in
	CSRFToken string
	Messages  []Message // shown in the polite live region
	Assets    Assets
}

// Links are the addresses every page's frame points at.
type Links struct {
	Customers string // the customer list and search
	Activity  string // the team's recent changes
	Login     string
	Logout    string
}

// SectionLinks are the addresses of one section card of a customer.
type SectionLinks struct {
	Page    string // the customer page
	Read    string // the card's read view (Cancel)
	Edit    string // the card's form
	Save    string // where the form posts
	Preview string // where the form asks what Save would change
	Theirs  string // where a conflict view's "Use their version" posts
}

// Assets are the versioned URLs of the static files.
type Assets struct {
	HTMX string
	CSS  string
	JS   string
	Icon string
}

// Message is one status line for the live region.
type Message struct {
	Text  string
	Error bool
}

// Login is the sign-in page.
type Login struct {
	EmailFromProxy bool   // the company's sign-in proxy says who this is: the field is read-only
	CSRFToken      string // the sign-in form's own token (no session needed)
	Email          string
	Next           string
	Error          string
	Field          map[string]string // field name → error
	DemoKeys       *DemoKeys
}

// DemoKeys are shown on the sign-in page in demo mode only.
type DemoKeys struct {
	APIKey    string
	AccessKey string
}

// Search is the customer search page and its results fragment.
type Search struct {
	Query    string
	Rows     []SearchRow
	Total    int
	Page     int
	Pages    int
	From, To int
	PrevURL  string
	NextURL  string
	FirstURL string
	Error    string
}

// SearchRow is one customer in the results table.
type SearchRow struct {
	ID, URL, Name, Number, Phone, Email, City string
}

// Customer is the customer page: its header, its two sections and its history.
type Customer struct {
	ID      string
	Name    string
	Meta    Meta
	NameSec NameSection
	Contact ContactSection
	History History
}

// Meta is the line under the title.
type Meta struct {
	CustomerID    string
	Number        string
	Status        string
	LastUpdatedBy string
	LastUpdatedAt string
	// Who last changed the customer in the desk, and when ("" if nobody has).
	DeskChangedBy, DeskChangedAgo, DeskChangedAt string
}

// NameSection is the "Name" card in read or edit mode.
type NameSection struct {
	OOB        bool // swapped in out of band (after an undo)
	CustomerID string
	Links      SectionLinks
	Name       string
	Notice     string // "Saved", "No changes to save"
	Form       *NameForm
}

// NameForm is the name editor.
type NameForm struct {
	Resolving   bool // a conflict view's form: its save resolves the conflict
	Links       SectionLinks
	CSRFToken   string
	Fingerprint string
	Name        string
	Original    string
	Errors      map[string]string
	ErrorLinks  []ErrorLink  // the error summary, in form order
	Preview     []ChangeLine // what Save would change
	Problem     string       // Apptivo trouble, shown at the top of the form
	Conflict    *NameConflict
	Restored    bool // typed input brought back after a re-sign-in
}

// NameConflict shows what a colleague saved meanwhile.
type NameConflict struct {
	TheirName string
	By, At    string
}

// ChangeLine is one line of "what changed" (history, preview); a removal
// stands out.
type ChangeLine struct {
	Text    string
	Removal bool
}

// ErrorLink is one line of a form's error summary: a link to the field.
type ErrorLink struct{ ID, Text string }

// ContactSection is the "Contact details" card in read or edit mode.
type ContactSection struct {
	OOB        bool
	CustomerID string
	Links      SectionLinks
	Lists      []ListView
	Notice     string
	Form       *ContactForm
}

// ListView is one list of the read view (phone numbers, say).
type ListView struct {
	Heading string
	Empty   string // shown when there are no items
	TestID  string
	Items   []ReadItem
}

// ReadItem is one entry of a list: its type, then its lines, linked to
// Href when it has one; a postal address is marked up as one.
type ReadItem struct {
	Term   string
	Lines  []string
	Href   string
	Postal bool
}

// ContactForm is the contact details editor.
type ContactForm struct {
	Resolving   bool
	Links       SectionLinks
	CSRFToken   string
	Fingerprint string
	Lists       []ListForm
	Errors      map[string]string // by input name
	ErrorLinks  []ErrorLink
	Preview     []ChangeLine
	Problem     string
	Conflict    *ContactConflict
	Restored    bool
	Focus       string // id of the input to focus, e.g. a row just added
}

// ListForm is one list of the contact form: its inputs and rows.
type ListForm struct {
	Kind     string // prefix of the inputs' names: "phone" → phone.0.number
	Legend   string
	AddLabel string
	Fields   []FormField
	Rows     []FormRow
}

// FormField is one input of every row of a list.
type FormField struct {
	Name         string // "number"
	Label        string
	Input        string // the input's type; "" for a select of Options
	InputMode    string
	NoSpellcheck bool
	Inline       bool // shares a line with the inline fields next to it
	Options      []Option
}

// FormRow is one editable row; Ref is empty for a new row.
type FormRow struct {
	Ref    string
	Values []string // by field
	Was    []string // the values as the form first showed them; nil for a new row
	Labels []string // the stored display name of a picked value, by field
	Remove bool
}

// Option is one choice of a select.
type Option struct{ Value, Label string }

// ContactConflict shows the contact details a colleague saved meanwhile.
type ContactConflict struct {
	Theirs ContactSection
	By, At string
}

// ErrorPage is a whole-page error (404, 500, Apptivo trouble on a GET).
type ErrorPage struct {
	Status  int
	Title   string
	Message string
}

// History is a customer's change history, newest first, a page at a time.
// Unloaded, it is a placeholder that loads itself after the page (htmx) or
// a link to it (without JavaScript).
type History struct {
	URL       string // this page of the history
	Loaded    bool
	Entries   []HistoryEntry
	OlderURL  string // the next page of older changes; "" on the last
	NewerURL  string // back to the newest; "" on the first page
	Notice    string // "Undone.", after an undo in place
	Error     string
	CSRFToken string
}

// HistoryEntry is one change: who did what when, and what became of it.
type HistoryEntry struct {
	ID          int64
	Who         string // the email
	Summary     string // "changed Phone numbers", "undid a change to the name"
	Ago         string // "3 minutes ago"
	At          string // the moment, in full
	Customer    string // for the activity page
	CustomerURL string
	Outcome     string // "" when saved; otherwise what happened ("Apptivo refused it: …")
	Lines       []ChangeLine
	UndoURL     string // "" when it cannot be undone (any more)
	UndoLabel   string // "Undo", or "Redo" for an undo
	UndoneBy    string // "Undone by sam@… 2 minutes ago"
	Conflict    *UndoConflict
}

// UndoConflict is shown when the sections a change wrote changed again
// since: what undoing now would change, and the way to do it anyway.
type UndoConflict struct {
	Lines       []ChangeLine
	Fingerprint string // of what the person saw now
}

// Activity is the team's recent changes across customers, filtered.
type Activity struct {
	Person, Customer, From, To string // the filters as typed
	Entries                    []HistoryEntry
	OlderURL, NewerURL, CSVURL string
	Error                      string
}
