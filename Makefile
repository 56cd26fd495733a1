# course_lib: the two commands of the README's quick start are `make course` and `make test`.
PY ?= python
SHELL := /bin/bash

.PHONY: install install-dev course full test test-nbs test-py readme bench clean-results learner-env

install:            ## the learner's install: the course with its runtime requirements only (editable)
	$(PY) -m pip install -q -e .

install-dev:        ## the maintainer's install: runtime requirements plus nbdev 2, pytest, hypothesis
	$(PY) -m pip install -q -e ".[dev]"

course: install     ## run every lesson in quick mode and print a summary table
	course-lib run

full: install       ## run every lesson in full mode (real data and sizes; a GPU is recommended)
	course-lib run --full

test: install-dev test-nbs test-py   ## what CI runs: every notebook (quick + offline), then pytest

learner-env:        ## the learner's path in a fresh venv (preinstalled torch + newest fastai, no downgrade, every lesson)
	bash .ci/learner

test-nbs:
	COURSE_QUICK=1 COURSE_OFFLINE=1 MPLBACKEND=Agg nbdev_test --timing --do_print --n_workers $${NB_WORKERS:-1}

test-py:
	COURSE_OFFLINE=1 MPLBACKEND=Agg $(PY) -m pytest -q tests

readme:             ## regenerate README.md from nbs/index.ipynb
	$(PY) tools/make_readme.py

bench: install      ## speed of course_lib's box ops vs torchvision.ops, side by side
	$(PY) benchmarks/bench_boxes.py

clean-results:
	rm -rf results

.PHONY: site
site:               ## build the course website into _site/ (offline; runs lessons missing from results/quick first)
	$(PY) -m pip install -q -e ".[site]"
	$(PY) tools/site/build.py
