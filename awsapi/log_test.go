package awsapi

import (
	"testing"

	"github.com/aws/smithy-go/logging"
)

// The SDK's warnings about draining a response body are counted, not printed; other lines are
// printed, tagged as the SDK's.
func TestSDKLogCountsRecoveredWarnings(t *testing.T) {
	var printed []string
	l := &SDKLog{Print: func(s string) { printed = append(printed, s) }}
	l.Logf(logging.Warn, "failed to discard remaining HTTP response body, this may affect connection reuse: %v", "read tcp: use of closed network connection")
	l.Logf(logging.Warn, "failed to close HTTP response body, this may affect connection reuse: %v", "x")
	l.Logf(logging.Warn, "falling back to IMDSv1: %v", "403")
	if got := l.Recovered(); got != 2 {
		t.Errorf("Recovered() = %d, want 2", got)
	}
	if len(printed) != 1 || printed[0] != "AWS SDK WARN: falling back to IMDSv1: 403" {
		t.Errorf("printed %q, want the IMDS line only", printed)
	}
	(&SDKLog{}).Logf(logging.Warn, "dropped: %d", 1) // nil Print drops
}
