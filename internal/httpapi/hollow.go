package httpapi

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
)

// The overview with every ID is written as it goes (docs/performance.md,
// "Memory"): at 200,000 projects its JSON is some 40 MB, which
// json.Marshal would build whole (in a buffer it grows past that and then
// copies). writeHollow writes the same bytes through a small buffer: it
// marshals a skeleton of the answer, in which each list of IDs is a list of
// one token, and writes the skeleton out with each token's list written in
// its place, one ID at a time. The shape stays the api types' and
// encoding/json's, whatever they become; only the lists' elements are
// written here, escaped as encoding/json escapes them.

// hollowBuffer is the size of the buffer the answer goes through.
const hollowBuffer = 64 << 10

// hollow is a skeleton's lists: the token of list i is nonce-i, the nonce
// drawn for each answer, so that no string of the answer can be taken for
// a token.
type hollow struct {
	nonce string
	lists [][]string
}

// writeHollow writes to w what json.Marshal(v) gives, v being a struct the
// caller built for the answer: every non-empty []string reachable from it
// through structs, pointers and slices is written element by element, and
// the lists themselves are never copied. The structs and slices under v's
// pointers and slices are changed on the way: they must be v's own.
func writeHollow(w io.Writer, v any) error {
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return err
	}
	h := &hollow{nonce: hex.EncodeToString(nonce[:])}
	skeleton := reflect.New(reflect.TypeOf(v))
	skeleton.Elem().Set(reflect.ValueOf(v))
	h.carve(skeleton.Elem())
	b, err := json.Marshal(skeleton.Interface())
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, hollowBuffer)
	if err := h.fill(bw, b); err != nil {
		return err
	}
	return bw.Flush()
}

var stringsType = reflect.TypeFor[[]string]()

// carve replaces each non-empty []string under v by its token's list of
// one, keeping the list; an empty list stays [] and a nil one null.
func (h *hollow) carve(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			h.carve(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				h.carve(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type() != stringsType {
			for i := range v.Len() {
				h.carve(v.Index(i))
			}
			return
		}
		if v.Len() > 0 {
			h.lists = append(h.lists, v.Interface().([]string))
			v.Set(reflect.ValueOf([]string{h.nonce + "-" + strconv.Itoa(len(h.lists)-1)}))
		}
	}
}

// fill writes skeleton to w with each token's list in place of the list of
// the token alone. Each list must be found once.
func (h *hollow) fill(w *bufio.Writer, skeleton []byte) error {
	open := []byte(`["` + h.nonce + "-")
	found := make([]bool, len(h.lists))
	for n := 0; ; n++ {
		i := bytes.Index(skeleton, open)
		if i < 0 {
			if n != len(h.lists) {
				return fmt.Errorf("hollow answer: %d of %d lists found", n, len(h.lists))
			}
			_, err := w.Write(skeleton)
			return err
		}
		rest := skeleton[i+len(open):]
		end := bytes.Index(rest, []byte(`"]`))
		k, err := strconv.Atoi(string(rest[:max(end, 0)]))
		if end < 0 || err != nil || k < 0 || k >= len(found) || found[k] {
			return fmt.Errorf("hollow answer: a token at byte %d is not one of the answer's", i)
		}
		found[k] = true
		if _, err := w.Write(skeleton[:i]); err != nil {
			return err
		}
		if err := writeStrings(w, h.lists[k]); err != nil {
			return err
		}
		skeleton = rest[end+len(`"]`):]
	}
}

// writeStrings writes ids as json.Marshal writes a []string.
func writeStrings(w *bufio.Writer, ids []string) error {
	_ = w.WriteByte('[')
	for i, s := range ids {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		if !verbatim(s) {
			b, err := json.Marshal(s)
			if err != nil {
				return err
			}
			_, _ = w.Write(b)
			continue
		}
		_ = w.WriteByte('"')
		_, _ = w.WriteString(s)
		_ = w.WriteByte('"')
	}
	// A bufio.Writer's error sticks: the last write tells of any before.
	return w.WriteByte(']')
}

// verbatim reports whether encoding/json writes s as it is between its
// quotes: printable ASCII without the quote, the backslash and the
// characters it escapes for HTML. Others (none in a UUID) are marshalled.
func verbatim(s string) bool {
	for i := range len(s) {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
