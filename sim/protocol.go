package sim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

// protocol is one of AWS's wire protocols. Each fixes how the operation is named in the request,
// how inputs are read, and how results and errors are written.
type protocol int

const (
	// protoJSON is awsJson1_1: POST /, X-Amz-Target: <prefix>.<Operation>, JSON in and out.
	// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
	protoJSON protocol = iota
	// protoQuery is awsQuery: form-encoded Action=<Operation>&Version=..., XML out wrapped in
	// <OpResponse><OpResult>. https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
	protoQuery
	// protoEC2 is ec2Query: the same requests, but an unwrapped <OpResponse> with a requestId and
	// its own error document. https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html
	protoEC2
	// protoRESTJSON is restJson1: the operation is the HTTP method and path, JSON bodies.
	// https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html
	protoRESTJSON
	// protoRESTXML is restXml (S3): method and path, XML bodies, <Error> documents.
	// https://smithy.io/2.0/aws/protocols/aws-restxml-protocol.html
	protoRESTXML
)

// apiError is an AWS error as a service answers it.
type apiError struct {
	Status  int
	Code    string
	Message string
	// Extra members of a JSON error body (Organizations' Reason, ...).
	Extra map[string]any
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// writeResult writes a successful answer in the service's protocol.
func (c *call) writeResult(w http.ResponseWriter, out any) {
	h := w.Header()
	h.Set("X-Amzn-RequestId", c.requestID)
	if rr, ok := out.(*rawResult); ok {
		rr.write(c, w)
		return
	}
	if hr, ok := out.(headResult); ok {
		for k, v := range hr {
			h.Set(k, v)
		}
		h.Set("X-Amz-Request-Id", c.requestID)
		w.WriteHeader(http.StatusOK)
		return
	}
	switch c.svc.protocol {
	case protoJSON, protoRESTJSON:
		body, err := json.Marshal(out)
		if err != nil {
			c.writeError(w, errorf(500, "InternalFailure", "sim: encode %s result: %v", c.op, err))
			return
		}
		if c.svc.protocol == protoJSON {
			h.Set("Content-Type", "application/x-amz-json-1.1")
		} else {
			h.Set("Content-Type", "application/json")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	case protoQuery:
		var b bytes.Buffer
		fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, c.op, c.svc.xmlns)
		if out != nil {
			if err := xml.NewEncoder(&b).Encode(out); err != nil {
				c.writeError(w, errorf(500, "InternalFailure", "sim: encode %s result: %v", c.op, err))
				return
			}
		}
		fmt.Fprintf(&b, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, c.requestID, c.op)
		writeXML(w, http.StatusOK, b.Bytes())
	case protoEC2, protoRESTXML:
		var b bytes.Buffer
		b.WriteString(xml.Header)
		if err := xml.NewEncoder(&b).Encode(out); err != nil {
			c.writeError(w, errorf(500, "InternalFailure", "sim: encode %s result: %v", c.op, err))
			return
		}
		writeXML(w, http.StatusOK, b.Bytes())
	}
}

func writeXML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes err in the shape the service's SDK deserializer reads its error code from.
func (c *call) writeError(w http.ResponseWriter, e *apiError) {
	c.code = e.Code
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	h := w.Header()
	h.Set("X-Amzn-RequestId", c.requestID)
	switch c.svc.protocol {
	case protoJSON, protoRESTJSON:
		// JSON protocols: the code travels in X-Amzn-ErrorType (which the SDK prefers) and __type.
		h.Set("X-Amzn-ErrorType", e.Code)
		m := map[string]any{"__type": e.Code, "message": e.Message}
		for k, v := range e.Extra {
			m[k] = v
		}
		body, _ := json.Marshal(m)
		if c.svc.protocol == protoJSON {
			h.Set("Content-Type", "application/x-amz-json-1.1")
		} else {
			h.Set("Content-Type", "application/json")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
	case protoQuery:
		kind := "Sender"
		if status >= 500 {
			kind = "Receiver"
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			c.svc.xmlns, kind, xmlEscape(e.Code), xmlEscape(e.Message), c.requestID)
		writeXML(w, status, b.Bytes())
	case protoEC2:
		var b bytes.Buffer
		fmt.Fprintf(&b, `%s<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
			xml.Header, xmlEscape(e.Code), xmlEscape(e.Message), c.requestID)
		writeXML(w, status, b.Bytes())
	case protoRESTXML:
		var b bytes.Buffer
		fmt.Fprintf(&b, `%s<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>`,
			xml.Header, xmlEscape(e.Code), xmlEscape(e.Message), c.requestID)
		h.Set("X-Amz-Request-Id", c.requestID)
		writeXML(w, status, b.Bytes())
	}
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
