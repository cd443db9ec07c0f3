package handlers

import (
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/customerdesk/desk/views"
)

// countryList is every ISO 3166 country with its English name, built once
// from x/text's CLDR data rather than a hand-kept table.
type countryList struct {
	byCode  map[string]string
	options []views.Option
}

func newCountryList() *countryList {
	l := &countryList{byCode: map[string]string{}}
	names := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || r.String() != code {
				continue
			}
			name := names.Name(r)
			if name == "" || strings.EqualFold(name, code) {
				continue
			}
			l.byCode[code] = name
			l.options = append(l.options, views.Option{Value: code, Label: name})
		}
	}
	col := collate.New(language.English, collate.IgnoreCase, collate.IgnoreDiacritics)
	sort.SliceStable(l.options, func(i, j int) bool { return col.CompareString(l.options[i].Label, l.options[j].Label) < 0 })
	return l
}

// name returns the English name of a two-letter country code.
func (l *countryList) name(code string) (string, bool) {
	n, ok := l.byCode[strings.ToUpper(strings.TrimSpace(code))]
	return n, ok
}
