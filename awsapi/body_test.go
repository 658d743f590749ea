package awsapi

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// The race behind "failed to discard remaining HTTP response body ... use of closed network
// connection", made to happen every time: the connection holds net/http's writeLoop right after
// the request body is on the wire until the SDK has closed its body (it does once the response
// headers are in), and the server sends the response body a moment after that. With the SDK's
// body handed to net/http as it is, the writeLoop's check that the body is at its end reads the
// closed body, gets io.EOF and closes the connection under the response: the call is retried on
// a new connection and the SDK logs the warning. With ownBodyClient one connection serves both
// calls, each sent once.
func TestSDKClosingItsBodyEarlyKeepsTheConnection(t *testing.T) {
	const body = "Action=GetCallerIdentity&Version=2011-06-15" // what the SDK sends (awsquery)
	closed := make(chan struct{})                              // the SDK has closed the first request's body
	var closeOnce sync.Once
	var requests, dials atomic.Int32

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-closed
		time.Sleep(50 * time.Millisecond) // the window in which the writeLoop would close the connection
		io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::111111111111:user/x</Arn><UserId>AIDA</UserId><Account>111111111111</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return &holdAfterBody{Conn: c, suffix: []byte(body), release: closed}, err
	}
	var rec recordingLogger
	cfg := aws.Config{Region: "us-east-1", Logger: &rec, BaseEndpoint: aws.String("http://" + ln.Addr().String()),
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "x"}, nil
		})),
		HTTPClient: ownBodyClient{awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DialContext = dial })},
	}
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			// Innermost in the deserialize step: runs right after the SDK's HTTP handler sent the
			// request, got the headers and closed the request body.
			return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc("bodyClosed",
				func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleDeserialize(ctx, in)
					closeOnce.Do(func() { close(closed) })
					return out, md, err
				}), middleware.After)
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 2 {
		if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("the server answered %d requests for 2 calls, want 2 (a call was retried)", n)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections dialed for 2 calls in a row, want 1 (the first was closed under its response)", n)
	}
	for _, l := range rec.lines {
		t.Errorf("SDK log line: %s", l)
	}
}

// holdAfterBody holds the write that ends with suffix (the request body) until release is closed,
// after the bytes went out: the server answers while net/http's writeLoop has not yet finished
// writing the request.
type holdAfterBody struct {
	net.Conn
	suffix  []byte
	release <-chan struct{}
}

func (c *holdAfterBody) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err == nil && bytes.HasSuffix(p, c.suffix) {
		<-c.release
	}
	return n, err
}

// Load installs ownBodyClient on every configuration, with and without Isolated.
func TestLoadGivesRequestsTheirOwnBody(t *testing.T) {
	creds := &aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "x"}
	for _, isolated := range []bool{false, true} {
		c, err := Load(context.Background(), Options{Region: "us-east-1", Static: creds, EndpointURL: "http://127.0.0.1:1", Isolated: isolated})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Management().HTTPClient.(ownBodyClient); !ok {
			t.Errorf("isolated=%v: HTTP client %T, want ownBodyClient", isolated, c.Management().HTTPClient)
		}
		c.Close()
	}
}

// The caller's request keeps its body (the SDK closes and rewinds it), net/http gets an in-memory
// copy of every byte, and a body of unknown length goes through untouched.
func TestOwnBodyClientCopiesTheBody(t *testing.T) {
	var got *http.Request
	var sent string
	next := doFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		b, _ := io.ReadAll(r.Body)
		sent = string(b)
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", io.NopCloser(strings.NewReader("Action=X")))
	req.ContentLength = 8
	orig := req.Body
	if _, err := (ownBodyClient{next}).Do(req); err != nil {
		t.Fatal(err)
	}
	if got == req || req.Body != orig {
		t.Error("the caller's request was changed; want a copy sent")
	}
	if sent != "Action=X" {
		t.Errorf("sent body %q, want %q", sent, "Action=X")
	}
	if b, _ := got.GetBody(); b == nil {
		t.Error("GetBody is nil")
	}

	stream := io.NopCloser(strings.NewReader("chunk"))
	req, _ = http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", stream)
	req.ContentLength = -1
	if _, err := (ownBodyClient{next}).Do(req); err != nil {
		t.Fatal(err)
	}
	if got != req {
		t.Error("a body of unknown length was copied; want it sent as it is")
	}

	large := strings.Repeat("x", maxCopiedBody+1)
	req, _ = http.NewRequest(http.MethodPut, "http://127.0.0.1:1/", io.NopCloser(strings.NewReader(large)))
	req.ContentLength = int64(len(large))
	if _, err := (ownBodyClient{next}).Do(req); err != nil {
		t.Fatal(err)
	}
	if got != req || sent != large {
		t.Error("a body over maxCopiedBody was copied; want it sent as it is")
	}
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
