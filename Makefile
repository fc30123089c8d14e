# Two commands on a fresh machine: `make demo` and `make test` (each sets up .venv first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_SCENARIO := scenarios/contact_center_outage.yaml

.PHONY: install demo test bench gallery lint clean

# The `bench` extra (peer libraries such as ciw) is installed too: the test suite smoke-tests
# the benchmark scripts; and `viz` (the browser views) and `dask` (sweeps on a cluster), which
# the tests use.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench,viz,dask,eval]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/simsynth run $(DEMO_SCENARIO) --out out/demo --overwrite

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
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

gallery: $(STAMP)
	$(BIN)/python visualizations/make_gallery.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis test-results
