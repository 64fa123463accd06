package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Key is one Ed25519 signing key. Its ID is the RFC 7638 thumbprint of its
// public half, so the same key always has the same kid.
type Key struct {
	ID      string
	Private ed25519.PrivateKey
	Public  ed25519.PublicKey
}

// KeySet is the service's token keys: the newest signs, all verify.
type KeySet struct {
	keys []Key // oldest first
}

func newKey(priv ed25519.PrivateKey) Key {
	pub := priv.Public().(ed25519.PublicKey)
	// RFC 7638: the thumbprint of the required members in lexical order.
	thumb, _ := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
	}{"Ed25519", "OKP", base64.RawURLEncoding.EncodeToString(pub)})
	sum := sha256.Sum256(thumb)
	return Key{ID: base64.RawURLEncoding.EncodeToString(sum[:]), Private: priv, Public: pub}
}

// GenerateKeySet returns a set of one fresh key, kept in memory only.
func GenerateKeySet() (*KeySet, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &KeySet{keys: []Key{newKey(priv)}}, nil
}

// LoadKeys reads the PEM (PKCS #8) keys in dir, creating the folder and a
// first key when there is none. Files sort by name, oldest first; the last
// one signs.
func LoadKeys(dir string) (*KeySet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key folder: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		name, err := AddKey(dir, time.Now())
		if err != nil {
			return nil, err
		}
		names = []string{name}
	}
	slices.Sort(names)
	ks := &KeySet{}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		block, _ := pem.Decode(b)
		if block == nil || block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("key file %s: no PKCS #8 private key", filepath.Base(name))
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", filepath.Base(name), err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key file %s: not an Ed25519 key", filepath.Base(name))
		}
		ks.keys = append(ks.keys, newKey(priv))
	}
	return ks, nil
}

// AddKey writes a new signing key into dir, named by its creation time so
// that it sorts last, and returns its file name.
func AddKey(dir string, now time.Time) (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	name := filepath.Join(dir, "ed25519-"+now.UTC().Format("20060102T150405.000000000Z")+".pem")
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return "", err
	}
	return name, f.Close()
}

// Signing returns the key that signs new tokens.
func (ks *KeySet) Signing() Key { return ks.keys[len(ks.keys)-1] }

// Public returns the public key with the given ID.
func (ks *KeySet) Public(kid string) (ed25519.PublicKey, bool) {
	for _, k := range ks.keys {
		if k.ID == kid {
			return k.Public, true
		}
	}
	return nil, false
}

// JWK is one public key in JSON Web Key form (RFC 8037).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS returns every public key, newest first.
func (ks *KeySet) JWKS() []JWK {
	out := make([]JWK, 0, len(ks.keys))
	for i := len(ks.keys) - 1; i >= 0; i-- {
		k := ks.keys[i]
		out = append(out, JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Public), Kid: k.ID, Use: "sig", Alg: "EdDSA"})
	}
	return out
}

var errNoKey = errors.New("auth: key set is empty")

func (ks *KeySet) check() error {
	if ks == nil || len(ks.keys) == 0 {
		return errNoKey
	}
	return nil
}
