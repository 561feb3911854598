# Every target creates .venv on first use and installs the project into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SUBMISSIONS ?= examples/class
OUT    ?= grades
NB     ?=
FORCE  ?=
WORKERS ?=

.PHONY: install test lab notebooks bench bench-reference bench-class bench-nbgrader bench-torch-venv grade check clean help sandbox-deps examples mutants validate release gradescope

help:
	@echo "make install    create .venv and install the project with its test tools"
	@echo "make test       run the whole test suite"
	@echo "make lab        open the assignments in JupyterLab"
	@echo "make notebooks  rebuild assignments/*.ipynb and the public cases from their sources"
	@echo "make bench      every benchmark, then the targets of issue 6 with PASS/MISS (~7 min on 2 cores;"
	@echo "                BENCH_QUICK=1: ~2 min, rough; TORCH_PYTHON=python-with-torch; BENCH_NBGRADER=0: no nbgrader)"
	@echo "make bench-reference  the reference's backward passes against naive loops and PyTorch"
	@echo "make bench-class      class throughput: grader grade, bare nbclient, nbgrader (bench/.nbgrader-venv)"
	@echo "make bench-nbgrader   grader grade against nbgrader autograde alone"
	@echo "make bench-torch-venv create bench/.torch-venv with torch and numpy, for the PyTorch comparison"
	@echo "                (~5 GB from PyPI; TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu: CPU-only, smaller)"
	@echo "make examples   rebuild the demo class examples/class/ from the notebooks"
	@echo "make grade      grade SUBMISSIONS (default: the demo class in examples/class) into OUT (default: grades/);"
	@echo "                only new or changed notebooks are run; FORCE=1 regrades them all; WORKERS=N at once"
	@echo "make check NB=path/to/notebook.ipynb   check one notebook against the public cases"
	@echo "make mutants    check that the hidden cases catch and name every catalogued mistake"
	@echo "make release    the student bundle dist/backprop-course-<version>.zip: notebooks, public checks,"
	@echo "                grader check; no reference, no hidden cases (VERSION=...: another version)"
	@echo "make validate   check that every blank notebook fails every test and every solved one passes them all"
	@echo "                (NB=01_deep_nn_backward: one notebook)"
	@echo "make gradescope the Gradescope autograder zips in dist/, one per notebook (NB=01_deep_nn_backward: one)"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP) sandbox-deps
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# The sandbox needs bubblewrap; as root, install it when missing (Debian/Ubuntu).
sandbox-deps:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing bubblewrap (the sandbox)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	  else \
	    echo "note: bubblewrap is not installed; sandbox tests will be skipped (sudo apt-get install bubblewrap)"; \
	  fi; }

lab: $(STAMP)
	$(PY) -m pip install --quiet -e '.[lab]'
	$(VENV)/bin/jupyter lab assignments/ $(if $(filter 0,$(shell id -u)),--allow-root,)

notebooks: $(STAMP)
	$(PY) -m grader.author build

grade: $(STAMP) sandbox-deps
	$(VENV)/bin/grader grade $(SUBMISSIONS) --out $(OUT)$(if $(filter-out 0 no false,$(FORCE)), --force,)$(if $(WORKERS), --workers $(WORKERS),)

check: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make check NB=path/to/notebook.ipynb"; exit 2; }
	$(VENV)/bin/grader check $(NB)

mutants: $(STAMP)
	$(VENV)/bin/grader mutants

# The student bundle (docs/release.md); refuses to build if a generated file is stale
# or anything of the instructor's side would ship.
VERSION ?=
release: $(STAMP)
	$(PY) -m grader.author build --check
	$(PY) -m grader.release --out dist$(if $(VERSION), --version $(VERSION),)

# Instructors on Gradescope: one autograder zip per notebook (docs/gradescope.md)
gradescope: $(STAMP)
	$(VENV)/bin/grader export gradescope$(if $(NB), --assignment $(NB),)

# Course authors: are the tests real? (docs/adding-an-exercise.md)
validate: $(STAMP)
	$(PY) -m grader.author validate$(if $(NB), --notebook $(NB),)

# Benchmarks (docs/benchmarks.md). Environment: BENCH_QUICK=1 (fewer repeats, a smaller
# class), TORCH_PYTHON=/path/to/python (an interpreter with torch; 0: no PyTorch),
# BENCH_NBGRADER=0 (no nbgrader). PyTorch is never a dependency of the project.
TORCH_VENV := bench/.torch-venv
TORCH_INDEX_URL ?=

bench: $(STAMP) sandbox-deps
	$(PY) bench/run_all.py

bench-reference: $(STAMP)
	$(PY) bench/bench_reference.py

bench-class: $(STAMP) sandbox-deps
	$(PY) bench/bench_class.py

bench-nbgrader: $(STAMP) sandbox-deps
	$(PY) bench/bench_nbgrader.py

# PyPI's torch wheel for Linux pulls ~5 GB of CUDA packages;
# TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu installs the CPU-only build instead.
bench-torch-venv:
	@test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --quiet --upgrade pip numpy
	$(TORCH_VENV)/bin/python -m pip install torch$(if $(TORCH_INDEX_URL), --index-url $(TORCH_INDEX_URL),)
	@echo "make bench now compares with PyTorch ($(TORCH_VENV)/bin/python)"

examples: $(STAMP)
	$(PY) -m grader.author examples

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
