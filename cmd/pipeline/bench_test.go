package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBenchNeedsADatabase(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "-rounds", "1"}, envOf(map[string]string{}), &out, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PIPELINE_BENCH_DATABASE_URL")
}

func TestBenchRedactsThePassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want []string }{
		{[]string{"-full"}, []string{"-full"}},
		{[]string{"-database-url", "postgres://u:secret@127.0.0.1/db", "-full"}, []string{"-database-url", "postgres://u:xxxxx@127.0.0.1/db", "-full"}},
		{[]string{"--database-url=postgres://u:secret@127.0.0.1/db"}, []string{"--database-url=postgres://u:xxxxx@127.0.0.1/db"}},
		{[]string{"-database-url"}, []string{"-database-url"}},
	} {
		assert.Equal(t, tc.want, redacted(tc.in))
	}
}
