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
