# The two commands of the Quick start: `make run` and `make test`.
# Each installs what is missing (scripts/deps.sh), builds, then runs / tests.

BUILD      ?= build
BUILD_SAN  ?= build-san
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
PATTERN    ?= ramp(20, 400, 8s) then sine(base=300, amp=150, period=6s, duration=12s)

.PHONY: all deps build build-san run test bench clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

# AddressSanitizer + UndefinedBehaviorSanitizer build with clang, which also
# builds the libFuzzer targets.
build-san: deps
	@cmake -S . -B $(BUILD_SAN) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	    -DSURGE_SANITIZE=ON -DSURGE_FUZZ=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_SAN) -j $(JOBS) -- --no-print-directory

# A real workload on the embedded SQLite default: about 20 seconds of the
# ecommerce workload on surge.db, ramping up then following a sine wave.
run: build
	./$(BUILD)/surge run sqlite:surge.db --workload ecommerce --pattern '$(PATTERN)'

# Every test: unit, CLI and integration tests on the optimised build; unit
# tests and CLI tests again under ASan + UBSan; the fuzzers for a bounded time.
test: build build-san
	cd $(BUILD) && ctest --output-on-failure -j 2
	cd $(BUILD_SAN) && ctest --output-on-failure -j 2

bench: build
	./bench/run.sh $(BUILD)/surge

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
