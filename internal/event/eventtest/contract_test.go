package eventtest_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/event/eventtest"
)

func TestMemoryContract(t *testing.T) {
	t.Parallel()
	eventtest.Contract(t, func(*testing.T) event.Store { return eventtest.NewMemory() })
}
