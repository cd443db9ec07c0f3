package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// keyBoxKeySize is the AES-256 key length.
const keyBoxKeySize = 32

// ErrSealedInvalid is returned by KeyBox.Open for input that is truncated,
// tampered with, or sealed under a different key. It deliberately says no
// more than that: error strings end up in logs, so they never carry key
// material, plaintext or ciphertext.
var ErrSealedInvalid = errors.New("auth: sealed value is invalid or was tampered with")

// KeyBox seals small secrets (the users' Apptivo keys) with AES-256-GCM so
// they are never held in the session store as plaintext. A fresh random
// 12-byte nonce is used for every Seal; the output is nonce||ciphertext||tag.
//
// Random 96-bit nonces are safe for far more seals than a process will ever
// perform with one key (the NIST bound is 2^32 messages per key).
//
// A KeyBox is safe for concurrent use.
type KeyBox struct {
	aead cipher.AEAD
}

// NewKeyBox returns a KeyBox using key, which must be exactly 32 bytes.
// The key is expanded into the AES key schedule; the caller's slice is not
// retained.
func NewKeyBox(key []byte) (*KeyBox, error) {
	if len(key) != keyBoxKeySize {
		return nil, errors.New("auth: KeyBox key must be exactly 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("auth: KeyBox: cannot create AES cipher")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, errors.New("auth: KeyBox: cannot create GCM")
	}
	return &KeyBox{aead: aead}, nil
}

// Seal encrypts and authenticates plain and returns nonce||ciphertext. It
// never fails: crypto/rand.Read does not return errors on supported
// platforms, and if it ever did, continuing with a predictable nonce would be
// worse than crashing.
func (b *KeyBox) Seal(plain []byte) []byte {
	ns := b.aead.NonceSize()
	out := make([]byte, ns, ns+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		panic("auth: KeyBox: crypto/rand failed")
	}
	return b.aead.Seal(out, out[:ns], plain, nil)
}

// Open authenticates and decrypts a value produced by Seal. Any failure
// yields ErrSealedInvalid.
func (b *KeyBox) Open(sealed []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < ns+b.aead.Overhead() {
		return nil, ErrSealedInvalid
	}
	plain, err := b.aead.Open(nil, sealed[:ns], sealed[ns:], nil)
	if err != nil {
		return nil, ErrSealedInvalid
	}
	return plain, nil
}
