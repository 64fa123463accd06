package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUploads(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, int64(20<<20), c.Uploads.MaxBytes, "20 MiB")
	assert.Equal(t, []string{"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "application/pdf"}, c.Uploads.Types)
	assert.Empty(t, c.Uploads.BlobURL, "the database keeps the contents")
	assert.Equal(t, 10*time.Minute, c.Uploads.Timeout, "an upload may take longer than the read deadline")

	c, err = Load(env(map[string]string{
		"PIPELINE_UPLOAD_MAX_BYTES": "1048576", "PIPELINE_UPLOAD_TYPES": "image/JPEG, application/pdf",
		"PIPELINE_BLOB_URL":       "s3://evidence?endpoint=http://127.0.0.1:9000&region=cn-north-1",
		"PIPELINE_UPLOAD_TIMEOUT": "30m",
	}))
	require.NoError(t, err)
	assert.Equal(t, int64(1<<20), c.Uploads.MaxBytes)
	assert.Equal(t, []string{"image/jpeg", "application/pdf"}, c.Uploads.Types)
	assert.Equal(t, 30*time.Minute, c.Uploads.Timeout)
	assert.Contains(t, c.LogValue().String(), "s3://evidence")
	assert.NotContains(t, c.LogValue().String(), "9000", "the bucket's query stays out of the log")

	for name, e := range map[string]map[string]string{
		"PIPELINE_UPLOAD_MAX_BYTES": {"PIPELINE_UPLOAD_MAX_BYTES": "0"},
		"PIPELINE_UPLOAD_TYPES":     {"PIPELINE_UPLOAD_TYPES": "jpeg"},
		"PIPELINE_BLOB_URL":         {"PIPELINE_BLOB_URL": "https://bucket.example.org"},
		"PIPELINE_UPLOAD_TIMEOUT":   {"PIPELINE_UPLOAD_TIMEOUT": "13h"},
	} {
		_, err := Load(env(e))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), name)
	}
}
