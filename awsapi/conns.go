package awsapi

import (
	"context"
	"net"
	"sync"
	"time"
)

// connTracker remembers the connections the client set opened, so Close can drop them. The SDK
// wraps its transport in a type without CloseIdleConnections, so this is the one reliable handle.
type connTracker struct {
	dialer *net.Dialer
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
}

func newConnTracker() *connTracker {
	// The SDK's default dialer settings (aws/transport/http: 30 s connect timeout and keep-alive).
	return &connTracker{dialer: &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second},
		conns: map[*trackedConn]struct{}{}}
}

func (t *connTracker) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := t.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: t}
	t.mu.Lock()
	t.conns[tc] = struct{}{}
	t.mu.Unlock()
	return tc, nil
}

// closeAll closes every open connection; calls in flight fail, so call it when none are.
func (t *connTracker) closeAll() {
	t.mu.Lock()
	conns := make([]*trackedConn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

type trackedConn struct {
	net.Conn
	t    *connTracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.conns, c)
		c.t.mu.Unlock()
	})
	return c.Conn.Close()
}
