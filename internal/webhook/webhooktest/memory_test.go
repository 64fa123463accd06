package webhooktest_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	webhooktest.Contract(t, func(*testing.T) webhooktest.Backend { return webhooktest.NewMemory() })
}
