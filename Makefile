# Developer commands; run them in the activated venv (see CONTRIBUTING.md).
.PHONY: test lint format record bench

PY_PATHS = langchain_gravix_vision tests benchmarks cookbook

# The README test command (kept identical to README.md and .ci/run).
test: export GRAVIX_VCR = replay
test:
	pytest --nbmake --disable-socket --allow-unix-socket --allow-hosts=127.0.0.1 tests cookbook

lint:
	ruff check $(PY_PATHS)
	ruff format --check $(PY_PATHS)
	mypy
	lint-imports --no-cache  # the layers in pyproject.toml [tool.importlinter]

format:
	ruff format $(PY_PATHS)
	ruff check --fix $(PY_PATHS)

# Re-record every cassette against the local stand-in (CONTRIBUTING.md).
record:
	GRAVIX_VCR=stand-in pytest --nbmake tests cookbook

# benchmarks/README.md: needs the bench extra (pip install -e ".[bench]").
bench:
	python benchmarks/run.py
