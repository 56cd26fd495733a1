#!/usr/bin/env python
"""Compare a learner venv before and after `pip install` of the course: fail on any downgrade, and on any
reinstall or version change of the packages Colab preinstalls (torch, torchvision, fastai, fastcore).

usage: check_learner_env.py BEFORE_FREEZE AFTER_FREEZE PIP_REPORT_JSON"""
import json
import sys

from packaging.version import Version

KEEP = ('torch', 'torchvision', 'fastai', 'fastcore')


def _norm(name: str) -> str: return name.lower().replace('_', '-')


def read_freeze(path: str) -> dict:
    "name -> version from `pip freeze` output (editable and URL lines are skipped)."
    out = {}
    for line in open(path, encoding='utf-8'):
        line = line.strip()
        if '==' in line and not line.startswith(('#', '-e')):
            name, _, ver = line.partition('==')
            out[_norm(name)] = ver.split('+')[0]
    return out


def main(argv) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr); return 2
    before, after = read_freeze(argv[0]), read_freeze(argv[1])
    report = json.load(open(argv[2], encoding='utf-8'))
    installed = {_norm(i['metadata']['name']): i['metadata']['version'] for i in report.get('install', [])}
    problems = []
    for name, old in sorted(before.items()):
        new = after.get(name)
        if new is None: problems.append(f"{name} {old} was removed")
        elif Version(new) < Version(old): problems.append(f"{name} was DOWNGRADED {old} -> {new}")
    for name in KEEP:
        if name in installed: problems.append(f"pip (re)installed {name} {installed[name]} (was {before.get(name)})")
        if before.get(name) != after.get(name): problems.append(f"{name} changed {before.get(name)} -> {after.get(name)}")
    upgraded = sorted(f"{n} {before[n]} -> {after[n]}" for n in before if n in after and after[n] != before[n])
    added = sorted(f"{n} {after[n]}" for n in after if n not in before)
    print('kept as preinstalled: ' + ', '.join(f"{n} {after.get(n)}" for n in KEEP))
    print(f"upgraded ({len(upgraded)}): " + (', '.join(upgraded) or 'none'))
    print(f"added ({len(added)}): " + ', '.join(added))
    if problems:
        print('FAIL: ' + '; '.join(problems), file=sys.stderr)
        return 1
    print('ok: no downgrade, and torch, torchvision, fastai and fastcore were kept as they were')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
