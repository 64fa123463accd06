package audit

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// sealVersion opens every sealed message of an entry in FormatSnapshots,
// so that a later formula can be told apart from this one;
// sealVersionChanges opens those of FormatChanges, so that an entry's
// format is sealed with it.
const (
	sealVersion        = "pipeline.audit.v1"
	sealVersionChanges = "pipeline.audit.v2"
)

// version is the literal that opens e's sealed message.
// A format this code does not know has a literal of its own, so that such
// an entry verifies as neither.
func version(e Entry) string {
	switch e.Format {
	case 0, FormatSnapshots:
		return sealVersion
	case FormatChanges:
		return sealVersionChanges
	}
	return "pipeline.audit.unknown-format-" + strconv.Itoa(int(e.Format))
}

// Seal returns e's hash: the hex SHA-256 of a sequence of netstrings
// ("<length in bytes>:<bytes>,"), one for each of the format's version
// literal (sealVersion, sealVersionChanges), prev, and every
// field of e but PrevHash (prev stands in its place) and Hash, in this order:
// id (decimal), at (UTC, 2006-01-02T15:04:05.000000Z), actor, actor_id, dept,
// action, resource_type, resource_id, before, after (each as RFC 8785
// canonical JSON, empty as null), request_id. Length prefixes make the
// encoding unambiguous; canonical JSON makes the hash independent of how a
// database renders stored JSON.
func Seal(prev string, e Entry) string {
	e.Before, e.After = recanonical(e.Before), recanonical(e.After)
	return SealStaged(prev, e)
}

// SealStaged is Seal for an entry made by Service.Entry, whose Before and
// After are canonical JSON already (null where empty): it hashes them as
// they are instead of parsing them again, which was most of the sealer's
// work.
func SealStaged(prev string, e Entry) string {
	h := sha256.New()
	for _, f := range []string{
		version(e), prev, strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.Actor, e.ActorID, e.Dept, e.Action, e.ResourceType, e.ResourceID,
		string(e.Before), string(e.After), e.RequestID,
	} {
		fmt.Fprintf(h, "%d:%s,", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// recanonical returns b in canonical form; JSON that cannot be read is left
// as it is (its hash then matches no sealed entry).
func recanonical(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if c, err := canonical(b); err == nil {
		return c
	}
	return b
}

// canonical returns the JSON text b in the canonical form of RFC 8785 (JSON
// Canonicalization Scheme): object members sorted by the UTF-16 code units of
// their names, no whitespace, minimal string escapes, numbers as ECMAScript
// prints IEEE doubles.
func canonical(b []byte) (json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("audit: trailing data after JSON value")
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(w *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(x))
	case string:
		writeString(w, x)
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("audit: number %s is not an IEEE double", x)
		}
		if !strings.ContainsAny(x.String(), ".eE") && !exactInteger(x.String(), f) {
			return fmt.Errorf("audit: integer %s is not an IEEE double and cannot be sealed exactly", x)
		}
		w.WriteString(es6Number(f))
	case []any:
		w.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := writeCanonical(w, e); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case map[string]any:
		return writeObject(w, x, writeCanonical)
	default:
		return fmt.Errorf("audit: unexpected JSON value %T", v)
	}
	return nil
}

// writeValue writes a Go value as canonical JSON without the round trip
// through encoding/json that canonical takes: directly for what snapshots
// are made of (maps of strings, numbers, pointers and times), through
// json.Marshal and canonical for the rest (structs, their slices).
func writeValue(w *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		w.WriteString("null")
		return nil
	case time.Time:
		writeString(w, x.Format(time.RFC3339Nano))
		return nil
	case json.Marshaler:
	case map[string]any:
		return writeObject(w, x, writeValue)
	default:
		if ok, err := writeKind(w, reflect.ValueOf(v)); ok {
			return err
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c, err := canonical(b)
	w.Write(c)
	return err
}

// writeKind writes a pointer, string, boolean or number by its kind and
// reports whether it did: anything else goes through json.Marshal.
func writeKind(w *bytes.Buffer, rv reflect.Value) (bool, error) {
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			w.WriteString("null")
			return true, nil
		}
		return true, writeValue(w, rv.Elem().Interface())
	case reflect.String:
		writeString(w, rv.String())
		return true, nil
	case reflect.Bool:
		w.WriteString(strconv.FormatBool(rv.Bool()))
		return true, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := rv.Int()
		if n >= -maxExact && n <= maxExact {
			w.WriteString(strconv.FormatInt(n, 10)) // as ECMAScript prints it
			return true, nil
		}
		return true, writeCanonical(w, json.Number(strconv.FormatInt(n, 10)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := rv.Uint()
		if n <= maxExact {
			w.WriteString(strconv.FormatUint(n, 10))
			return true, nil
		}
		return true, writeCanonical(w, json.Number(strconv.FormatUint(n, 10)))
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return true, fmt.Errorf("audit: %v is not a JSON number", f)
		}
		w.WriteString(es6Number(f))
		return true, nil
	}
	return false, nil
}

// maxExact is 2^53: every integer up to it in magnitude is an IEEE double,
// which ECMAScript prints as the plain integer.
const maxExact = 1 << 53

// writeObject writes m with its members in canonical order, each value by
// write.
func writeObject(w *bytes.Buffer, m map[string]any, write func(*bytes.Buffer, any) error) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareUTF16)
	w.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			w.WriteByte(',')
		}
		writeString(w, k)
		w.WriteByte(':')
		if err := write(w, m[k]); err != nil {
			return err
		}
	}
	w.WriteByte('}')
	return nil
}

// compareUTF16 orders strings by their UTF-16 code units, as RFC 8785 sorts
// member names, without encoding them.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(utf16Unit(ra), utf16Unit(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Unit is the first UTF-16 code unit of r: r itself in the basic
// plane, its high surrogate beyond it.
func utf16Unit(r rune) rune {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return hi
	}
	return r
}

// exactInteger reports whether the integer literal s has exactly the value
// f. RFC 8785 reads numbers as IEEE doubles, so an integer that is not one
// (most beyond 2^53) would be sealed as another number.
func exactInteger(s string, f float64) bool {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return false
	}
	exact, _ := new(big.Float).SetFloat64(f).Int(nil)
	return n.Cmp(exact) == 0
}

// writeString escapes only what RFC 8785 requires: the quote, the backslash
// and control characters.
func writeString(w *bytes.Buffer, s string) {
	w.WriteByte('"')
	// Bytes that are not UTF-8 become U+FFFD below, one each, as they do
	// through encoding/json: the text written is what canonical would make.
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' }) {
		w.WriteString(s)
		w.WriteByte('"')
		return
	}
	for _, r := range s {
		switch r {
		case '"':
			w.WriteString(`\"`)
		case '\\':
			w.WriteString(`\\`)
		case '\b':
			w.WriteString(`\b`)
		case '\f':
			w.WriteString(`\f`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(w, `\u%04x`, r)
			} else {
				w.WriteRune(r)
			}
		}
	}
	w.WriteByte('"')
}

// es6Number prints f as ECMAScript's Number.prototype.toString does: the
// shortest digits that read back as f, in plain notation for magnitudes from
// 1e-6 up to 1e21 and in exponent notation otherwise.
func es6Number(f float64) string {
	if f == 0 {
		return "0" // and -0
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±xx
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	mant, exp, _ := strings.Cut(s, "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	k, n := len(digits), e+1 // f = 0.digits × 10^n
	switch {
	case k <= n && n <= 21:
		return sign + digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		return sign + digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		return sign + "0." + strings.Repeat("0", -n) + digits
	}
	m := digits[:1]
	if k > 1 {
		m += "." + digits[1:]
	}
	es := "+"
	if n-1 < 0 {
		es = "-"
	}
	return sign + m + "e" + es + strconv.Itoa(abs(n-1))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
