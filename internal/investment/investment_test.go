package investment

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParsePeriod(t *testing.T) {
	for s, ok := range map[string]bool{
		"2021-01": true, "2021-12": true, "2021-13": false, "2021-00": false, "2021-1": false, "21-05": false,
		"2021-05-01": false, "1999-12": false, "": false, "2021/05": false, " 2021-05": false,
	} {
		p, err := ParsePeriod(s)
		if ok {
			assert.NoError(t, err, s)
			assert.Equal(t, s, p.String())
		} else {
			assert.Error(t, err, s)
		}
	}
}
