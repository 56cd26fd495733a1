#!/usr/bin/env python
"""Build and serve the local mirror of every course source (tests/mirror.py) until killed.

    python tools/mirror.py serve --root /tmp/course-mirror [--port 0] [--no-weights]

Builds the mirror under ROOT (once; later runs reuse it), serves it on 127.0.0.1, writes ROOT/sources.json (the
COURSE_SOURCES file, with this server's URL) and ROOT/mirror-url.txt, and prints both. Point lessons at it with

    COURSE_SOURCES=ROOT/sources.json TORCH_HOME=<a scratch folder> COURSE_DATA=<a scratch folder> \\
        course-lib run --lessons 02,05,07,10

A scratch TORCH_HOME keeps the mirror's random-weight files out of your real torch cache (pretrained() would not trust
them anyway: their bytes do not match torchvision's file names), and a scratch COURSE_DATA keeps the mirror's small
archives out of the course's data/ folder. `python tools/mirror.py build --root ROOT` only builds.
"""
import argparse
import importlib.util
import signal
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _load_mirror():
    sys.path.insert(0, str(REPO))
    spec = importlib.util.spec_from_file_location('course_mirror', REPO / 'tests' / 'mirror.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog='tools/mirror.py', description=__doc__.split('\n\n')[0])
    p.add_argument('command', choices=('serve', 'build'))
    p.add_argument('--root', required=True, help='folder for the mirror (created if needed)')
    p.add_argument('--port', type=int, default=0, help='port on 127.0.0.1 (default: a free one)')
    p.add_argument('--no-weights', action='store_true', help='skip the torchvision weight files (about 700 MB)')
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535: p.error(f'--port must be in 0..65535, got {args.port}')
    root = Path(args.root).expanduser().resolve()
    try: root.mkdir(parents=True, exist_ok=True)
    except OSError as e: p.error(f'--root {root}: cannot create it ({e.strerror or e})')
    m = _load_mirror()
    t0 = time.perf_counter()
    manifest = m.build_mirror(root, weights=() if args.no_weights else m.WEIGHT_ARCHS)
    print(f'mirror of {len(manifest)} files ready in {root} ({time.perf_counter() - t0:.1f} s)', flush=True)
    if args.command == 'build': return 0
    server = m.MirrorServer(root, port=args.port)
    sources = server.write_sources(root / 'sources.json')
    (root / 'mirror-url.txt').write_text(server.url + '\n')
    print(f'MIRROR_URL={server.url}\nCOURSE_SOURCES={sources}', flush=True)
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    try: server.httpd.serve_forever()
    except KeyboardInterrupt: pass
    finally: server.httpd.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
