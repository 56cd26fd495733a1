"Shared pytest setup: tests never touch the internet and never write into the repo's data/ folder."
import os

import matplotlib
import pytest

matplotlib.use('Agg')


@pytest.fixture(autouse=True)
def _offline_tmp_cache(tmp_path_factory, monkeypatch):
    "Every test gets COURSE_OFFLINE=1 and a private COURSE_DATA unless it overrides them."
    monkeypatch.setenv('COURSE_OFFLINE', os.environ.get('COURSE_OFFLINE', '1'))
    monkeypatch.setenv('COURSE_QUICK', '1')
    monkeypatch.setenv('COURSE_DATA', str(tmp_path_factory.getbasetemp() / 'course-data'))
    yield
