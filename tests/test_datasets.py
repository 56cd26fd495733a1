"""The real download path of `course_lib.datasets.fetch`, against a local HTTP server on 127.0.0.1.

Covers success, cache hit without a second request, checksum mismatch, HTTP 404/500,
an interrupted transfer, an unreachable host falling back, an unwritable cache, and the
layout of the offline stand-ins. Nothing here touches the internet."""
import hashlib
import http.server
import io
import os
import tarfile
import threading
import warnings
from pathlib import Path

import pytest
from PIL import Image

import course_lib.datasets as ds
from course_lib.datasets import (ChecksumError, DatasetError, DatasetUnavailable, DownloadError, Source, fetch,
                                 is_fallback, register_source)


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
        self.routes, self.log = {}, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args): pass

            def do_GET(self):
                outer.log.append(self.path)
                kind, body = outer.routes.get(self.path, ('status', 404))
                if kind == 'status':
                    self.send_error(body)
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
    path = fetch('mnist_sample')
    assert is_fallback(path)
    counts = {f'{s}/{c}': len(list((path / s / c).glob('*.png'))) for s in ('train', 'valid') for c in ('3', '7')}
    # sklearn has 183 threes and 179 sevens; round(20%) of each class goes to valid
    assert counts == {'train/3': 146, 'train/7': 143, 'valid/3': 37, 'valid/7': 36}
    lines = (path / 'labels.csv').read_text().splitlines()
    assert lines[0] == 'name,label' and len(lines) == 1 + 146 + 143
    assert sum(line.endswith(',1') for line in lines[1:]) == 143   # label 1 = seven, as in MNIST_SAMPLE
    assert all(Image.open(p).size == (28, 28) for p in list((path / 'valid' / '7').glob('*.png'))[:5])


def test_offline_digits_full_layout_and_determinism(tmp_path, monkeypatch):
    a = fetch('mnist')
    n = {s: sum(len(list((a / s / str(c)).glob('*.png'))) for c in range(10)) for s in ('training', 'testing')}
    assert n['training'] + n['testing'] == 1797 and abs(n['testing'] - 0.2 * 1797) < 10
    monkeypatch.setenv('COURSE_DATA', str(tmp_path / 'other'))
    b = fetch('mnist')
    files_a = sorted(p.relative_to(a) for p in a.rglob('*.png'))
    assert files_a == sorted(p.relative_to(b) for p in b.rglob('*.png'))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a[::97])


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
