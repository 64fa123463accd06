package departmenttest

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/department"
)

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

// StoreContract checks that st keeps what department.Store documents: List
// holds every department, ordered by code; Create refuses a taken code
// (Conflict, naming code not_unique) and keeps the department that holds
// it; Update loads a department, changes it and saves what the change
// made, an unknown code being NotFound without a call of the change, and a
// change that fails saving nothing and answering its error; concurrent
// updates of one department each see what the one before saved. Values come
// back as they were written. A store may hold departments already (the SQL
// one is seeded): each case makes departments of its own, with codes no
// other case uses, so that the cases share st and run in parallel.
func StoreContract(t *testing.T, st department.Store) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, st department.Store)
	}{
		{"a department comes back as created", roundTrip},
		{"departments are listed by code", listedByCode},
		{"a taken code is a conflict and the holder stays", codeTaken},
		{"an update saves what the change made", updateSaves},
		{"an update of an unknown code is not found", updateUnknown},
		{"a change that fails saves nothing", changeFails},
		{"concurrent updates lose none", concurrentUpdates},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, st)
		})
	}
}

// newCode returns a department code no other call returns: a letter and
// hex digits, as ^[a-z][a-z0-9_]{1,31}$ allows.
func newCode(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "t" + hex.EncodeToString(b)
}

func create(t *testing.T, st department.Store, ds ...department.Department) {
	t.Helper()
	for _, d := range ds {
		require.NoError(t, st.Create(context.Background(), d, at))
	}
}

// find lists st and returns the department of code, failing t when there
// is none.
func find(t *testing.T, st department.Store, code string) department.Department {
	t.Helper()
	ds, err := st.List(context.Background())
	require.NoError(t, err)
	i := slices.IndexFunc(ds, func(d department.Department) bool { return d.Code == code })
	require.NotEqual(t, -1, i, "department %s is listed", code)
	return ds[i]
}

func roundTrip(t *testing.T, st department.Store) {
	d := department.Department{Code: newCode(t), Name: "文化和旅游局（文物局）\t新设", NameEN: "Culture, Tourism & «Heritage» Bureau", Version: 7}
	bare := department.Department{Code: newCode(t), Name: "县总工会", Version: 1}
	create(t, st, d, bare)
	assert.Equal(t, d, find(t, st, d.Code))
	assert.Equal(t, bare, find(t, st, bare.Code), "an empty English name stays empty")
}

func listedByCode(t *testing.T, st department.Store) {
	prefix := newCode(t)
	codes := []string{prefix + "_b", prefix + "_a", prefix + "_c", prefix + "_a1", prefix}
	for i, c := range codes {
		create(t, st, department.Department{Code: c, Name: "部门" + c, Version: i + 1})
	}
	ds, err := st.List(context.Background())
	require.NoError(t, err)
	var mine []department.Department
	for _, d := range ds {
		if slices.Contains(codes, d.Code) {
			mine = append(mine, d)
		}
	}
	assert.Equal(t, []department.Department{
		{Code: prefix, Name: "部门" + prefix, Version: 5},
		{Code: prefix + "_a", Name: "部门" + prefix + "_a", Version: 2},
		{Code: prefix + "_a1", Name: "部门" + prefix + "_a1", Version: 4},
		{Code: prefix + "_b", Name: "部门" + prefix + "_b", Version: 1},
		{Code: prefix + "_c", Name: "部门" + prefix + "_c", Version: 3},
	}, mine)
	assert.True(t, slices.IsSortedFunc(ds, func(a, b department.Department) int { return cmp.Compare(a.Code, b.Code) }),
		"the whole list is ordered by code")
}

func codeTaken(t *testing.T, st department.Store) {
	first := department.Department{Code: newCode(t), Name: "能源局", NameEN: "Energy Bureau", Version: 2}
	create(t, st, first)
	err := st.Create(context.Background(), department.Department{Code: first.Code, Name: "另一个局", Version: 1}, at)
	require.Equal(t, apperr.Conflict, apperr.KindOf(err), "error: %v", err)
	assert.Equal(t, []apperr.FieldError{{Field: "code", Code: "not_unique"}}, apperr.As(err).Fields)
	assert.Equal(t, first, find(t, st, first.Code), "the holder of the code is as it was")
}

func updateSaves(t *testing.T, st department.Store) {
	d := department.Department{Code: newCode(t), Name: "水务局", NameEN: "Water Bureau", Version: 3}
	create(t, st, d)
	var seen department.Department
	got, err := st.Update(context.Background(), d.Code, at.Add(time.Hour), func(x *department.Department) error {
		seen = *x
		x.Name, x.NameEN, x.Version = "水利局", "", 4
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, d, seen, "the change sees the stored department")
	want := department.Department{Code: d.Code, Name: "水利局", Version: 4}
	assert.Equal(t, want, got, "the update answers what it saved")
	assert.Equal(t, want, find(t, st, d.Code))
}

func updateUnknown(t *testing.T, st department.Store) {
	called := false
	_, err := st.Update(context.Background(), newCode(t), at, func(*department.Department) error {
		called = true
		return nil
	})
	require.ErrorIs(t, err, apperr.ErrNotFound)
	assert.False(t, called, "nothing to change")
}

func changeFails(t *testing.T, st department.Store) {
	d := department.Department{Code: newCode(t), Name: "商务局", NameEN: "Commerce Bureau", Version: 5}
	create(t, st, d)
	for _, want := range []error{errors.New("the change refuses"), apperr.ErrVersionConflict,
		apperr.Fields([]apperr.FieldError{{Field: "name", Code: "required"}})} {
		_, err := st.Update(context.Background(), d.Code, at, func(x *department.Department) error {
			x.Name, x.Version = "改了一半", 6
			return want
		})
		require.ErrorIs(t, err, want)
		assert.Equal(t, apperr.KindOf(want), apperr.KindOf(err), "the change's kind of error stays")
		assert.Equal(t, d, find(t, st, d.Code), "nothing saved")
	}
}

func concurrentUpdates(t *testing.T, st department.Store) {
	const n = 8
	d := department.Department{Code: newCode(t), Name: "交通运输局", Version: 1}
	create(t, st, d)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = st.Update(context.Background(), d.Code, at, func(x *department.Department) error {
				x.Version++
				x.Name += "+"
				return nil
			})
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got := find(t, st, d.Code)
	assert.Equal(t, 1+n, got.Version, "each update saw the one before")
	assert.Equal(t, d.Name+"++++++++", got.Name)
}
