# Two commands on a fresh machine: `make demo` and `make test` (each sets up .venv first).
# Each target installs what it needs and no more: the demo the core package, the tests the
# extras they exercise, the slow tests and benchmarks the peer libraries (ciw, SUMO) too.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SCENARIO := scenarios/contact_center_outage.yaml

.PHONY: install demo test test-slow bench gallery lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# One stamp per set of extras; a change to pyproject.toml installs again.
$(VENV)/.installed-core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,viz,dask,eval]'
	touch $@ $(VENV)/.installed-core

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,viz,dask,eval,bench]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-core

install: $(VENV)/.installed-bench

demo: $(VENV)/.installed-core
	$(BIN)/simsynth run $(DEMO_SCENARIO) --out out/demo --overwrite

# The default test run: everything but the long validation runs and the benchmark smoke tests.
# numba's kernels are compiled into its cache once, first (tests/warm_numba.py).
test: $(VENV)/.installed-test
	$(BIN)/python tests/warm_numba.py
	$(BIN)/python -m pytest -m "not slow"

# Long validation runs and benchmark smoke tests (`@pytest.mark.slow`): CI's second step.
test-slow: $(VENV)/.installed-bench
	$(BIN)/python -m pytest -m slow

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/sink_throughput.py
	$(BIN)/python benchmarks/contact_center_throughput.py
	$(BIN)/python benchmarks/intersection_throughput.py
	$(BIN)/python benchmarks/card_network_throughput.py
	$(BIN)/python benchmarks/card_network_paysim.py
	$(BIN)/python benchmarks/road_network_throughput.py
	$(BIN)/python benchmarks/road_network_city.py
	$(BIN)/python benchmarks/order_book_throughput.py
	$(BIN)/python benchmarks/order_flow_throughput.py
	$(BIN)/python benchmarks/traders_throughput.py
	$(BIN)/python benchmarks/sweep_scaling.py
	$(BIN)/python benchmarks/rare_training_set.py
	$(BIN)/python benchmarks/synthetic_vs_baselines.py

gallery: $(VENV)/.installed-core
	$(BIN)/python visualizations/make_gallery.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis test-results
