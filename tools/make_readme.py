#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (what `nbdev_readme` does, without needing Quarto).

Markdown cells are copied; code cells become ```python blocks (cells marked `#| hide`
are left out, as are nbdev directive lines); text outputs saved in the notebook follow
their cell. `--check` exits 1 if README.md is not up to date."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding='utf-8'))
    parts = ['<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->']
    for cell in nb['cells']:
        src = ''.join(cell['source']).rstrip()
        if not src: continue
        if cell['cell_type'] == 'markdown':
            parts.append(src)
            continue
        if cell['cell_type'] != 'code': continue
        lines = src.splitlines()
        if any(l.strip().replace(' ', '') in ('#|hide', '#|exporti') for l in lines): continue
        code = '\n'.join(l for l in lines if not l.lstrip().startswith('#|')).strip()
        if code: parts.append(f'```python\n{code}\n```')
        for out in cell.get('outputs', []):
            text = out.get('text') or out.get('data', {}).get('text/plain')
            if text: parts.append('```\n' + ''.join(text).rstrip() + '\n```')
    return '\n\n'.join(parts) + '\n'


def main(argv):
    out = ROOT / 'README.md'
    text = render(ROOT / 'nbs' / 'index.ipynb')
    if '--check' in argv:
        if not out.exists() or out.read_text(encoding='utf-8') != text:
            print('README.md is out of date: run `make readme`', file=sys.stderr)
            return 1
        return 0
    out.write_text(text, encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
