package authtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/apperr"
)

// The suites check with the testing package alone: testify would make this
// package depend on net/http.

// at is the suites' instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

// shanghai is the county's zone: a time given in it comes back as the same
// instant in UTC.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// unique returns prefix and 12 random lower-case hex digits: a name no other
// case of a suite uses, which sorts in any collation as in byte order.
func unique(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func newID() string { return uuid.NewString() }

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func equal(t *testing.T, want, got any, what string) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

// wantKind fails t unless err is of kind k, and returns it.
func wantKind(t *testing.T, k apperr.Kind, err error, what string) *apperr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %s", what, k.Code())
	}
	if got := apperr.KindOf(err); got != k {
		t.Fatalf("%s: error %v is %s, want %s", what, err, got.Code(), k.Code())
	}
	return apperr.As(err)
}

// wantField fails t unless err is of kind k and names the field error f.
func wantField(t *testing.T, k apperr.Kind, f apperr.FieldError, err error, what string) {
	t.Helper()
	if e := wantKind(t, k, err, what); !slices.Contains(e.Fields, f) {
		t.Errorf("%s: fields %v lack %v", what, e.Fields, f)
	}
}

// errChange is what a change given to an update answers to refuse it.
var errChange = errors.New("the change refuses")

// wantIs fails t unless err is target or wraps it.
func wantIs(t *testing.T, target, err error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}
