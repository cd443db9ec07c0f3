package apptivo

import (
	"encoding/json"
	"strings"
)

// Type is one choice of a type picker (phone, email or address type).
type Type struct {
	Code string
	Name string
}

// Config is the part of Apptivo's customer configuration the desk uses.
type Config struct {
	PhoneTypes   []Type
	EmailTypes   []Type
	AddressTypes []Type
	FromApptivo  bool // false when the built-in lists are in use
}

// BuiltinConfig holds the types Apptivo ships with, used when the config
// call fails or lacks a list.
func BuiltinConfig() *Config {
	return &Config{
		PhoneTypes: []Type{
			{"PHONE_BUSINESS", "Business"}, {"PHONE_MOBILE", "Mobile"}, {"PHONE_HOME", "Home"},
			{"PHONE_FAX", "Fax"}, {"PHONE_OTHER", "Other"},
		},
		EmailTypes:   []Type{{"BUSINESS", "Business"}, {"PERSONAL", "Personal"}, {"OTHER", "Other"}},
		AddressTypes: []Type{{"1", "Billing Address"}, {"2", "Shipping Address"}},
	}
}

// TypeName finds the display name of a code in a list ("" when unknown).
func TypeName(types []Type, code string) string {
	for _, t := range types {
		if t.Code == code {
			return t.Name
		}
	}
	return ""
}

func parseConfig(o Object) *Config {
	cfg := BuiltinConfig()
	// Each list is read on its own, so one odd list can't spoil the others.
	for _, l := range []struct {
		key  string
		dest *[]Type
	}{{"phoneTypes", &cfg.PhoneTypes}, {"emailTypes", &cfg.EmailTypes}, {"addressTypes", &cfg.AddressTypes}} {
		raw, _ := o.Raw(l.key)
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			continue
		}
		if t := parseTypes(items); len(t) > 0 {
			*l.dest, cfg.FromApptivo = t, true
		}
	}
	return cfg
}

// parseTypes reads {id, code, name, isEnabled} items, skipping disabled ones
// and any item it can't make sense of.
func parseTypes(items []json.RawMessage) []Type {
	var out []Type
	for _, item := range items {
		var o Object
		if o.UnmarshalJSON(item) != nil {
			continue
		}
		code, name := o.String("code"), o.String("name")
		if code == "" || name == "" || strings.EqualFold(o.String("isEnabled"), "N") {
			continue
		}
		out = append(out, Type{Code: code, Name: name})
	}
	return out
}
