package discover

import (
	"testing"
	"time"
)

func TestRemaining(t *testing.T) {
	for _, tt := range []struct {
		elapsed     time.Duration
		done, total int
		want        time.Duration
	}{
		{10 * time.Second, 0, 100, 0},                 // nothing read yet: no rate
		{10 * time.Second, 50, 100, 10 * time.Second}, // half in 10 s: 10 s more
		{10 * time.Second, 25, 100, 30 * time.Second}, // a quarter in 10 s: three quarters in 30 s
		{90 * time.Second, 100, 100, 0},               // finished
		{time.Second, 1, 5000, 4999 * time.Second},    // the first account of 5,000
	} {
		if got := remaining(tt.elapsed, tt.done, tt.total); got != tt.want {
			t.Errorf("remaining(%s, %d, %d) = %s, want %s", tt.elapsed, tt.done, tt.total, got, tt.want)
		}
	}
}
