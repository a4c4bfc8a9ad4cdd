.PHONY: demo test setup bench
demo:   ## install everything, build the demo county on SQLite, start web server and worker
	scripts/demo.sh
test:   ## the whole test suite on SQLite and PostgreSQL, browser tests included
	scripts/test.sh
setup:
	scripts/setup.sh
bench:  ## benchmarks; writes docs/benchmarks.md (installs the wrk load generator if it is missing)
	scripts/setup.sh
	command -v wrk >/dev/null || (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null)
	.venv/bin/python bench/run.py
