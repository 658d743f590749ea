package steps

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/lz2ct/lz2ct/plans"
)

// requireAll turns the catalogue test from a list into a failure. Wave 1 implements the kinds the
// simulator can prove today; the others land one file each. Set it to true once Missing() is
// empty: the test says so itself.
const requireAll = true

func TestCatalogueCoversThePlanKinds(t *testing.T) {
	missing := Missing()
	if requireAll && len(missing) > 0 {
		t.Fatalf("plan kinds without an implementation in steps/: %s", strings.Join(missing, ", "))
	}
	if !requireAll && len(missing) == 0 {
		t.Fatal("every plan kind is implemented: set requireAll = true so a new kind without one fails")
	}
	if len(missing) > 0 {
		t.Logf("%d of %d plan kinds are not implemented yet: %s", len(missing), len(plans.Kinds()), strings.Join(missing, ", "))
	}
	for _, k := range Kinds() {
		if _, ok := plans.LookupKind(k); !ok {
			t.Errorf("implemented kind %s is not a plan kind", k)
		}
	}
	for _, k := range []string{plans.KindExportSCP, plans.KindSCPDetach, plans.KindManual, plans.KindVerify} {
		if _, ok := Lookup(k); !ok {
			t.Errorf("wave-1 kind %s is not registered", k)
		}
	}
}

func TestRegisterRefusesBadDefs(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("twice", func() {
		Register(Def[plans.Verify]{Observe: func(context.Context, *Exec, plans.Verify) (Observation, error) { return Observation{}, nil },
			Verify: func(context.Context, *Exec, plans.Verify) (Outputs, error) { return nil, nil }})
	})
	mustPanic("no observe", func() {
		Register(Def[plans.OUDelete]{Verify: func(context.Context, *Exec, plans.OUDelete) (Outputs, error) { return nil, nil }})
	})
}

func apiErr(code string) error {
	return &smithy.OperationError{ServiceID: "Organizations", OperationName: "DetachPolicy",
		Err: &smithy.GenericAPIError{Code: code, Message: "m"}}
}

func TestClassify(t *testing.T) {
	detach, _ := Lookup(plans.KindSCPDetach)
	export, _ := Lookup(plans.KindExportSCP)
	lost := &smithy.OperationError{ServiceID: "Organizations", OperationName: "DetachPolicy", Err: errors.New("connection reset by peer")}
	for _, tc := range []struct {
		im   *Impl
		err  error
		want Class
	}{
		{detach, apiErr("PolicyNotAttachedException"), AlreadyDone},
		{detach, apiErr("TargetNotFoundException"), AlreadyDone},
		{detach, apiErr("ConcurrentModificationException"), RetryLater},
		{detach, apiErr("TooManyRequestsException"), RetryLater},
		{detach, apiErr("AccessDeniedException"), Failed},
		{detach, apiErr("ConstraintViolationException"), Failed},
		{detach, lost, RetryLater},
		{detach, context.Canceled, Failed},
		{detach, errors.New("a bug"), Failed},
		{export, apiErr("PolicyNotFoundException"), Failed},
		{export, apiErr("ConflictException"), RetryLater},
		{export, apiErr("OperationInProgressException"), RetryLater},
	} {
		if got := tc.im.Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tc.im.Kind(), tc.err, got, tc.want)
		}
	}
	if AdviceOf(Advise(apiErr("X"), "do Y")) != "do Y" || AdviceOf(apiErr("X")) != "" {
		t.Error("advice lost")
	}
	if !IsNotYet(NotYet(errors.New("x"))) || DefaultClass(NotYet(errors.New("x"))) != RetryLater {
		t.Error("NotYet not recognised")
	}
}
