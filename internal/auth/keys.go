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
	"strings"
	"time"
)

// Key is one Ed25519 signing key. Its ID is the RFC 7638 thumbprint of its
// public half, so the same key always has the same kid.
type Key struct {
	ID      string
	Private ed25519.PrivateKey
	Public  ed25519.PublicKey
	// NotBefore is when the key starts signing; until then it only
	// verifies (and is published), so that every replica knows it before
	// any signs with it. Zero: at once.
	NotBefore time.Time
}

// KeySet is the service's token keys: the newest that may sign by now
// signs, all verify.
type KeySet struct {
	keys []Key            // oldest first
	now  func() time.Time // the clock of NotBefore; nil: time.Now
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
// one that may sign by now signs (Signing). Replicas that start together on
// an empty folder create one first key between them: the first to take the
// folder's lock writes it, the others read it.
func LoadKeys(dir string) (*KeySet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key folder: %w", err)
	}
	names, err := keyFiles(dir)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		if names, err = firstKey(dir); err != nil {
			return nil, err
		}
	}
	ks := &KeySet{}
	for _, name := range names {
		k, err := readKey(name)
		if err != nil {
			return nil, err
		}
		ks.keys = append(ks.keys, k)
	}
	return ks, nil
}

// keyFiles returns the key files in dir, sorted by name.
func keyFiles(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	slices.Sort(names)
	return names, err
}

// firstKey writes the first key into the empty folder dir under its lock
// file, unless another process did so while this one waited for the lock,
// and returns the key files.
func firstKey(dir string) (_ []string, err error) {
	unlock, err := lockFolder(filepath.Join(dir, ".lock"))
	if err != nil {
		return nil, fmt.Errorf("lock key folder: %w", err)
	}
	defer func() { err = errors.Join(err, unlock()) }()
	names, err := keyFiles(dir)
	if err != nil || len(names) > 0 {
		return names, err
	}
	name, err := AddKey(dir, time.Now())
	if err != nil {
		return nil, err
	}
	return []string{name}, nil
}

// readKey reads one key file.
func readKey(name string) (Key, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return Key{}, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return Key{}, fmt.Errorf("key file %s: no PKCS #8 private key", filepath.Base(name))
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("key file %s: %w", filepath.Base(name), err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return Key{}, fmt.Errorf("key file %s: not an Ed25519 key", filepath.Base(name))
	}
	key := newKey(priv)
	key.NotBefore = notBefore(filepath.Base(name))
	return key, nil
}

// keyTime is how a key file's name gives times: its creation, and when it
// starts signing if not at once.
const keyTime = "20060102T150405.000000000Z"

// notBefore is the time after "-from-" in a key file's name, or zero.
func notBefore(name string) time.Time {
	_, from, ok := strings.Cut(strings.TrimSuffix(name, ".pem"), "-from-")
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(keyTime, from)
	if err != nil {
		return time.Time{}
	}
	return t
}

// AddKey writes a new signing key into dir, named by its creation time so
// that it sorts last, and returns its file name.
func AddKey(dir string, now time.Time) (string, error) {
	return AddKeyFrom(dir, now, time.Time{})
}

// AddKeyFrom is AddKey for a key that starts signing at from (zero: at
// once), which its name says (deploy/README.md, "Signing keys"). The
// file appears whole or not at all, and never replaces another.
func AddKeyFrom(dir string, now, from time.Time) (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	base := "ed25519-" + now.UTC().Format(keyTime)
	if !from.IsZero() {
		base += "-from-" + from.UTC().Format(keyTime)
	}
	name := filepath.Join(dir, base+".pem")
	f, err := os.CreateTemp(dir, ".new-key-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", err
	}
	// On disk before its name: a crash must not leave an empty key that
	// every later start would fail to read.
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	// A link, unlike a rename, fails when the name is taken.
	if err := os.Link(f.Name(), name); err != nil {
		return "", err
	}
	return name, syncDir(dir)
}

// syncDir writes a folder's entries to disk, so that a name just made
// outlives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Signing returns the key that signs new tokens: the newest that may sign
// by now, or the oldest when none may yet.
func (ks *KeySet) Signing() Key {
	now := time.Now()
	if ks.now != nil {
		now = ks.now()
	}
	for i := len(ks.keys) - 1; i > 0; i-- {
		if !ks.keys[i].NotBefore.After(now) {
			return ks.keys[i]
		}
	}
	return ks.keys[0]
}

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
