"""Every registered source through a local mirror in its real layout (tests/mirror.py), read by the readers the lessons
use; the User-Agent rule; HTTP errors, stalls, truncation, bad checksums and unreachable hosts, with and without
fallback. Nothing here touches the internet. Set COURSE_MIRROR=/some/dir to reuse a built mirror between runs."""
import json
import os
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import course_lib.datasets as ds
from course_lib.datasets import DatasetUnavailable, PretrainedUnavailable, fetch, is_fallback, pretrained

from mirror import MirrorServer, build_mirror, descriptive_agent, WEIGHT_ARCHS


@pytest.fixture(scope='session')
def mirror(tmp_path_factory):
    root = Path(os.environ.get('COURSE_MIRROR') or tmp_path_factory.mktemp('mirror'))
    build_mirror(root)
    with MirrorServer(root) as server:
        yield server


@pytest.fixture
def via_mirror(mirror, monkeypatch, tmp_path):
    "The course pointed at the mirror: online, a private data cache and torch cache, COURSE_SOURCES written."
    monkeypatch.setenv('COURSE_OFFLINE', '0')
    monkeypatch.setenv('COURSE_DATA', str(tmp_path / 'data'))
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    monkeypatch.setenv('COURSE_SOURCES', str(mirror.write_sources(tmp_path / 'sources.json')))
    monkeypatch.setattr(ds, 'DOWNLOAD_TIMEOUT', 1.0)
    mirror.faults.clear()
    ds._announced.clear()
    yield mirror
    mirror.faults.clear()


def listing(root: Path) -> list:
    return sorted(str(p.relative_to(root)) for p in root.rglob('*')) if root.exists() else []


def test_every_registered_source_is_mirrored(mirror):
    assert set(mirror.sources()) == set(ds.DATA_SOURCES) | {f'weights:{a}' for a in WEIGHT_ARCHS}
    for name, src in ds.DATA_SOURCES.items():           # same file name as the real source
        assert mirror.url_for(name).endswith(src.url.split('://', 1)[1])


# ---------------------------------------------------------------- each source, read the way its lesson reads it

def test_mnist_sample(via_mirror):
    from course_lib.mnist import image_folder_xy
    path = fetch('mnist_sample', show=False)
    assert not is_fallback(path) and (path / '.source').read_text().startswith(via_mirror.url)
    x, y = image_folder_xy(path / 'train', ['3', '7'])
    assert x.shape == (60, 28, 28) and y.tolist() == [0] * 30 + [1] * 30 and 0 <= x.min() and x.max() == 1
    xv, _ = image_folder_xy(path / 'valid', ['3', '7'])
    assert xv.shape == (20, 28, 28)
    rows = (path / 'labels.csv').read_text().splitlines()
    assert rows[0] == 'name,label' and len(rows) == 81
    assert all((path / r.split(',')[0]).is_file() and r.endswith(',1') == ('/7/' in r) for r in rows[1:])


def test_mnist(via_mirror):
    from course_lib.cnn import digit_loaders
    path = fetch('mnist', show=False)
    assert not is_fallback(path)
    train, valid = digit_loaders(path, bs=16)
    xb, yb = next(iter(train))
    assert xb.shape == (16, 1, 28, 28) and len(train.dataset) == 200 and len(valid.dataset) == 50
    assert sorted(set(torch.cat([y for _, y in valid]).tolist())) == list(range(10))


def test_hotdog(via_mirror):
    from course_lib.finetune import image_folder_loaders
    path = fetch('hotdog', show=False)
    assert not is_fallback(path)
    train, valid = image_folder_loaders(path, size=64, bs=8)
    xb, yb = next(iter(train))
    assert xb.shape == (8, 3, 64, 64) and train.dataset.classes == ['hotdog', 'not-hotdog']
    assert len(train.dataset) == 48 and len(valid.dataset) == 24


def test_banana(via_mirror):
    from course_lib.ssd import detection_classes, read_data_bananas
    path = fetch('banana', show=False)
    assert not is_fallback(path)
    X, Y = read_data_bananas(path, is_train=True)
    assert X.shape == (40, 3, 256, 256) and Y.shape == (40, 1, 5) and (Y[..., 0] == 0).all()
    assert ((Y[..., 1:] >= 0) & (Y[..., 1:] <= 1)).all() and (Y[..., 3] > Y[..., 1]).all()
    Xv, _ = read_data_bananas(path, is_train=False, size=64)
    assert Xv.shape == (10, 3, 64, 64) and detection_classes(path) == ['banana']


def test_voc2012(via_mirror):
    path = fetch('voc2012', show=False)
    assert not is_fallback(path) and ds.segmentation_classes(path) == list(ds.VOC_CLASSES)
    seg = path / 'ImageSets' / 'Segmentation'
    train, val = (seg / 'train.txt').read_text().split(), (seg / 'val.txt').read_text().split()
    assert (len(train), len(val)) == (12, 6) and len(list((path / 'JPEGImages').glob('*.jpg'))) == 22   # extras without masks
    sizes = set()
    for name in train + val:
        img = Image.open(path / 'JPEGImages' / f'{name}.jpg')
        mask = ds.read_voc_mask(path / 'SegmentationClass' / f'{name}.png')
        assert mask.shape == (img.height, img.width) and set(np.unique(mask)) <= set(range(21)) | {255}
        assert (mask == 255).any() and ((mask > 0) & (mask < 255)).any()
        sizes.add(img.size)
    assert len(sizes) > 1                                  # VOC's images differ in size


@pytest.mark.parametrize('name,size', [('style_content', (600, 400)), ('style_painting', (640, 507))])
def test_style_photos(via_mirror, name, size):
    from course_lib.style import load_image
    path = fetch(name, show=False)
    assert path.is_file() and path.suffix == '.jpg' and not is_fallback(path)
    img = load_image(path)
    assert img.mode == 'RGB' and img.size == size


@pytest.mark.parametrize('arch', WEIGHT_ARCHS)
def test_pretrained_weights(via_mirror, arch, tmp_path):
    model = pretrained(arch, progress_bar=False)
    cached = tmp_path / 'torch' / 'hub' / 'checkpoints'
    served = Path(via_mirror.root / 'files' / json.loads((via_mirror.root / 'manifest.json').read_text())[f'weights:{arch}']['path'])
    assert [p.name for p in cached.iterdir()] == [served.name]          # torchvision's own file name
    want = torch.load(served, map_location='cpu', weights_only=True)
    got = model.state_dict()
    assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in want)
    assert model.weights_name and model.weights_name.endswith('IMAGENET1K_V1')
    del model, want, got


# ---------------------------------------------------------------- HTTP that real servers accept

def test_mirror_refuses_anonymous_requests(via_mirror):
    url = via_mirror.url_for('style_painting')
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(url, timeout=5)              # urllib's default User-Agent, as Wikimedia sees it
    assert e.value.code == 403
    assert not descriptive_agent('Python-urllib/3.11') and not descriptive_agent(None)
    assert descriptive_agent(ds.USER_AGENT)
    path = fetch('style_painting', show=False)              # the course gets through
    assert not is_fallback(path)
    assert [(code, agent) for rel, agent, code in via_mirror.log if rel.endswith('Google_Art_Project.jpg')][-2:] == \
           [(403, 'Python-urllib/' + '.'.join(map(str, __import__('sys').version_info[:2]))), (200, ds.USER_AGENT)]


FAULTS = [(('status', 403), 'HTTP 403'), (('status', 404), 'HTTP 404'), (('status', 429), 'HTTP 429'),
          (('status', 500), 'HTTP 500'), (('status', 503), 'HTTP 503'), (('stall', 4), 'stalled: no data for 1 s'),
          (('silent', 4), 'stalled: no answer within 1 s'), (('truncate', None), 'broke off')]


@pytest.mark.parametrize('fault,cause', FAULTS, ids=[c for _, c in FAULTS])
@pytest.mark.parametrize('name', ['style_content', 'mnist_sample'])
def test_faults_with_and_without_fallback(via_mirror, tmp_path, name, fault, cause):
    url = via_mirror.url_for(name)
    via_mirror.faults[url.split('/', 3)[3]] = fault
    with pytest.raises(DatasetUnavailable, match=cause) as e:
        fetch(name, fallback=False, show=False)
    assert url in str(e.value)
    assert listing(tmp_path / 'data') == []                  # nothing half-written
    with pytest.warns(ds.OfflineFallbackWarning) as w:
        path = fetch(name, show=False)
    w = [x for x in w if issubclass(x.category, ds.OfflineFallbackWarning)]
    assert is_fallback(path) and len(w) == 1 and url in str(w[0].message) and cause in str(w[0].message), [str(x.message) for x in w]
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert is_fallback(fetch(name, show=False))          # announced once
    assert listing(tmp_path / 'data')[0] == f'{name}-offline'


def test_checksum_mismatch_and_unreachable(via_mirror, tmp_path, monkeypatch):
    sources = via_mirror.sources()
    sources['style_content']['checksum'] = 'sha256:' + '0' * 64
    sources['style_painting']['url'] = 'http://127.0.0.1:9/nothing-listens-here.jpg'
    (tmp_path / 'bad.json').write_text(json.dumps(sources))
    monkeypatch.setenv('COURSE_SOURCES', str(tmp_path / 'bad.json'))
    for name, cause in (('style_content', 'checksum mismatch for rainier.jpg'), ('style_painting', 'cannot reach')):
        with pytest.raises(DatasetUnavailable, match=cause):
            fetch(name, fallback=False, show=False)
        with pytest.warns(ds.OfflineFallbackWarning, match=cause):
            assert is_fallback(fetch(name, show=False))
    assert listing(tmp_path / 'data') == sorted(listing(tmp_path / 'data'))
    assert [p for p in listing(tmp_path / 'data') if '-offline' not in p] == []


@pytest.mark.parametrize('fault,cause', [(('status', 429), 'HTTP 429'), (('stall', 4), 'stalled'), (('truncate', None), 'broke off')])
def test_weight_faults(via_mirror, tmp_path, fault, cause):
    via_mirror.faults[via_mirror.url_for('weights:resnet18').split('/', 3)[3]] = fault
    with pytest.raises(PretrainedUnavailable, match=cause):
        pretrained('resnet18', progress_bar=False)
    with pytest.warns(ds.OfflineFallbackWarning, match=f'RANDOM WEIGHTS.*{cause}'):
        assert pretrained('resnet18', allow_random=True, progress_bar=False).weights_name is None
    assert listing(tmp_path / 'torch' / 'hub' / 'checkpoints') == []
