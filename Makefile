# lz2ct — see README.md. Every target works on a fresh machine with Go.
GO        ?= go
BIN       ?= ./bin/lz2ct
FUZZTIME  ?= 15s
# Minimizing each new interesting input is the fuzzer's default (60s) and, with seed corpora of
# whole snapshots (tens of KB), it leaves no time for fuzzing itself. 1s keeps the run fuzzing.
FUZZMINIMIZE ?= 1s
BENCHTIME ?= 1x

.PHONY: build test demo bench bench-go fuzz vet clean crash

build:
	$(GO) build -o $(BIN) .

# The README's test command: unit, golden, end-to-end (simulator, AWS CLI, boto3, tmux) tests.
test:
	$(GO) vet ./...
	$(GO) test -timeout 14m ./...

# The crash harnesses at full strength: lz2ct apply SIGKILLed at 300 points (make test runs 50; the
# Control Tower one takes half of them), the IAM/Config/SSM/KMS/CodePipeline kinds' harness at a
# third of them (make test runs 16), and the S3 and CloudFormation kinds' kill tests at as many
# points each (make test runs fewer).
CRASH_POINTS ?= 300
crash:
	LZ2CT_CRASH_POINTS=$(CRASH_POINTS) $(GO) test -count=1 -run '^TestCrashAndResume' -v -timeout 60m ./engine/crash/
	LZ2CT_CRASH_POINTS=$(CRASH_POINTS) $(GO) test -count=1 -run '^(TestS3CrashAndResume|TestCloudFormationKindsSurviveKills)$$' -v -timeout 30m ./steps/

# The main job on the built-in simulated ALZ organization: no AWS account needed. It builds
# $(BIN) first, listing each package as it compiles (the first build compiles the AWS SDK and
# takes minutes), and runs it, so that the commands the demo prints for the command line work as
# printed. The wizard in a terminal; plain progress lines otherwise.
demo:
	@echo "Building $(BIN): the first build compiles the AWS SDK and takes a few minutes; packages are listed as they compile."
	$(GO) build -v -o $(BIN) .
	$(BIN) demo

# The scale report: lz2ct on generated 10,000-account organizations, each figure next to its peer
# or bound, as one table (bench/main.go; docs/architecture.md, "Measuring scale"). Never asserted;
# about 10 minutes on 2 cores. BENCHFLAGS=-runs=9 for steadier timings, -help for the rest.
bench: build
	$(GO) run ./bench -lz2ct $(BIN) $(BENCHFLAGS)

# The Go benchmarks of every package (go test -bench). BENCHTIME=3x for steadier numbers.
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -timeout 60m ./...

# Every fuzz target, briefly. FUZZTIME=5m for a longer soak.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  list=$$($(GO) test -list '^Fuzz' $$pkg) || { echo "$$list"; exit 1; }; \
	  for t in $$(echo "$$list" | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg; \
	  done; \
	done

vet:
	$(GO) vet ./...

clean:
	rm -rf bin
