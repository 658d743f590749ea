package awsapi

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/aws/smithy-go/logging"
)

// recoveredWarnings start the SDK's log lines about a response body it could not drain or close
// (smithy-go transport/http/middleware_close_response_body.go): they concern reusing the
// connection only; the call itself succeeded, or failed and is retried, and a call that finally
// fails returns its error to lz2ct, which reports it.
var recoveredWarnings = []string{
	"failed to discard remaining HTTP response body",
	"failed to close HTTP response body",
}

// SDKLog takes the SDK's own log lines (Options.Logger) so that they never write over a command's
// progress display: the transport warnings the SDK recovers from are counted, every other line
// goes to Print, which the command draws between its progress lines.
type SDKLog struct {
	// Print receives one line per SDK log entry, without a trailing newline; nil drops them.
	Print     func(line string)
	recovered atomic.Int64
}

// Logf implements logging.Logger.
func (l *SDKLog) Logf(c logging.Classification, format string, v ...any) {
	for _, p := range recoveredWarnings {
		if strings.HasPrefix(format, p) {
			l.recovered.Add(1)
			return
		}
	}
	if l.Print != nil {
		l.Print(fmt.Sprintf("AWS SDK %s: %s", c, fmt.Sprintf(format, v...)))
	}
}

// Recovered is how many transport warnings the SDK recovered from were counted.
func (l *SDKLog) Recovered() int64 { return l.recovered.Load() }
