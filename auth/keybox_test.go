package auth

import (
	"bytes"
	"strings"
	"testing"
)

func testBox(t *testing.T, fill byte) *KeyBox {
	t.Helper()
	b, err := NewKeyBox(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatalf("NewKeyBox: %v", err)
	}
	return b
}

func TestNewKeyBoxKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := NewKeyBox(make([]byte, n)); err == nil {
			t.Errorf("NewKeyBox(%d-byte key) succeeded, want error", n)
		}
	}
	if _, err := NewKeyBox(make([]byte, 32)); err != nil {
		t.Errorf("NewKeyBox(32-byte key): %v", err)
	}
}

func TestKeyBoxRoundTrip(t *testing.T) {
	b := testBox(t, 1)
	for _, plain := range [][]byte{nil, {}, []byte("x"), []byte("api-key-0123456789abcdef"), bytes.Repeat([]byte{0xff}, 4096)} {
		sealed := b.Seal(plain)
		if want := 12 + len(plain) + 16; len(sealed) != want {
			t.Errorf("len(Seal(%d bytes)) = %d, want %d (nonce||ciphertext||tag)", len(plain), len(sealed), want)
		}
		if len(plain) >= 8 && bytes.Contains(sealed, plain) {
			t.Errorf("sealed output contains the plaintext")
		}
		got, err := b.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("Open(Seal(%q)) = %q", plain, got)
		}
	}
}

func TestKeyBoxTamperDetection(t *testing.T) {
	b := testBox(t, 1)
	plain := []byte("secret-access-key")
	sealed := b.Seal(plain)

	// Flipping any single bit anywhere (nonce, ciphertext or tag) must fail.
	for i := range sealed {
		mut := append([]byte(nil), sealed...)
		mut[i] ^= 0x01
		if got, err := b.Open(mut); err == nil {
			t.Fatalf("Open accepted input with byte %d flipped: %q", i, got)
		}
	}

	cases := map[string][]byte{
		"nil":          nil,
		"nonce only":   sealed[:12],
		"short by one": sealed[:len(sealed)-1],
		"extra byte":   append(append([]byte(nil), sealed...), 0),
	}
	for name, in := range cases {
		if _, err := b.Open(in); err != ErrSealedInvalid {
			t.Errorf("%s: Open error = %v, want ErrSealedInvalid", name, err)
		}
	}

	other := testBox(t, 2)
	_, err := other.Open(sealed)
	if err != ErrSealedInvalid {
		t.Fatalf("Open with another key: err = %v, want ErrSealedInvalid", err)
	}
	if strings.Contains(err.Error(), string(plain)) {
		t.Errorf("error string leaks plaintext: %v", err)
	}
}

func TestKeyBoxNonceUniqueness(t *testing.T) {
	b := testBox(t, 3)
	plain := []byte("same plaintext every time")
	nonces := make(map[string]bool)
	outputs := make(map[string]bool)
	for range 2000 {
		sealed := b.Seal(plain)
		nonce := string(sealed[:12])
		if nonces[nonce] {
			t.Fatalf("nonce repeated")
		}
		nonces[nonce] = true
		outputs[string(sealed)] = true
	}
	if len(outputs) != 2000 {
		t.Errorf("identical plaintexts produced identical ciphertexts")
	}
}
