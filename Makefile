.PHONY: demo test setup bench
demo:   ## install everything, build the demo county on SQLite, start web server and worker
	scripts/demo.sh
test:   ## the whole test suite on SQLite and PostgreSQL, browser tests included
	scripts/test.sh
setup:
	scripts/setup.sh
bench:  ## benchmarks; writes docs/benchmarks.md
	scripts/setup.sh && .venv/bin/python bench/run.py
