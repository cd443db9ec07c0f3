package auth

import (
	"encoding/binary"

	"github.com/customerdesk/desk/apptivo"
)

// encodeCredentials serialises c as uvarint(len(APIKey)) || APIKey ||
// AccessKey; a binary form avoids any encoder that might honour the
// redacting methods on Credentials.
func encodeCredentials(c apptivo.Credentials) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(c.APIKey)+len(c.AccessKey))
	b = binary.AppendUvarint(b, uint64(len(c.APIKey)))
	b = append(b, c.APIKey...)
	return append(b, c.AccessKey...)
}

func decodeCredentials(b []byte) (apptivo.Credentials, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return apptivo.Credentials{}, false
	}
	rest := b[k:]
	return apptivo.Credentials{APIKey: string(rest[:n]), AccessKey: string(rest[n:])}, true
}
