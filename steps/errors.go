package steps

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/lz2ct/lz2ct/awsapi"
)

// Class is what an error of Start means for the step.
type Class int

// Error classes.
const (
	// Failed: the step failed; the engine records the error and what to do, and stops what depends
	// on the step.
	Failed Class = iota
	// AlreadyDone: the call's effect is already in place (NoSuchConfigurationRecorderException on a
	// delete, PolicyNotAttachedException on a detach): the engine verifies and goes on.
	AlreadyDone
	// RetryLater: another operation holds the resource, or AWS throttles, or the call's outcome is
	// unknown (the connection broke): the engine pauses, observes again, and starts again if
	// the effect is still missing.
	RetryLater
)

func (c Class) String() string {
	switch c {
	case AlreadyDone:
		return "already done"
	case RetryLater:
		return "retry later"
	}
	return "failed"
}

// retryCodes are AWS error codes that mean "not now": throttling (the SDK's standard retryer
// already retried them), and another operation in progress on the same resource.
var retryCodes = map[string]bool{
	// Throttling, as the services spell it (aws/retry DefaultThrottleErrorCodes).
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottledException": true,
	"TooManyRequestsException": true, "ProvisionedThroughputExceededException": true, "TransactionInProgressException": true,
	"RequestLimitExceeded": true, "BandwidthLimitExceeded": true, "RequestThrottled": true,
	"SlowDown": true, "PriorRequestNotComplete": true, "EC2ThrottledException": true,
	// Control Tower runs one operation at a time and answers ConflictException meanwhile; the SDK
	// does not retry it (https://docs.aws.amazon.com/controltower/latest/APIReference/API_EnableBaseline.html).
	"ConflictException": true,
	// One operation per StackSet at a time
	// (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStackInstances.html).
	"OperationInProgressException": true,
	// Organizations serializes changes to one entity
	// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html).
	"ConcurrentModificationException": true, "PolicyChangesInProgressException": true,
	// Transient service-side failures the SDK gave up retrying.
	"ServiceException": true, "InternalFailure": true, "InternalError": true, "ServiceUnavailable": true,
}

// DefaultClass classifies errors every kind treats alike: "not now" codes and AWS calls that got no
// answer (a broken connection, a timeout: the outcome is unknown, so the engine observes before it
// calls again) are RetryLater; everything else Failed, including errors that did not come from an
// AWS call. A stopped context is Failed here: the engine tells a stop from a failure itself.
func DefaultClass(err error) Class {
	if err == nil {
		return AlreadyDone
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Failed
	}
	var nr *notYet
	if errors.As(err, &nr) {
		return RetryLater
	}
	code, _ := awsapi.ErrorCode(err)
	if code == "" {
		var oe *smithy.OperationError
		if errors.As(err, &oe) {
			return RetryLater // the call was sent and no answer came back
		}
		return Failed
	}
	if retryCodes[code] {
		return RetryLater
	}
	return Failed
}

// DoneOn returns a classifier for which the given AWS error codes mean AlreadyDone, and anything
// else is classified by DefaultClass.
func DoneOn(codes ...string) func(error) Class {
	set := map[string]bool{}
	for _, c := range codes {
		set[c] = true
	}
	return func(err error) Class {
		if code, _ := awsapi.ErrorCode(err); set[code] {
			return AlreadyDone
		}
		return DefaultClass(err)
	}
}

// advised is an error with what the operator should do about it.
type advised struct {
	err    error
	advice string
}

func (e *advised) Error() string { return e.err.Error() }
func (e *advised) Unwrap() error { return e.err }

// Advise attaches what to do to an error; the run's summary and the journal show both.
func Advise(err error, advice string) error {
	if err == nil {
		return nil
	}
	return &advised{err: err, advice: advice}
}

// AdviceOf returns the advice attached to err ("" when none).
func AdviceOf(err error) string {
	var adv *advised
	if errors.As(err, &adv) {
		return adv.advice
	}
	return ""
}

// notYet marks a Verify error as "not visible yet": AWS's read APIs are eventually consistent, so
// the engine verifies again a few times before it calls the step failed.
type notYet struct{ err error }

func (e *notYet) Error() string { return e.err.Error() }
func (e *notYet) Unwrap() error { return e.err }

// NotYet wraps a Verify (or Observe) error that may clear by itself shortly (eventual consistency).
func NotYet(err error) error {
	if err == nil {
		return nil
	}
	return &notYet{err: err}
}

// IsNotYet reports whether err was wrapped with NotYet.
func IsNotYet(err error) bool {
	var nr *notYet
	return errors.As(err, &nr)
}

// Code returns err's AWS error code ("" when AWS did not answer).
func Code(err error) string {
	code, _ := awsapi.ErrorCode(err)
	return code
}

// HasCode reports whether err's AWS error code is one of codes, or starts with "NoSuch" when
// "NoSuch*" is among them.
func HasCode(err error, codes ...string) bool {
	code := Code(err)
	if code == "" {
		return false
	}
	for _, c := range codes {
		if c == code || (strings.HasSuffix(c, "*") && strings.HasPrefix(code, strings.TrimSuffix(c, "*"))) {
			return true
		}
	}
	return false
}
