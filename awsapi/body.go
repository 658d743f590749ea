package awsapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ownBodyClient gives net/http a request body of its own, so the SDK closing its body early cannot
// cut the request short.
//
// The SDK closes a request's body as soon as the HTTP client returns the response headers
// (smithy-go transport/http/client.go, ClientHandler.Handle), while net/http's writeLoop may not
// have finished with it: after the Content-Length bytes are on the wire it reads the body once more
// to check it is at its end (net/http transfer.go, transferWriter.writeBody). When the response comes
// back first — on a fast endpoint under load, such as the simulator on the same machine — that read
// hits the closed body, whose WriteTo answers io.EOF as an error; the transport then closes the
// connection while the response body is being read. The call fails with "use of closed network
// connection", the SDK logs "failed to discard remaining HTTP response body" and retries it (it
// retries net.ErrClosed: https://github.com/aws/aws-sdk-go-v2/pull/2949; the symptom is
// https://github.com/aws/aws-sdk-go-v2/issues/2737).
//
// The bodies lz2ct sends are small (query and JSON requests, policy documents), so a copy costs
// little; a *bytes.Reader also lets net/http send the headers and the body in one write instead of
// flushing the headers first. Bodies of unknown length (streams) go through as they are.
//
// Wrapping also makes the client something other than the SDK's BuildableClient, so service
// clients use it as it is: they do not clone it into one transport (and one connection pool) per
// service client when a defaults mode or read timeout applies (the service packages'
// resolveHTTPClient).
type ownBodyClient struct{ next aws.HTTPClient }

// maxCopiedBody is the largest request body copied: lz2ct's are kilobytes (policy documents are at
// most 5,120 characters, an SCP); a large upload, which lz2ct does not make today, goes through
// as it is rather than doubling its memory.
const maxCopiedBody = 1 << 20

func (c ownBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength <= 0 || req.ContentLength > maxCopiedBody {
		return c.next.Do(req)
	}
	buf := make([]byte, req.ContentLength)
	_, err := io.ReadFull(req.Body, buf)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the %d-byte request body: %w", req.ContentLength, err)
	}
	own := req.WithContext(req.Context()) // a shallow copy: the caller's request keeps its own body
	own.Body = io.NopCloser(bytes.NewReader(buf))
	own.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	return c.next.Do(own)
}
