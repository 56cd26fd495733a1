"""The course website builder (tools/site/build.py): the parts that need no Sphinx and no browser.

The contracts with the course are checked against the course's own code: the run line `core.setup_lesson`
prints, the figures files `core.headline` writes, the API of a real module."""
import contextlib
import importlib.util
import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location('site_build', ROOT / 'tools' / 'site' / 'build.py')
site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site)


def md(text): return dict(cell_type='markdown', metadata={}, source=text)
def code(text, outputs=()): return dict(cell_type='code', metadata={}, source=text, outputs=list(outputs), execution_count=1)
def stream(text): return dict(output_type='stream', name='stdout', text=text)


def test_settings_and_colab_url():
    s = site.read_settings(ROOT)
    reqs = site.site_requirements(s)
    assert any(r.startswith('sphinx') for r in reqs) and any(r.startswith('myst-nb') for r in reqs)
    assert site.github_path('https://github.com/course-lib/course_lib') == 'course-lib/course_lib'
    assert site.github_path('git@github.com:a/b.git') == 'a/b'
    assert (site.colab_url(s['git_url'], 'main', '07_ssd.ipynb')
            == 'https://colab.research.google.com/github/course-lib/course_lib/blob/main/nbs/07_ssd.ipynb')
    with pytest.raises(ValueError, match='git_url'): site.github_path('https://gitlab.com/a/b')


def test_run_line_is_what_setup_lesson_prints(monkeypatch):
    from course_lib.core import setup_lesson
    monkeypatch.setenv('COURSE_QUICK', '1'); monkeypatch.setenv('COURSE_OFFLINE', '1')
    monkeypatch.setenv('COURSE_DEVICE', 'cpu')
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf): info = setup_lesson('02_mnist_basics')
    parsed = site.parse_run_line(buf.getvalue())
    assert parsed is not None, buf.getvalue()
    assert (parsed['lesson'], parsed['mode'], parsed['device'], parsed['version']) == ('02_mnist_basics', 'quick', 'cpu', info['version'])
    assert parsed['data'].startswith('offline stand-ins')
    nb = dict(cells=[code("run_info = setup_lesson('02_mnist_basics')", [stream(buf.getvalue())])])
    got = site.run_info(nb)
    assert got['source'] == 'setup cell'
    assert site.describe_run(got).startswith('quick mode, offline stand-ins, CPU (')
    assert site.parse_run_line('no such line') is None


def test_run_info_falls_back_to_the_environment():
    got = site.run_info(dict(cells=[code('x = 1', [stream('1\n')])]), env={'COURSE_OFFLINE': '1'})
    assert got['source'] == 'build environment' and got['data'].startswith('offline stand-ins')
    assert 'device not recorded' in site.describe_run(got)


def test_figures_are_what_headline_writes(tmp_path, monkeypatch):
    from course_lib.core import headline
    monkeypatch.setenv('COURSE_RESULTS', str(tmp_path))
    with contextlib.redirect_stdout(io.StringIO()): headline('demo', accuracy=0.9876, n=12345)
    assert site.load_figures(tmp_path) == [('demo', 'accuracy', 0.9876), ('demo', 'n', 12345)]
    (tmp_path / 'bad.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='JSON object'): site.load_figures(tmp_path)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_fmt_value_keeps_four_significant_digits(v):
    s = site.fmt_value(v)
    back = float(s.replace(',', ''))
    assert math.isclose(back, v, rel_tol=5e-4, abs_tol=0.5 if abs(v) >= 10_000 else 1e-300)


def test_fmt_value_examples():
    assert [site.fmt_value(v) for v in (0.98765, 2042040, 7, True, 'x', 12345.6)] == ['0.9877', '2,042,040', '7', 'True', 'x', '12,346']


def test_stale_and_directives():
    a = dict(cells=[code('#| default_exp core'), md('# T')])
    b = json.loads(json.dumps(a)); b['cells'][0]['outputs'] = [stream('hi')]
    assert not site.is_stale(a, b)                 # outputs do not matter, text does
    b['cells'][1]['source'] = '# T2'
    assert site.is_stale(a, b)
    assert site.default_exp(a) == 'core' and site.default_exp(dict(cells=[md('x')])) is None
    assert site.cell_tags('#| hide\nx = 1') == ['remove-cell']
    assert site.cell_tags('#|echo: false\n#| output: false\nx') == ['remove-input', 'remove-output']
    assert site.cell_tags('x = 1\n#| hide') == []      # directives only count at the top of a cell


def test_links_are_rewritten_for_the_site(tmp_path):
    root = tmp_path / 'repo'; nbs = root / 'nbs'; nbs.mkdir(parents=True)
    (nbs / '00_core.ipynb').write_text('{}'); (root / 'data').mkdir(); (root / 'data' / 'README.md').write_text('x')
    (nbs / 'pic.png').write_bytes(b'\x89PNG')
    stage = tmp_path / 'stage'; stage.mkdir()
    m = site.LinkMapper(root, nbs, {'00_core.ipynb': '00_core.ipynb'}, 'https://github.com/o/r/blob/main', stage)
    text = ('[Core](nbs/00_core.ipynb) [again](00_core.ipynb#sizes) '
            '[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/x) '
            '[data](data/README.md) [dir](data) ![a picture](pic.png) <img src="pic.png"> [web](https://example.org/a.ipynb) '
            '<a href="nbs/00_core.ipynb#x">core</a> '
            '`[not a link](nbs/00_core.ipynb)`\n```\n[nor this](data/README.md)\n```\n[missing](nope.md)')
    out = m.rewrite(text, nbs)
    assert '[Core](00_core.ipynb)' in out and '[again](00_core.ipynb#sizes)' in out
    assert f'[![Open In Colab]({site.COLAB_BADGE_LOCAL})](https://colab.research.google.com/x)' in out
    assert '[data](https://github.com/o/r/blob/main/data/README.md)' in out
    assert '[dir](https://github.com/o/r/tree/main/data)' in out
    assert '![a picture](_extra/_assets/nbs/pic.png)' in out and '<img src="_assets/nbs/pic.png">' in out
    assert (stage / '_extra' / '_assets' / 'nbs' / 'pic.png').read_bytes() == b'\x89PNG'
    assert '<a href="00_core.html#x">core</a>' in out       # raw HTML is not touched by Sphinx: the page's own name
    assert '[web](https://example.org/a.ipynb)' in out and '[missing](nope.md)' in out
    assert '`[not a link](nbs/00_core.ipynb)`' in out and '[nor this](data/README.md)' in out


def test_prepare_nb_puts_the_header_under_the_title(tmp_path):
    m = site.LinkMapper(tmp_path, tmp_path, {}, 'https://github.com/o/r/blob/main', tmp_path)
    nb = dict(metadata={}, cells=[code('#| default_exp core'), md('# Title\n\n> what\n\nIntro.'), code('#| hide\nsecret = 1'),
                                  code('x = 1', [dict(output_type='display_data', data={}, metadata={})])])
    out = site.prepare_nb(nb, m, tmp_path, header='<div class="course-header">H</div>', tail=['## API'])
    kinds = [(c['cell_type'], site.src_text(c)) for c in out['cells']]
    assert kinds == [('markdown', '# Title\n\n> what\n'), ('markdown', '<div class="course-header">H</div>'),
                     ('markdown', 'Intro.'), ('code', '#| hide\nsecret = 1'), ('code', 'x = 1'), ('markdown', '## API')]
    assert len({c['id'] for c in out['cells']}) == len(out['cells'])
    assert out['cells'][3]['metadata']['tags'] == ['remove-cell']
    assert out['cells'][4]['outputs'] == []          # an empty display (a closed widget) is dropped
    assert out['metadata']['kernelspec']['language'] == 'python'
    assert nb['cells'][0]['source'] == '#| default_exp core'       # the input is not changed


def test_header_html_escapes_and_counts_figures():
    info = dict(mode='quick', data='offline stand-ins (COURSE_OFFLINE=1)', device='cpu', where='2 threads',
                torch='2.5', version='0.1.0', source='setup cell', executed='2026-01-01 10:00 UTC')
    h = site.header_html('https://colab.research.google.com/github/o/r/blob/main/nbs/x.ipynb', info,
                         [('k', 'acc<1>', 0.5), ('k', 'n', 3)], 'x')
    assert 'acc&lt;1&gt;' in h and h.count('<tr><td>') == 2
    assert 'quick mode, offline stand-ins, CPU (2 threads), torch 2.5, course_lib 0.1.0' in h
    assert 'no headline figures' in site.header_html('u', info, [], 'x')
    assert 'offline stand-ins show that the code works' in h
    online = dict(info, data='real sources (stand-ins if unreachable)')
    assert 'stand-ins show' not in site.header_html('u', online, [], 'x')


def test_api_markdown_covers_all_of_a_module():
    import course_lib.core as core
    text = site.api_markdown('core')
    for name in core.__all__: assert f'\n### {name}\n' in text, name
    assert 'mode=' not in text.split('### cfg', 1)[1].split('###', 1)[0]   # no value that depends on the build machine
    with pytest.raises(ModuleNotFoundError): site.api_markdown('no_such_module')


def test_has_math():
    assert site.has_math(dict(cells=[md('the loss $\\ell(x)$ falls')]))
    assert not site.has_math(dict(cells=[md('set `$COURSE_DATA` or pay $5 and $6 dollars')]))
    assert site.has_math(dict(cells=[code('x', [dict(output_type='execute_result', data={'text/latex': '$x$'})])]))


def test_lesson_paths_follow_the_runner(tmp_path):
    for n in ('index.ipynb', '10_b.ipynb', '02_a.ipynb', 'notes.ipynb', '3_x.ipynb'): (tmp_path / n).write_text('{}')
    assert [p.name for p in site.lesson_paths(tmp_path)] == ['02_a.ipynb', '10_b.ipynb']


def test_split_after_title():
    assert site.split_after_title('# T\n\n> sum\n> more\n\nIntro\n\n## S') == ('# T\n\n> sum\n> more\n', 'Intro\n\n## S')
    assert site.split_after_title('# T\nIntro') == ('# T\n', 'Intro')
    assert site.split_after_title('no title') == ('no title', '')
