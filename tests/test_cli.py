"The installed `course-lib` console script, run as a learner would run it."
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def course_lib(*args, **kw):
    exe = shutil.which('course-lib')
    cmd = [exe] if exe else [sys.executable, '-c', 'import sys; from course_lib.cli import main; sys.exit(main())']
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=kw.pop('timeout', 300), **kw)


def test_console_script_installed():
    assert shutil.which('course-lib'), 'pip install -e . should register the course-lib console script'


def test_help_and_unknown_command():
    r = course_lib('--help')
    assert r.returncode == 0 and 'course-lib {run,style,featviz}' in r.stdout
    r = course_lib('dance')
    assert r.returncode == 2 and "unknown command 'dance'" in r.stderr


def test_run_rejects_unknown_lesson():
    r = course_lib('run', '--lessons', '42')
    assert r.returncode != 0 and 'no notebook matches' in r.stderr


def _photo(path: Path, mode='RGB', size=(48, 40)):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(arr).convert(mode).save(path)
    return path


def test_style_command_offline(tmp_path):
    content, style = _photo(tmp_path / 'c.png'), _photo(tmp_path / 's.png', mode='L')
    out = tmp_path / 'out.png'
    r = course_lib('style', str(content), str(style), '-o', str(out), '--size', '64', '--steps', '2', '--allow-random')
    assert r.returncode == 0, r.stderr
    assert Image.open(out).mode == 'RGB'


def test_style_command_missing_file(tmp_path):
    out = tmp_path / 'out.png'
    r = course_lib('style', str(tmp_path / 'nope.png'), str(tmp_path / 'nope2.png'), '-o', str(out), '--allow-random')
    assert r.returncode != 0 and 'nope.png' in (r.stderr + r.stdout)
    assert not out.exists()


def test_featviz_command_offline(tmp_path):
    out = tmp_path / 'grid.png'
    r = course_lib('featviz', '--arch', 'resnet18', '--layer', 'layer1', '--channels', '0-1', '-o', str(out),
                   '--size', '32', '--steps', '2', '--upscales', '1', '--allow-random')
    assert r.returncode == 0, r.stderr
    assert out.exists() and Image.open(out).size[0] > 0


def _mini_course(root: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    nbs = root / 'nbs'; nbs.mkdir()
    for name, src in {'00_a': "from course_lib.core import headline\nheadline('a', acc=0.5)",
                      '01_b': "from course_lib.core import headline\nheadline('b', acc=0.25)"}.items():
        nbformat.write(new_notebook(cells=[new_code_cell(src)]), nbs / f'{name}.ipynb')
    return nbs


@pytest.mark.parametrize('args, msg', [
    (['--lessons', '99'], 'no notebook matches'),
    (['--timeout', '-1'], '--timeout must be a positive'),
    (['--nbs', 'no/such/dir'], 'nbs folder no/such/dir does not exist'),
    (['--bogus'], 'unrecognized arguments'),
])
def test_run_usage_errors_are_one_line_exit_2(args, msg, tmp_path):
    nbs = _mini_course(tmp_path)
    extra = [] if '--nbs' in args else ['--nbs', str(nbs)]
    r = course_lib('run', *extra, *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert msg in r.stderr and 'Traceback' not in r.stderr


def test_run_only_replaces_results_of_lessons_it_runs(tmp_path):
    nbs = _mini_course(tmp_path)
    out = tmp_path / 'results'
    assert course_lib('run', '--nbs', str(nbs), '--out', str(out), '--lessons', '00').returncode == 0
    assert course_lib('run', '--nbs', str(nbs), '--out', str(out), '--lessons', '01').returncode == 0
    assert (out / 'figures' / '00_a' / 'a.json').exists() and (out / 'figures' / '01_b' / 'b.json').exists()
    assert course_lib('run', '--nbs', str(nbs), '--out', str(out), '--lessons', '99').returncode == 2
    assert (out / 'figures' / '00_a' / 'a.json').exists()
    assert sorted(p.name for p in out.glob('*.ipynb')) == ['00_a.ipynb', '01_b.ipynb']
