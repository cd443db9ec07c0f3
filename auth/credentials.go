package auth

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
)

// Credentials are a user's Apptivo API key and access key. Every formatting
// path (fmt verbs, slog, encoding/json) redacts them to at most the last four
// characters of the API key, so a stray log line cannot leak them. Pass the
// fields explicitly where the keys are really needed.
type Credentials struct{ APIKey, AccessKey string }

// String returns a redacted form such as "Credentials{…1234}".
func (c Credentials) String() string {
	// Show a hint only when the key is long enough that four characters
	// reveal a small fraction of it.
	if len(c.APIKey) >= 16 {
		return "Credentials{…" + c.APIKey[len(c.APIKey)-4:] + "}"
	}
	if c.APIKey != "" || c.AccessKey != "" {
		return "Credentials{…}"
	}
	return "Credentials{}"
}

// GoString makes %#v redacted too.
func (c Credentials) GoString() string { return c.String() }

// Format redacts for every verb, including %+v and %x, which would
// otherwise bypass String.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue implements slog.LogValuer.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON redacts Credentials when they are nested in a value that
// slog's JSON handler (or anything else) marshals, where LogValue is not
// consulted.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// encodeCredentials serialises c as uvarint(len(APIKey)) || APIKey ||
// AccessKey; a binary form avoids any encoder that might honour the
// redacting methods on Credentials.
func encodeCredentials(c Credentials) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(c.APIKey)+len(c.AccessKey))
	b = binary.AppendUvarint(b, uint64(len(c.APIKey)))
	b = append(b, c.APIKey...)
	return append(b, c.AccessKey...)
}

func decodeCredentials(b []byte) (Credentials, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return Credentials{}, false
	}
	rest := b[k:]
	return Credentials{APIKey: string(rest[:n]), AccessKey: string(rest[n:])}, true
}
