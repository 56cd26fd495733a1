#!/usr/bin/env python
"""Build the course website (Sphinx + myst-nb + sphinx-book-theme) from the executed lessons, offline.

    python tools/site/build.py [--results results/quick] [--out _site] [--stale rerun|keep]

Nothing is executed inside Sphinx: each lesson page is the executed copy that `course-lib run` wrote to
`results/quick/NN_name.ipynb` (outputs and pictures included). Lessons whose executed copy is missing, or whose
cells no longer match `nbs/NN_name.ipynb`, are run first with `course-lib run --offline --lessons ...` (quick
mode). The builder works from the layout only: `nbs/NN_name.ipynb` (lesson order), `nbs/index.ipynb` (home
page), `results/quick/figures/NN_name/*.json` (headline figures), and the module each lesson names in
`#| default_exp` (its API: every name in `__all__`, through `course_lib.core.show_doc`).

Each lesson page gets, under its title: an "Open in Colab" badge, the mode, data and device that produced it
(read from the setup cell's output, else from the build environment), and the lesson's headline figures.
The site goes to a git-ignored folder (default `_site/`) with `site-manifest.json` listing its pages, which
`tools/site/browser_test.py` opens in a headless Chromium."""
from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from configparser import ConfigParser
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LESSON_GLOB = '[0-9][0-9]*_*.ipynb'     # the course runner's pattern (course_lib.cli.lesson_notebooks)
COLAB_BADGE_REMOTE = 'https://colab.research.google.com/assets/colab-badge.svg'
COLAB_BADGE_LOCAL = '_static/colab-badge.svg'


# ----------------------------------------------------------------------------------------------- settings
def read_settings(root: Path = ROOT) -> dict:
    "The `[DEFAULT]` section of settings.ini as a dict (nbdev 2 layout)."
    cfg = ConfigParser(delimiters=['='])
    if not cfg.read(Path(root) / 'settings.ini', encoding='utf-8'):
        raise FileNotFoundError(f"no settings.ini in {root}")
    return dict(cfg['DEFAULT'])


def site_requirements(settings: dict) -> list[str]:
    "The `site_requirements` of settings.ini (what `pip install -e .[site]` adds)."
    import shlex
    return shlex.split(settings.get('site_requirements', ''))


def github_path(git_url: str) -> str:
    "'https://github.com/OWNER/REPO(.git)' -> 'OWNER/REPO'."
    m = re.match(r'^(?:https?://|git@)github\.com[/:]([^/]+)/([^/]+?)(?:\.git)?/?$', git_url.strip())
    if not m: raise ValueError(f"git_url must be a GitHub repository URL, got {git_url!r}")
    return f"{m.group(1)}/{m.group(2)}"


def colab_url(git_url: str, branch: str, nb_name: str, nbs_path: str = 'nbs') -> str:
    "The 'Open in Colab' link of notebook `nb_name` in the repository's `nbs_path` folder."
    return f"https://colab.research.google.com/github/{github_path(git_url)}/blob/{branch}/{nbs_path}/{nb_name}"


# ----------------------------------------------------------------------------------------------- notebooks
def lesson_paths(nbs: Path) -> list[Path]:
    "Lesson notebooks `NN_name.ipynb` in lesson order (the course runner's order)."
    return sorted(p for p in Path(nbs).glob(LESSON_GLOB) if p.is_file())


def read_nb(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding='utf-8'))


def src_text(cell: dict) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def cell_signature(nb: dict) -> list[tuple[str, str]]:
    "What a page shows of a notebook's own text: (cell type, source) of every cell, trailing whitespace ignored."
    return [(c.get('cell_type', ''), src_text(c).rstrip()) for c in nb.get('cells', [])]


def is_stale(source_nb: dict, executed_nb: dict) -> bool:
    "True when the executed copy's cells differ from the lesson's source (the page would show old text)."
    return cell_signature(source_nb) != cell_signature(executed_nb)


_DIRECTIVE = re.compile(r'^\s*#\s*\|\s*(.*?)\s*$')


def directives(source: str) -> dict:
    "nbdev/Quarto directives at the top of a code cell: `#| hide` -> {'hide': ''}, `#| echo: false` -> {'echo': 'false'}."
    out = {}
    for line in source.splitlines():
        m = _DIRECTIVE.match(line)
        if not m:
            if line.strip(): break
            continue
        key, _, val = m.group(1).partition(':')
        if key.strip(): out[key.strip().lower()] = val.strip().lower()
    return out


def default_exp(nb: dict) -> str | None:
    "The module a notebook exports to (`#| default_exp NAME`), or None."
    for c in nb.get('cells', []):
        if c.get('cell_type') != 'code': continue
        m = re.search(r'^\s*#\s*\|\s*default_exp\s+([\w.]+)\s*$', src_text(c), re.M)
        if m: return m.group(1)
    return None


def output_text(out: dict) -> str:
    if out.get('output_type') == 'stream': return src_text({'source': out.get('text', '')})
    return src_text({'source': out.get('data', {}).get('text/plain', '')})


# ----------------------------------------------------------------------------------------------- run info
_RUN_LINE = re.compile(
    r'course_lib (?P<version>\S+) \| lesson (?P<lesson>\S+) \| torch (?P<torch>\S+) on (?P<device>[\w:]+)'
    r'(?: \((?P<where>[^)]*)\))? \| (?P<mode>\w+) mode \| data: (?P<data>[^\n]+)')


def parse_run_line(text: str) -> dict | None:
    "The fields of the line `core.setup_lesson` prints (version, lesson, torch, device, where, mode, data), or None."
    m = _RUN_LINE.search(text or '')
    if not m: return None
    d = {k: (v.strip() if isinstance(v, str) else v) for k, v in m.groupdict().items()}
    return d


def executed_at(nb: dict) -> str | None:
    "When the notebook's last executed cell finished (nbclient's timing metadata), as 'YYYY-MM-DD HH:MM UTC'."
    stamps = [c.get('metadata', {}).get('execution', {}).get('iopub.status.idle') for c in nb.get('cells', [])]
    stamps = [s for s in stamps if s]
    if not stamps: return None
    try: t = datetime.fromisoformat(max(stamps).replace('Z', '+00:00'))
    except ValueError: return None
    return t.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')


def run_info(nb: dict, env: dict | None = None) -> dict:
    """How an executed lesson was produced: from the setup cell's printed line when there is one, else from the
    build environment (`COURSE_QUICK`, `COURSE_OFFLINE`), marked as such in `source`."""
    for c in nb.get('cells', []):
        for o in c.get('outputs', []):
            info = parse_run_line(output_text(o))
            if info:
                info['source'] = 'setup cell'
                info['executed'] = executed_at(nb)
                return info
    env = os.environ if env is None else env
    offline = env.get('COURSE_OFFLINE', '').strip().lower() in ('1', 'true', 'yes', 'on')
    return dict(version=None, lesson=None, torch=None, device=None, where=None, mode='quick',
                data='offline stand-ins (COURSE_OFFLINE=1)' if offline else 'not recorded',
                source='build environment', executed=executed_at(nb))


def describe_run(info: dict) -> str:
    "One plain sentence: 'quick mode, offline stand-ins, CPU (2 threads), torch 2.5.1, course_lib 0.1.0'."
    data = re.sub(r'\s*\(COURSE_OFFLINE=1\)', '', info.get('data') or 'data not recorded')
    dev = info.get('device')
    dev = (dev.upper() if dev in ('cpu', 'mps') else 'GPU' if dev and dev.startswith('cuda') else dev) if dev else None
    if dev and info.get('where'): dev = f"{dev} ({info['where']})"
    parts = [f"{info.get('mode') or '?'} mode", data, dev or 'device not recorded']
    if info.get('torch'): parts.append(f"torch {info['torch']}")
    if info.get('version'): parts.append(f"course_lib {info['version']}")
    return ', '.join(parts)


# ----------------------------------------------------------------------------------------------- figures
def load_figures(folder: Path) -> list[tuple[str, str, object]]:
    "Headline figures a lesson recorded (`core.headline` -> `figures/NN_name/KEY.json`): (key, figure, value), 'mode' left out."
    rows = []
    for p in sorted(Path(folder).glob('*.json')):
        try: rec = json.loads(p.read_text(encoding='utf-8'))
        except (OSError, ValueError) as e: raise ValueError(f"figures file {p} is not valid JSON: {e}") from e
        if not isinstance(rec, dict): raise ValueError(f"figures file {p} must hold a JSON object")
        rows += [(p.stem, k, v) for k, v in rec.items() if k != 'mode']
    return rows


def fmt_value(v) -> str:
    "A figure for people: 4 significant digits for floats, thousands separators for big numbers."
    if isinstance(v, bool): return str(v)
    if isinstance(v, int): return f'{v:,}' if abs(v) >= 10_000 else str(v)
    if isinstance(v, float):
        if v != v or v in (float('inf'), float('-inf')): return str(v)
        if abs(v) >= 10_000: return f'{v:,.0f}'
        return f'{v:.4g}'
    return str(v)


# ----------------------------------------------------------------------------------------------- links
_CODE = re.compile(r'(```.*?```|~~~.*?~~~|`[^`\n]*`)', re.S)
_MD_LINK = re.compile(r'\]\(\s*<?([^)\s>]+)>?(\s+"[^"]*")?\s*\)')
_HTML_ATTR = re.compile(r'''\b(src|href)=(["'])([^"']+)\2''')


def outside_code(md: str, fn) -> str:
    "Apply `fn` to the parts of Markdown `md` that are not code (fenced blocks, inline code)."
    parts = _CODE.split(md)
    return ''.join(p if i % 2 else fn(p) for i, p in enumerate(parts))


class LinkMapper:
    """Rewrites a notebook's Markdown links for the site: links to lessons or the home notebook become links to
    their pages, other files of the repository become GitHub links, relative images are copied next to the page,
    the remote Colab badge image becomes the site's own copy (pages must not need the internet to show)."""

    def __init__(self, root: Path, nbs: Path, pages: dict, blob_base: str, stage: Path):
        self.root, self.nbs, self.pages, self.blob_base = Path(root).resolve(), Path(nbs).resolve(), pages, blob_base
        self.stage = Path(stage)
        self.copied: list[Path] = []

    def target(self, url: str, nb_dir: Path, image: bool = False, raw_html: bool = False) -> str:
        """Where `url` (a link or image in a notebook in `nb_dir`) points on the site. Markdown paths are relative to
        the Sphinx source; raw HTML, which Sphinx does not touch, gets paths of the built site."""
        if url == COLAB_BADGE_REMOTE: return COLAB_BADGE_LOCAL
        if re.match(r'^([a-zA-Z][\w+.-]*:|//|#)', url): return url
        path, sep, frag = url.partition('#')
        if not path: return url
        for base in (Path(nb_dir), self.root):
            p = (base / path).resolve()
            try: rel = p.relative_to(self.root)
            except ValueError: continue
            if not p.exists(): continue
            if p.suffix == '.ipynb' and p.parent == self.nbs and p.name in self.pages:
                page = self.pages[p.name]
                return (str(Path(page).with_suffix('.html')) if raw_html else page) + sep + frag
            if image and p.is_file():     # copied as is into the site (html_extra_path), whichever way it is shown
                dest = self.stage / '_extra' / '_assets' / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dest)
                self.copied.append(dest)
                return ('' if raw_html else '_extra/') + f'_assets/{rel.as_posix()}'
            kind = 'tree' if p.is_dir() else 'blob'
            return f"{self.blob_base.replace('/blob/', f'/{kind}/')}/{rel.as_posix()}" + sep + frag
        return url

    def rewrite(self, md: str, nb_dir: Path) -> str:
        def links(text: str) -> str:
            def md_link(m):
                # an image is '![alt](url)': find the '[' that this ']' closes and look for '!' before it
                depth, i = 0, m.start()
                while i >= 0:
                    if text[i] == ']': depth += 1
                    elif text[i] == '[':
                        depth -= 1
                        if depth == 0: break
                    i -= 1
                image = i > 0 and text[i - 1] == '!'
                return f"]({self.target(m.group(1), nb_dir, image)}{m.group(2) or ''})"
            text = _MD_LINK.sub(md_link, text)
            return _HTML_ATTR.sub(lambda m: f"{m.group(1)}={m.group(2)}"
                                            f"{self.target(m.group(3), nb_dir, m.group(1) == 'src', raw_html=True)}{m.group(2)}", text)
        return outside_code(md, links)


# ----------------------------------------------------------------------------------------------- page parts
def md_cell(text: str, **meta) -> dict:
    return dict(cell_type='markdown', metadata=meta, source=text)


def header_html(colab: str, info: dict, figures: list, lesson: str) -> str:
    "The block under a lesson's title: Colab badge, what produced the page, headline figures."
    e = html.escape
    how = ('from its setup cell' if info.get('source') == 'setup cell'
           else 'from the build environment (the setup cell printed nothing this builder could read)')
    when = f" on {e(info['executed'])}" if info.get('executed') else ''
    lines = [f'<div class="course-header" id="course-header-{e(lesson)}">',
             f'<p class="course-badges"><a class="colab-badge" href="{e(colab)}">'
             f'<img src="{COLAB_BADGE_LOCAL}" alt="Open In Colab" width="117" height="20"></a></p>',
             f'<p class="course-run">This page shows the lesson as <code>course-lib run</code> executed it{when}: '
             f'<strong>{e(describe_run(info))}</strong> <span class="course-run-source">(read {how})</span>.',
             ' Figures from quick mode on offline stand-ins show that the code works end to end; the reference '
             'numbers need full mode and the real data.</p>'
             if info.get('mode') == 'quick' and 'offline' in (info.get('data') or '') else '</p>']
    if figures:
        groups = {k for k, _, _ in figures}
        lines.append('<table class="course-figures"><caption>Headline figures of this run</caption>'
                     '<thead><tr><th>figure</th><th>value</th></tr></thead><tbody>')
        for key, name, value in figures:
            label = f'{key}.{name}' if len(groups) > 1 else name
            lines.append(f'<tr><td><code>{e(label)}</code></td><td>{e(fmt_value(value))}</td></tr>')
        lines.append('</tbody></table>')
    else:
        lines.append('<p class="course-figures-none">This lesson records no headline figures.</p>')
    lines.append('</div>')
    return '\n'.join(lines)


def _short_repr(obj, lines: int = 12) -> str:
    import pprint
    text = pprint.pformat(obj, width=100, sort_dicts=False).splitlines()
    return '\n'.join(text if len(text) <= lines else text[:lines] + ['...'])


def api_markdown(module: str, package: str = 'course_lib') -> str:
    """The API of `package.module`: the signature and docstring of every name in its `__all__` (through
    `course_lib.core.show_doc`), and type and value of the names that are not functions or classes."""
    import importlib
    import inspect
    from course_lib.core import show_doc
    mod = importlib.import_module(f'{package}.{module}')
    names = getattr(mod, '__all__', None)
    if names is None: raise ValueError(f"{package}.{module} has no __all__")
    parts = [f'## API reference: `{package}.{module}`',
             f'Every public name of `{package}.{module}` (its `__all__`), with signature and docstring.',
             f'```python\nfrom {package}.{module} import *\n```']
    for name in names:
        obj = getattr(mod, name)
        if callable(obj) and (inspect.isclass(obj) or inspect.isroutine(obj) or hasattr(obj, '__wrapped__')):
            parts.append(show_doc(obj, name=name, level=3).text.strip())
        elif isinstance(obj, (dict, list, tuple, set, frozenset, str, bytes, int, float, complex, bool, type(None))):
            parts.append(f"### {name}\n\n```python\n{name}: {type(obj).__name__} = {_short_repr(obj)}\n```")
        else:   # an object (e.g. a configuration instance): its class, not a value that depends on the build machine
            doc = inspect.getdoc(type(obj)) or ''
            parts.append(f"### {name}\n\n```python\n{name}: {type(obj).__name__}\n```\n\nAn instance of "
                         f"`{type(obj).__name__}`{': ' + doc if doc else '.'}")
    return '\n\n'.join(parts) + '\n'


def cell_tags(source: str) -> list[str]:
    "myst-nb tags for a code cell's nbdev/Quarto directives (`#| hide`, `#| echo: false`, `#| output: false`)."
    d, tags = directives(source), []
    if 'hide' in d or d.get('include') == 'false': tags.append('remove-cell')
    if d.get('echo') == 'false': tags.append('remove-input')
    if d.get('output') == 'false': tags.append('remove-output')
    return tags


_DROP_MIME = ('application/vnd.jupyter.widget-view+json', 'application/vnd.jupyter.widget-state+json')


def split_after_title(md: str) -> tuple[str, str]:
    "Split a title cell after its `# Title` line and the `> summary` quote right under it (nbdev's layout)."
    lines = md.split('\n')
    i = next((k for k, l in enumerate(lines) if re.match(r'^#\s+\S', l)), None)
    if i is None: return md, ''
    j = i + 1
    while j < len(lines) and not lines[j].strip(): j += 1
    if j < len(lines) and lines[j].lstrip().startswith('>'):
        while j < len(lines) and lines[j].strip() and not re.match(r'^#{1,6}\s', lines[j]): j += 1
    else: j = i + 1
    return '\n'.join(lines[:j]).rstrip() + '\n', '\n'.join(lines[j:]).strip('\n')


def prepare_nb(nb: dict, mapper: LinkMapper, nb_dir: Path, header: str | None = None, tail: list[str] = ()) -> dict:
    """A copy of notebook `nb` ready for myst-nb: nbdev directives turned into remove-* tags, the `default_exp`
    cell removed, links rewritten, `header` (raw HTML) inserted after the title cell and `tail` cells appended."""
    nb = copy.deepcopy(nb)
    cells = []
    for c in nb.get('cells', []):
        c.setdefault('metadata', {})
        if c.get('cell_type') == 'code':
            src = src_text(c)
            if re.search(r'^\s*#\s*\|\s*default_exp\b', src, re.M) and not src.strip().splitlines()[1:]: continue
            tags = [t for t in c['metadata'].get('tags', []) if t != 'skip-execution'] + cell_tags(src)
            if tags: c['metadata']['tags'] = sorted(set(tags))
            else: c['metadata'].pop('tags', None)
            for o in c.get('outputs', []):
                for mime in _DROP_MIME: o.get('data', {}).pop(mime, None)
            c['outputs'] = [o for o in c.get('outputs', []) if o.get('output_type') not in ('display_data', 'execute_result') or o.get('data')]
        elif c.get('cell_type') == 'markdown':
            c['source'] = mapper.rewrite(src_text(c), nb_dir)
        cells.append(c)
    if header is not None:
        at = next((i for i, c in enumerate(cells) if c.get('cell_type') == 'markdown'
                   and re.search(r'^#\s+\S', src_text(c), re.M)), None)
        if at is None: cells.insert(0, md_cell(header))
        else:
            head, rest = split_after_title(src_text(cells[at]))
            cells[at]['source'] = head
            cells[at + 1:at + 1] = [md_cell(header)] + ([md_cell(rest)] if rest.strip() else [])
    cells += [md_cell(t) for t in tail]
    for i, c in enumerate(cells):      # nbformat 4.5 wants an id on every cell: a stable one where it is missing
        if not c.get('id'): c['id'] = f'site-{i}'
    nb['cells'] = cells
    meta = nb.setdefault('metadata', {})
    meta.pop('widgets', None)
    meta['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    meta.setdefault('language_info', dict(name='python', pygments_lexer='ipython3'))
    nb['nbformat'], nb['nbformat_minor'] = 4, max(5, nb.get('nbformat_minor', 5))
    return nb


def title_of(nb: dict, default: str) -> str:
    for c in nb.get('cells', []):
        if c.get('cell_type') == 'markdown':
            m = re.search(r'^\s*#\s+(.+?)\s*$', src_text(c), re.M)
            if m: return m.group(1)
    return default


_MATH = re.compile(r'(?<![\\$])\$(?=\S)[^$\n]+?(?<=\S)\$(?!\d)|\$\$|\\begin\{')


def has_math(nb: dict) -> bool:
    "True when a notebook may show math (dollar math or `\\begin{...}` in Markdown outside code, or LaTeX outputs)."
    for c in nb.get('cells', []):
        if c.get('cell_type') == 'markdown':
            prose = ''.join(p for i, p in enumerate(_CODE.split(src_text(c))) if i % 2 == 0)
            if _MATH.search(prose): return True
        for o in c.get('outputs', []):
            if 'text/latex' in o.get('data', {}): return True
    return False


# ----------------------------------------------------------------------------------------------- build
def ensure_results(nbs: Path, results: Path, stale: str, log=print) -> list[str]:
    "Run (quick, offline) the lessons whose executed copy is missing, or stale when `stale == 'rerun'`; return their names."
    todo, old = [], []
    for p in lesson_paths(nbs):
        ex = results / p.name
        if not ex.exists(): todo.append(p.stem)
        elif is_stale(read_nb(p), read_nb(ex)): old.append(p.stem)
    if old and stale == 'rerun': todo += old
    elif old: log(f"site: WARNING: executed copies older than their lessons (shown as they are): {', '.join(old)}")
    if todo:
        todo = [p.stem for p in lesson_paths(nbs) if p.stem in todo]
        log(f"site: running {len(todo)} lesson(s) first (quick, offline): {', '.join(todo)}")
        cmd = [sys.executable, '-c', 'import sys; from course_lib.cli import main; sys.exit(main(sys.argv[1:]))',
               'run', '--offline', '--nbs', str(nbs), '--out', str(results), '--lessons', ','.join(todo)]
        rc = subprocess.run(cmd, cwd=ROOT).returncode
        if rc: log(f"site: WARNING: course-lib run exited with {rc}; the failing lesson's page shows its error")
    missing = [p.stem for p in lesson_paths(nbs) if not (results / p.name).exists()]
    if missing: raise RuntimeError(f"no executed copy for {missing} in {results} even after course-lib run")
    return todo


def find_mathjax() -> Path | None:
    "A local MathJax 2 (the `jupyter-server-mathjax` package ships one), or None."
    try:
        import jupyter_server_mathjax
    except ImportError:
        return None
    p = Path(jupyter_server_mathjax.__file__).parent / 'static'
    return p if (p / 'MathJax.js').is_file() else None


def stage(root: Path, results: Path, stage_dir: Path, log=print) -> dict:
    "Write the Sphinx source tree (conf.py, static files, prepared notebooks); return the manifest of pages."
    settings = read_settings(root)
    nbs = root / settings.get('nbs_path', 'nbs')
    git_url, branch = settings['git_url'], settings.get('branch', 'main')
    blob_base = f"{git_url.rstrip('/')}/blob/{branch}"
    if stage_dir.exists(): shutil.rmtree(stage_dir)
    (stage_dir / '_static').mkdir(parents=True)
    for f in (HERE / 'static').iterdir():
        if f.is_file(): shutil.copy2(f, stage_dir / '_static' / f.name)
    shutil.copy2(HERE / 'conf.py', stage_dir / 'conf.py')

    lessons = lesson_paths(nbs)
    if not (nbs / 'index.ipynb').exists(): raise FileNotFoundError(f"no home notebook {nbs / 'index.ipynb'}")
    pages = {p.name: p.name for p in lessons}          # links to a lesson go to its page (myst resolves .ipynb docs)
    pages['index.ipynb'] = 'index.ipynb'
    mapper = LinkMapper(root, nbs, pages, blob_base, stage_dir)
    manifest = dict(title=settings.get('title', 'course'), pages=[], built=datetime.now(timezone.utc).isoformat(timespec='seconds'))
    math = False
    for p in lessons:
        ex = read_nb(results / p.name)
        info = run_info(ex)
        figures = load_figures(results / 'figures' / p.stem)
        module = default_exp(ex) or default_exp(read_nb(p))
        tail, api_names, api_error = [], 0, None
        if module:
            try:
                tail.append(api_markdown(module))
                api_names = len(__import__(f'course_lib.{module}', fromlist=['__all__']).__all__)
            except Exception as e:   # the page still builds; the missing API is said on it, in the log and the manifest
                api_error = f"{type(e).__name__}: {e}"
                log(f"site: WARNING: no API for {p.stem} (course_lib.{module}): {api_error}")
                tail.append(f"## API reference: `course_lib.{module}`\n\nThe API could not be read when this site was "
                            f"built ({type(e).__name__}).\n")
        head = header_html(colab_url(git_url, branch, p.name, settings.get('nbs_path', 'nbs')), info, figures, p.stem)
        out = prepare_nb(ex, mapper, nbs, header=head, tail=tail)
        math |= has_math(out)
        (stage_dir / p.name).write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding='utf-8')
        errors = sum(o.get('output_type') == 'error' for c in ex.get('cells', []) for o in c.get('outputs', []))
        if errors: log(f"site: WARNING: {p.stem} has {errors} error output(s): its page shows them")
        manifest['pages'].append(dict(page=p.stem + '.html', lesson=p.stem, title=title_of(ex, p.stem), module=module,
                                      figures=len(figures), api_names=api_names, api_error=api_error,
                                      run=describe_run(info), run_source=info['source'],
                                      colab=colab_url(git_url, branch, p.name, settings.get('nbs_path', 'nbs')),
                                      error_outputs=errors))
    home = read_nb(nbs / 'index.ipynb')
    toc = '```{toctree}\n:hidden:\n:maxdepth: 1\n:caption: Lessons\n\n' + '\n'.join(p.stem for p in lessons) + '\n```\n'
    note = ('## About this site\n\nEvery lesson page is a copy of the notebook as `course-lib run` executed it, with '
            'its outputs and pictures; the line under each title says which mode, data and device produced it. '
            'Run the lessons yourself with the "Open in Colab" badges, or in a clone with `make course`; '
            '`make site` rebuilds this site offline.\n')
    home_out = prepare_nb(home, mapper, nbs, tail=[note, toc])
    math |= has_math(home_out)
    (stage_dir / 'index.ipynb').write_text(json.dumps(home_out, indent=1, ensure_ascii=False), encoding='utf-8')
    manifest['pages'].insert(0, dict(page='index.html', lesson=None, title=title_of(home, 'home')))
    mathjax = find_mathjax() if math else None
    if math and mathjax is None:
        log("site: WARNING: a page has math but no local MathJax is installed (pip install jupyter-server-mathjax): "
            "it will load MathJax from the internet")
    if mathjax:   # what MathJax 2 loads for TeX input and HTML-CSS output (its localization/ is not needed for English)
        for part in ('MathJax.js', 'LICENSE', 'config', 'extensions', 'fonts', 'jax'):
            src, dest = mathjax / part, stage_dir / '_static' / 'mathjax' / part
            if src.is_dir(): shutil.copytree(src, dest)
            elif src.is_file(): dest.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(src, dest)
    meta = dict(project=settings.get('title', 'course'), author=settings.get('author', ''),
                copyright=settings.get('copyright', ''), description=settings.get('description', ''),
                repository_url=git_url, branch=branch, nbs_path=settings.get('nbs_path', 'nbs'),
                version=settings.get('version', ''), mathjax=bool(mathjax))
    (stage_dir / 'site.json').write_text(json.dumps(meta, indent=1), encoding='utf-8')
    return manifest


def sphinx_build(src: Path, out: Path, doctrees: Path, log=print) -> list[str]:
    """Run sphinx-build (html) from `src` into a fresh `out`; return its warnings. Sphinx writes next to the staging
    folder (myst-nb puts a `jupyter_execute/` beside its output folder), then the finished site moves to `out`."""
    html = src.parent / 'html'
    for d in (html, src.parent / 'jupyter_execute'):
        if d.exists(): shutil.rmtree(d)
    warnings = src.parent / 'sphinx-warnings.txt'
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-E', '-q', '-j', '1', '--keep-going',
           '-d', str(doctrees), '-w', str(warnings), str(src), str(html)]
    env = {**os.environ, 'PYDEVD_DISABLE_FILE_VALIDATION': '1'}
    r = subprocess.run(cmd, env=env)
    lines = [l for l in warnings.read_text(encoding='utf-8').splitlines() if l.strip()] if warnings.exists() else []
    if r.returncode: raise RuntimeError(f"sphinx-build failed ({r.returncode}); warnings: {lines[-10:]}")
    if out.exists(): shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(html), str(out))
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog='tools/site/build.py', description=__doc__.split('\n\n')[0])
    p.add_argument('--results', default=str(ROOT / 'results' / 'quick'), help='executed lessons (default results/quick)')
    p.add_argument('--out', default=str(ROOT / '_site'), help='output folder (default _site, git-ignored)')
    p.add_argument('--work', default=str(ROOT / 'build' / 'site'), help='staging folder (default build/site)')
    p.add_argument('--stale', choices=('rerun', 'keep'), default='rerun',
                   help="executed copies that no longer match their lesson: run them again (default) or show them as they are")
    p.add_argument('--print-requirements', action='store_true', help="print settings.ini's site_requirements and exit")
    a = p.parse_args(argv)
    if a.print_requirements:
        print(' '.join(site_requirements(read_settings(ROOT)))); return 0
    start = time.perf_counter()
    results, out, work = Path(a.results).resolve(), Path(a.out).resolve(), Path(a.work).resolve()
    nbs = ROOT / read_settings(ROOT).get('nbs_path', 'nbs')
    ran = ensure_results(nbs, results, a.stale)
    t_stage = time.perf_counter()
    manifest = stage(ROOT, results, work / 'src')
    warnings = sphinx_build(work / 'src', out, work / 'doctrees')
    missing = [pg['page'] for pg in manifest['pages'] if not (out / pg['page']).is_file()]
    if missing: raise RuntimeError(f"sphinx wrote no page for {missing}")
    manifest.update(build_seconds=round(time.perf_counter() - t_stage, 1), lessons_run_first=ran,
                    sphinx_warnings=len(warnings), html_files=len(list(out.rglob('*.html'))))
    (out / 'site-manifest.json').write_text(json.dumps(manifest, indent=1), encoding='utf-8')
    for w in warnings[:15]: print(f"  sphinx: {w}")
    if len(warnings) > 15: print(f"  ... {len(warnings) - 15} more in {work / 'sphinx-warnings.txt'}")
    print(f"site: {len(manifest['pages'])} pages (home + {len(manifest['pages']) - 1} lessons; {manifest['html_files']} "
          f"HTML files with search and index) built into {out} in {manifest['build_seconds']:.1f}s "
          f"(total {time.perf_counter() - start:.1f}s), {len(warnings)} Sphinx warning(s)")
    print(f"site: to read it, serve it locally: python -m http.server -d {out} -b 127.0.0.1 8000, "
          f"then open http://127.0.0.1:8000/")
    return 0


if __name__ == '__main__':
    sys.exit(main())
