package connectors

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// SecretBox seals connection secrets at rest with AES-256-GCM under the
// hub's secret key (IPAI_CONNECTORS_SECRET_KEY). Each secret is bound to
// its connection's slug, so that a sealed secret copied onto another
// connection does not open. It is safe for concurrent use.
type SecretBox struct {
	aead cipher.AEAD
}

// sealVersion starts every sealed secret, so that the format can change.
const sealVersion = 1

// ErrNoSecretKey is the refusal to seal or open without a key.
var ErrNoSecretKey = Errorf(EINVALID, "no secret key: set "+
	"IPAI_CONNECTORS_SECRET_KEY or IPAI_CONNECTORS_SECRET_KEY_FILE to 32 "+
	"random bytes in hex or base64 (make one with: openssl rand -hex 32)")

// NewSecretBox returns a box for key: 32 bytes written as 64 hex digits
// or in standard base64. An empty key is ErrNoSecretKey.
func NewSecretBox(key Secret) (*SecretBox, error) {
	text := strings.TrimSpace(key.Reveal())
	if text == "" {
		return nil, ErrNoSecretKey
	}
	raw, err := hex.DecodeString(text)
	if err != nil {
		raw, err = base64.StdEncoding.DecodeString(text)
	}
	if err != nil || len(raw) != 32 {
		return nil, Errorf(EINVALID, "the secret key must be 32 bytes "+
			"in hex or base64 (make one with: openssl rand -hex 32)")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead}, nil
}

// Seal returns secret sealed for the connection with the given slug.
func (b *SecretBox) Seal(slug string, secret Secret) []byte {
	out := make([]byte, 1, 1+b.aead.NonceSize()+len(secret)+b.aead.Overhead())
	out[0] = sealVersion
	nonce := make([]byte, b.aead.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	return b.aead.Seal(out, nonce, []byte(secret.Reveal()), []byte(slug))
}

// Open returns the secret sealed for slug. A secret sealed under another
// key or for another slug, or altered, is an EINVALID error.
func (b *SecretBox) Open(slug string, sealed []byte) (Secret, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != sealVersion {
		return "", Errorf(EINVALID, "the sealed secret is not one this "+
			"hub wrote")
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(slug))
	if err != nil {
		return "", Errorf(EINVALID, "the sealed secret does not open "+
			"with this key: was IPAI_CONNECTORS_SECRET_KEY changed?")
	}
	return Secret(plain), nil
}
