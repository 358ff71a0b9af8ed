# execq: `make run` starts Kafka, the API and one executor; `make test` runs
# the unit, integration and adversarial tests against a real broker.
WARN = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
       -Wstrict-prototypes -Wmissing-prototypes -fno-common
CFLAGS += -std=gnu11 -D_GNU_SOURCE -g -O2 $(WARN) -MMD -MP -Icommon -Iexecutor -Iproducer-api -Icli -Ihooks \
          $(shell pkg-config --cflags libpq 2>/dev/null)
LDLIBS_COMMON = -lrdkafka -lcjson -lpthread -lm
ifdef SANITIZE   # make SANITIZE=address,undefined test
CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

BUILD = build
COMMON_SRC = common/cfg.c common/webhook.c common/log.c common/util.c common/job.c common/kq.c common/sha256.c common/metrics.c common/fdpass.c \
             common/pending.c
# The store (accounts, jobs, idempotency, retention, schema) over db.c's dialects.
STORE_SRC = producer-api/store.c producer-api/store_hooks.c producer-api/store_sessions.c producer-api/store_schema.c producer-api/store_accounts.c producer-api/store_jobs.c \
            producer-api/store_idem.c producer-api/store_prune.c producer-api/store_output.c producer-api/db.c
API_SRC = producer-api/main.c producer-api/api.c producer-api/req.c producer-api/sse.c producer-api/produce.c producer-api/submit.c producer-api/cancel.c producer-api/spec.c producer-api/query.c producer-api/follow.c producer-api/sessions.c producer-api/accounts.c \
          producer-api/replies.c producer-api/results.c producer-api/auth.c $(STORE_SRC) \
          producer-api/admin.c producer-api/quota.c producer-api/envlist.c producer-api/webhooks.c
EXEC_SRC = executor/main.c executor/consumer.c executor/offsets.c executor/answered.c executor/lookback.c executor/run.c executor/live.c \
           executor/sbx.c executor/outfiles.c executor/launcher.c executor/cg.c executor/claim.c common/scrape.c executor/suspended.c executor/cancels.c \
           executor/session.c executor/envs.c
# The launcher and its sandboxes (sandbox/): built with common/ and sandbox/
# on the include path only, so nothing of the executor's reaches them but
# common/launcher_proto.h. common/job.c for job_file_name_ok (init checks
# input file names again), and what it needs.
LAUNCHER_SRC = sandbox/launcher_main.c sandbox/jail.c sandbox/zygote.c sandbox/filter.c \
               common/job.c common/util.c common/log.c common/fdpass.c
# Debian's libpython, linked in statically and not position-independent,
# exactly as Debian links /usr/bin/python3 (a non-PIE executable): a dynamic
# or PIC libpython costs 2-4 ms more at every fresh-mode start. Extension
# modules (numpy's) need its symbols exported.
PY_CFLAGS := $(shell pkg-config --cflags python3-embed 2>/dev/null)
PY_LIBPL := $(shell /usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("LIBPL"))' 2>/dev/null)
PY_LIBS := -no-pie $(PY_LIBPL)/libpython3.11.a -Xlinker -export-dynamic -lexpat -lz -lm -ldl
obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

UNIT_TESTS = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps kafka run test unit integration sdk bench stress-adversarial faults fuzz clean install cluster \
        cluster-down cluster-test guest-deps test-cgroup2 deb
all: $(BUILD)/execq-api $(BUILD)/execq-executor $(BUILD)/execq-launcher $(BUILD)/execq $(BUILD)/execq-hooks

# Every object depends on the flags it is built with (issue 23): switching
# SANITIZE (or CC, CFLAGS, LDFLAGS) rebuilds the tree instead of linking
# objects of two configurations together. The stamp is rewritten only when
# the flags change, so an unchanged build stays up to date.
FLAGS_STAMP = $(BUILD)/.flags
FLAGS_NOW = $(CC) $(CFLAGS) $(LDFLAGS) $(PY_CFLAGS) $(SANITIZE)
$(shell mkdir -p $(BUILD) && (echo '$(FLAGS_NOW)' | cmp -s - $(FLAGS_STAMP) || echo '$(FLAGS_NOW)' > $(FLAGS_STAMP)))

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# GET /openapi.json: docs/openapi.json with schemas/ bundled in, compiled in.
$(BUILD)/openapi.c: docs/openapi.json $(wildcard schemas/*.json) scripts/openapi.py
	@mkdir -p $(BUILD)
	/usr/bin/python3 scripts/openapi.py $(BUILD)/openapi.json $@

$(BUILD)/execq-api: $(call obj,$(API_SRC) $(COMMON_SRC)) $(BUILD)/openapi.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON) -lmicrohttpd -lsqlite3 -lpq

$(BUILD)/openapi.o: $(BUILD)/openapi.c $(FLAGS_STAMP)
	$(CC) $(filter-out -W%,$(CFLAGS)) -c $< -o $@

# The webhook delivery daemon (hooks/): the store, libcurl.
HOOKS_SRC = hooks/main.c hooks/deliver.c hooks/events.c common/scrape.c $(STORE_SRC)
$(BUILD)/execq-hooks: $(call obj,$(HOOKS_SRC) $(COMMON_SRC))
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_COMMON) -lcurl -lmicrohttpd -lsqlite3 -lpq

# The command-line client (cli/): libcurl, and the codec's base64.
CLI_SRC = cli/main.c cli/http.c cli/creds.c cli/batch.c cli/admin.c cli/files.c cli/session.c cli/hooks.c common/job.c common/util.c common/sha256.c common/log.c common/cfg.c
$(BUILD)/execq: $(call obj,$(CLI_SRC))
	$(CC) $(LDFLAGS) -o $@ $^ -lcurl -lcjson -ledit -lpthread -lm

$(BUILD)/execq-executor: $(call obj,$(EXEC_SRC) $(COMMON_SRC)) $(BUILD)/execq-launcher
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS_COMMON) -lcgroup -lmicrohttpd

# The sandbox launcher (and warm mode's zygote): an embedded CPython. Its
# objects have their own directory: under SANITIZE it gets UBSan but never
# ASan, whose allocator (redzones, a 256 MB quarantine) would otherwise run
# inside every warm job's Python and change what its memory limit measures.
LAUNCHER_SANITIZE = $(filter-out address,$(subst $(comma), ,$(SANITIZE)))
comma := ,
LAUNCHER_CFLAGS = $(filter-out -fsanitize=% -Iexecutor -Iproducer-api -Icli -Ihooks,$(CFLAGS)) -Isandbox $(PY_CFLAGS) \
                  $(if $(LAUNCHER_SANITIZE),-fsanitize=$(subst $(space),$(comma),$(LAUNCHER_SANITIZE)))
space := $(subst ,, )
$(BUILD)/launcher/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(LAUNCHER_CFLAGS) -c $< -o $@
# Relinked when libpython changes (an OS upgrade of python3): the executor
# refuses to start with a launcher whose embedded Python is not the host's.
# By a stamp of the library's size, mtime and inode, not its mtime alone:
# dpkg gives an upgraded file the package's build time, which can be older
# than the launcher (the cgroup v2 guest's upgrade was, issue 28).
PYLIB_STAMP = $(BUILD)/.libpython
PYLIB_NOW = $(shell stat -c '%s %Y %i' $(PY_LIBPL)/libpython3.11.a 2>/dev/null)
$(shell mkdir -p $(BUILD) && (echo '$(PYLIB_NOW)' | cmp -s - $(PYLIB_STAMP) || echo '$(PYLIB_NOW)' > $(PYLIB_STAMP)))
$(BUILD)/execq-launcher: $(patsubst %.c,$(BUILD)/launcher/%.o,$(LAUNCHER_SRC)) $(PYLIB_STAMP)
	$(CC) $(if $(LAUNCHER_SANITIZE),-fsanitize=$(subst $(space),$(comma),$(LAUNCHER_SANITIZE))) -o $@ $(filter %.o,$^) -lseccomp -lcjson -lpthread $(PY_LIBS)

# Unit tests link the modules they test directly (no broker, no network).
$(BUILD)/tests/test_%: tests/unit/test_%.c $(FLAGS_STAMP) $(call obj,$(COMMON_SRC) executor/offsets.c executor/answered.c executor/cg.c executor/claim.c executor/cancels.c \
                        producer-api/auth.c $(STORE_SRC) producer-api/quota.c sandbox/filter.c \
                        executor/outfiles.c producer-api/spec.c producer-api/sse.c producer-api/req.c)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isandbox $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS_COMMON) -lcgroup -lseccomp -lsqlite3 -lpq \
	  -lmicrohttpd

# libFuzzer targets (clang, ASan and UBSan always): the job and result
# codecs, the request body parser, the configuration parser.
FUZZ_BINS = $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/fuzz/fuzz_%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SRC = common/job.c common/cfg.c common/util.c common/log.c producer-api/spec.c
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) $(wildcard common/*.h producer-api/spec.h)
	@mkdir -p $(dir $@)
	clang-14 -std=gnu11 -D_GNU_SOURCE -g -O1 -Wall -Werror -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -Icommon -Iproducer-api -o $@ $< $(FUZZ_SRC) -lcjson -lm -lpthread

# Builds real sandboxes through the launcher (needs root), under thread churn.
$(BUILD)/tests/test_launcher: tests/unit/test_launcher.c $(FLAGS_STAMP) $(call obj,$(filter-out executor/main.c executor/consumer.c common/scrape.c executor/session.c,$(EXEC_SRC)) $(COMMON_SRC)) $(BUILD)/execq-launcher
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS_COMMON) -lcgroup

$(BUILD)/txn_bench: tests/bench/txn_bench.c tests/bench/kafka_topic.h $(FLAGS_STAMP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lrdkafka

$(BUILD)/kafka_rtt: tests/bench/kafka_rtt.c tests/bench/kafka_topic.h $(FLAGS_STAMP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lrdkafka

$(BUILD)/sbx_bench: tests/bench/sbx_bench.c $(FLAGS_STAMP) $(call obj,$(filter-out executor/main.c executor/consumer.c common/scrape.c executor/session.c,$(EXEC_SRC)) $(COMMON_SRC)) $(BUILD)/execq-launcher
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS_COMMON) -lcgroup

# The client and its man page (PREFIX, DESTDIR as usual).
PREFIX ?= /usr/local
install: $(BUILD)/execq
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(BUILD)/execq $(DESTDIR)$(PREFIX)/bin/execq
	install -m 0644 docs/execq.1 $(DESTDIR)$(PREFIX)/share/man/man1/execq.1

deps:
	@scripts/deps.sh

kafka: deps
	@scripts/kafka.sh fetch

run: deps kafka all
	@scripts/run.sh

# The store's tests run over SQLite and over a scratch PostgreSQL (scripts/pg.sh).
unit: $(UNIT_TESTS)
	@scripts/pg.sh run scripts/unit.sh $(UNIT_TESTS)

integration: all kafka $(SSECLIENT)
	@scripts/pg.sh run scripts/integration.sh

# Schemathesis, pinned, for tests/contract (issue 31): a virtual environment
# under .run/, made again when the version changes.
SCHEMATHESIS_VERSION = 4.32.5
SCHEMATHESIS = .run/schemathesis/bin/schemathesis
$(SCHEMATHESIS): Makefile
	@rm -rf .run/schemathesis && mkdir -p .run
	@/usr/bin/python3 -m venv .run/schemathesis
	@.run/schemathesis/bin/pip install -q --disable-pip-version-check schemathesis==$(SCHEMATHESIS_VERSION)
	@touch $@

# sseclient-py, pinned, for the streaming tests (a real SSE parser, not a
# split on newlines): installed under .run/pylib, which the tests import from.
SSECLIENT_VERSION = 1.8.0
SSECLIENT = .run/pylib/sseclient/__init__.py
$(SSECLIENT): Makefile $(SCHEMATHESIS)
	@rm -rf .run/pylib
	@.run/schemathesis/bin/pip install -q --disable-pip-version-check --target .run/pylib sseclient-py==$(SSECLIENT_VERSION)
	@touch $@

# The SDKs (issue 29). Python: a virtual environment under .run/ over
# Debian's python3 (pytest, pandas) with httpx and mypy pinned, the package
# installed into it as a user's pip would (not editable). TypeScript: the
# packages of package-lock.json, then its build, which fails when
# src/openapi.ts is not what docs/openapi.json generates.
SDK_VENV = .run/sdk-venv/bin/mypy
$(SDK_VENV): Makefile
	@rm -rf .run/sdk-venv && mkdir -p .run
	@/usr/bin/python3 -m venv --system-site-packages .run/sdk-venv
	@.run/sdk-venv/bin/pip install -q --disable-pip-version-check httpx==0.28.1 mypy==1.15.0
	@touch $@
SDK_PY = .run/sdk-venv/execq-installed
$(SDK_PY): $(SDK_VENV) clients/python/pyproject.toml $(wildcard clients/python/src/execq/*)
	@.run/sdk-venv/bin/pip install -q --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall ./clients/python
	@rm -rf clients/python/build clients/python/src/execq.egg-info
	@touch $@
SDK_NODE = clients/typescript/node_modules/.package-lock.json
$(SDK_NODE): clients/typescript/package-lock.json
	@cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
SDK_TS = clients/typescript/dist/index.js
$(SDK_TS): $(SDK_NODE) docs/openapi.json clients/typescript/tsconfig.json $(wildcard clients/typescript/src/*.ts clients/typescript/scripts/*)
	@cd clients/typescript && npm run --silent build
SDK_EXAMPLES = examples/typescript/node_modules/execq
$(SDK_EXAMPLES): examples/typescript/package.json
	@cd examples/typescript && npm install --no-audit --no-fund --loglevel=error
sdk: $(SDK_PY) $(SDK_TS) $(SDK_EXAMPLES)

test: deps kafka all $(BUILD)/sbx_bench $(BUILD)/txn_bench $(BUILD)/kafka_rtt $(FUZZ_BINS) $(SCHEMATHESIS) $(SSECLIENT) sdk   # benches are built (not run) so they never rot
	@scripts/pg.sh run sh -c '$(MAKE) --no-print-directory unit && { [ -n "$$EXECQ_SKIP_FUZZ" ] || scripts/fuzz.sh 30; } && scripts/integration.sh'

# Each fuzz target for FUZZ_SECONDS (default 300).
fuzz: deps $(FUZZ_BINS)
	@scripts/fuzz.sh $(or $(FUZZ_SECONDS),300)

# A three-broker cluster, the API and four executor hosts, each host in a
# network namespace of its own (scripts/cluster.sh; docs/scaling.md).
cluster: deps kafka all
	@scripts/cluster.sh up .cluster 4
cluster-down:
	@scripts/cluster.sh down .cluster
# The scale-out test on such a cluster: counts asserted, times in a table.
cluster-test: deps kafka all
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider -s tests/cluster

# The executor on cgroup v2 in a Debian 12 guest under qemu (issue 28;
# scripts/test-cgroup2.sh). guest-deps first: it may upgrade this host's
# python3.11 to the guest's, and then the launcher is linked again.
guest-deps: deps
	@scripts/guest.sh deps
test-cgroup2: guest-deps kafka all $(BUILD)/tests/test_cg
	@scripts/test-cgroup2.sh

# build/execq_<version>_amd64.deb (packaging/, scripts/deb.sh).
deb: all
	@scripts/deb.sh

# Every fault test, the long ones too (broker and API killed and restarted).
faults: deps kafka all
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider -s tests/faults

# RUNS (default 20) adversarial suites in a row; see scripts/stress.sh.
stress-adversarial: deps kafka all
	@scripts/stress.sh $(or $(RUNS),20)

# make bench BASE=<rev>: bench.py's rows for <rev> (built beside the tree
# by scripts/bench-base.sh) and for the tree, one after the other.
bench: deps kafka all $(BUILD)/sbx_bench $(BUILD)/txn_bench $(BUILD)/kafka_rtt $(SSECLIENT) sdk
	@$(BUILD)/sbx_bench 50
	@if [ -n "$(BASE)" ]; then \
	    base=$$(scripts/bench-base.sh "$(BASE)") || exit 1; \
	    BENCH_BASE_BUILD=$$base BENCH_BASE_REV="$(BASE)" /usr/bin/python3 tests/bench/bench.py; \
	else /usr/bin/python3 tests/bench/bench.py; fi
	@/usr/bin/python3 tests/bench/priority.py
	@/usr/bin/python3 tests/bench/soak.py
	@/usr/bin/python3 tests/bench/waiting.py
	@/usr/bin/python3 tests/bench/fairness.py
	@/usr/bin/python3 tests/bench/txn.py
	@/usr/bin/python3 tests/bench/kafka_rtt.py
	@/usr/bin/python3 tests/bench/store.py
	@/usr/bin/python3 tests/bench/files.py
	@/usr/bin/python3 tests/bench/stream.py
	@/usr/bin/python3 tests/bench/sessions.py
	@/usr/bin/python3 tests/bench/envs.py
	@.run/sdk-venv/bin/python tests/bench/sdk.py
	@/usr/bin/python3 tests/bench/webhooks.py

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
