"""Bad input, table-driven (issue 16): every public function of the library and every flag of the `course-lib`
command, fed wrong types, out-of-range numbers, NaN/inf, bools for ints, wrong dtypes, wrong shapes, empty tensors,
boxes with x2 < x1, wrong image modes and bit depths, missing/unreadable/truncated files, unwritable outputs, sizes
that would need gigabytes and unknown names.

Each row of `CASES` is `(kind, label, call, error type, words)`: `call(F)` (F holds small files and models made once)
must raise exactly `error type`, and the message must contain every one of `words` (the argument's name, and where it
helps the value or file). `DTYPE_CASES` check that what a function accepts it computes right, in every dtype it
accepts. The file and CLI tests check that nothing was destroyed or left half-written, and that a usage error is
exit status 2 with a one-line message and no traceback (1 for a run-time failure).
Everything is tiny (a few pixels, a few weights); "huge" inputs are zero-stride views (`expand`), which cost no memory,
and every case runs under an address-space cap, so a function that allocated before refusing fails here with a
MemoryError instead of exhausting the machine. The file runs in well under a minute."""
import math
import os
import sys
from collections import Counter, OrderedDict
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st
from PIL import Image
from torch import nn

import course_lib.anchors as A
import course_lib.cli as CLI
import course_lib.cnn as CNN
import course_lib.core as C
import course_lib.datasets as D
import course_lib.featviz as FV
import course_lib.finetune as FT
import course_lib.learner as L
import course_lib.mnist as M
import course_lib.segment as SEG
import course_lib.ssd as SSD
import course_lib.yolo as Y
import course_lib.style as S

# kinds of bad input (the closing note counts the cases of each)
TYPE, BOOL, RANGE, NONFINITE = 'wrong type', 'bool for an int', 'out-of-range number', 'NaN or inf'
DTYPE, SHAPE, EMPTY, ORDER = 'wrong dtype', 'wrong shape or channel count', 'empty input', 'boxes with x2 < x1'
MODE, MISSING, UNREADABLE = 'wrong image mode or bit depth', 'missing file or folder', 'unreadable, truncated or corrupt file'
UNWRITABLE, HUGE, UNKNOWN = 'unwritable output path', 'size that would need gigabytes', 'unknown name'

ROOT = os.geteuid() == 0 if hasattr(os, 'geteuid') else False


@contextmanager
def memory_cap(extra_gb: float = 3.0):
    "Cap this process's address space at its current size + `extra_gb`, so a refused call that allocates anyway fails"
    "with MemoryError instead of exhausting a shared machine (Linux; elsewhere nothing is capped)."
    try:
        import resource
        vm = next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmSize:'))
        old = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, StopIteration):
        yield; return
    cap = vm + int(extra_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap if old[1] == resource.RLIM_INFINITY else min(cap, old[1]), old[1]))
    try: yield
    finally: resource.setrlimit(resource.RLIMIT_AS, old)


# ------------------------------------------------------------------------------------------------------------ fixtures
def _png(path: Path, arr, mode=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr), mode).save(path)
    return path


def _truncated(path: Path) -> Path:
    _png(path, np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


class TinyVGG(nn.Module):
    "Just enough of a VGG (a `.features` stack) for the style functions."
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 4, 3, padding=1), nn.ReLU())


class FakeResNet(nn.Module):
    "Just enough of a torchvision ResNet (an avgpool and a Linear fc) for fcn_resnet."
    def __init__(self):
        super().__init__()
        self.conv1, self.avgpool, self.fc = nn.Conv2d(3, 2, 1), nn.AdaptiveAvgPool2d(1), nn.Linear(2, 3)


@pytest.fixture(scope='module')
def F(tmp_path_factory):
    "Small files, folders and models every case may use (made once)."
    root = tmp_path_factory.mktemp('bad')
    rng = np.random.default_rng(0)
    f = SimpleNamespace(root=root)
    f.text = root / 'notes.txt'; f.text.write_text('not an image')
    f.fake_png = root / 'fake.png'; f.fake_png.write_text('not a png either')
    f.rgb = _png(root / 'rgb.png', rng.integers(0, 255, (20, 24, 3), dtype=np.uint8))
    f.gray16 = root / 'gray16.png'
    Image.fromarray(np.full((20, 24), 40000, np.uint16)).save(f.gray16)            # a 16-bit 'I;16' PNG
    f.truncated = _truncated(root / 'truncated.png')
    f.missing = root / 'no-such-file.png'
    f.empty_dir = root / 'empty'; f.empty_dir.mkdir()
    f.a_file_as_folder = f.text / 'out.png'                                            # its folder is a file
    f.missing_folder = root / 'no-such-folder' / 'out.png'
    # image folders: one fine, one with a truncated image, one with a 16-bit image, one with mixed sizes
    for name, bad in (('ok', None), ('trunc', 'truncated'), ('deep', 'gray16'), ('mixed', 'mixed')):
        d = root / 'digits' / name
        for i in range(3): _png(d / f'{i}.png', rng.integers(0, 255, (8, 8), dtype=np.uint8))
        if bad == 'truncated': _truncated(d / '9.png')
        if bad == 'gray16': Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(d / '9.png')
        if bad == 'mixed': _png(d / '9.png', np.zeros((9, 8), np.uint8))
    setattr(f, 'digits', root / 'digits')
    # an ImageFolder layout with a truncated photo (lesson 05's loaders)
    for split in ('train', 'test'):
        for cls in ('a', 'b'):
            for i in range(2): _png(root / 'photos' / split / cls / f'{i}.png', rng.integers(0, 255, (16, 16, 3), dtype=np.uint8))
    _truncated(root / 'photos' / 'train' / 'a' / 'broken.png')
    f.photos = root / 'photos'
    f.voc_rgb_odd = _png(root / 'odd_colours.png', np.full((4, 4, 3), 7, np.uint8))
    f.vgg = TinyVGG()
    f.ext = S.FeatureExtractor(f.vgg.features, (0, 3))
    f.img = torch.zeros(1, 3, 16, 16)
    f.body = nn.Sequential(OrderedDict(conv=nn.Conv2d(3, 4, 3), relu=nn.ReLU(), layer1=nn.Conv2d(4, 6, 3)))
    f.lin = nn.Linear(3, 2)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    f.dls = L.DataLoaders([(x, y)], [(x, y)])
    f.learn = L.Learner(nn.Linear(3, 2), f.dls, cbs=[], default_cbs=False)
    f.boxes = torch.tensor([[0., 0., 2., 2.], [1., 1., 3., 3.]])
    f.bad_boxes = torch.tensor([[0., 0., 2., 2.], [3., 1., 1., 3.]])                    # x2 < x1
    f.anchors = A.multibox_prior(torch.zeros(1, 1, 2, 2), [0.5], [1.0])[0]
    f.history = [dict(step=0, content=1., style=1., tv=1., total=3.)]
    # banana-layout detection sets (lesson 07): fine, a truncated image, a 16-bit image, a label with x2 < x1
    for name, bad in (('ok', None), ('trunc', 'truncated'), ('deep', 'gray16'), ('order', 'order')):
        for split in ('bananas_train', 'bananas_val'):
            d = root / 'banana' / name / split
            _png(d / 'images' / '0.png', rng.integers(0, 255, (16, 16, 3), dtype=np.uint8))
            row = '0.png,0,2,2,10,10' if bad != 'order' else '0.png,0,10,2,2,10'
            (d / 'label.csv').write_text('img_name,label,xmin,ymin,xmax,ymax\n' + row + '\n')
            if bad == 'truncated': _truncated(d / 'images' / '0.png')
            if bad == 'gray16': Image.fromarray(np.full((16, 16), 40000, np.uint16)).save(d / 'images' / '0.png')
    f.banana = root / 'banana'
    # VOC-layout segmentation sets (lesson 09): fine, and one with a truncated photo
    for name in ('ok', 'trunc'):
        d = root / 'voc' / name
        for sub in ('JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation'): (d / sub).mkdir(parents=True)
        Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)).save(d / 'JPEGImages' / 'a.jpg')
        D.save_voc_mask(np.zeros((12, 16), np.uint8), d / 'SegmentationClass' / 'a.png')
        for split in ('train', 'val'): (d / 'ImageSets' / 'Segmentation' / f'{split}.txt').write_text('a\n')
        (d / 'classes.txt').write_text('background\nthing\n')
        if name == 'trunc': (d / 'JPEGImages' / 'a.jpg').write_bytes((d / 'JPEGImages' / 'a.jpg').read_bytes()[:300])
    f.voc = root / 'voc'
    f.ssd = SSD.TinySSD(1, channels=(2, 2, 2, 2))
    f.fake_resnet = FakeResNet()
    f.yolo_anchors = torch.tensor([[0.2, 0.3], [0.5, 0.4]])
    f.yolo_labels = torch.tensor([[[0., 0.1, 0.1, 0.5, 0.6]]])
    f.yolo = Y.TinyYOLO(1, f.yolo_anchors, channels=(2, 2, 2, 2))
    f.yolo_preds = torch.zeros(1, 2, 2, 2, 6)
    f.seg_net = nn.Conv2d(3, 2, 1)
    return f


def case(kind, label, call, exc, *words):
    return pytest.param(kind, call, exc, words, id=f'{label}')


def tiny_cnn():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3))


CASES = [
    # ----------------------------------------------------------------------------------------------------- core
    case(TYPE, 'core.show_doc-obj', lambda F: C.show_doc(5), TypeError, 'obj'),
    case(TYPE, 'core.show_doc-name', lambda F: C.show_doc(len, name=5), TypeError, 'name'),
    case(RANGE, 'core.show_doc-level0', lambda F: C.show_doc(len, level=0), ValueError, 'level'),
    case(BOOL, 'core.show_doc-level-bool', lambda F: C.show_doc(len, level=True), TypeError, 'level'),
    case(UNKNOWN, 'core.get_device-tpu', lambda F: C.get_device('tpu'), ValueError, 'prefer', 'tpu'),
    case(TYPE, 'core.get_device-int', lambda F: C.get_device(5), TypeError, 'prefer'),
    case(BOOL, 'core.set_seed-bool', lambda F: C.set_seed(True), TypeError, 'seed'),
    case(TYPE, 'core.set_seed-float', lambda F: C.set_seed(1.0), TypeError, 'seed'),
    case(RANGE, 'core.set_seed-negative', lambda F: C.set_seed(-1), ValueError, 'seed'),
    case(RANGE, 'core.set_seed-2**32', lambda F: C.set_seed(2**32), ValueError, 'seed'),
    case(TYPE, 'core.set_seed-deterministic', lambda F: C.set_seed(0, deterministic='yes'), TypeError, 'deterministic'),
    case(BOOL, 'core.check_int-bool', lambda F: C.check_int(True, 'epochs'), TypeError, 'epochs'),
    case(TYPE, 'core.check_int-float', lambda F: C.check_int(2.0, 'epochs'), TypeError, 'epochs'),
    case(RANGE, 'core.check_int-lo', lambda F: C.check_int(0, 'epochs', lo=1), ValueError, 'epochs', '>= 1'),
    case(RANGE, 'core.check_int-hi', lambda F: C.check_int(9, 'epochs', hi=3), ValueError, 'epochs', '<= 3'),
    case(NONFINITE, 'core.check_number-nan', lambda F: C.check_number(float('nan'), 'lr'), ValueError, 'lr', 'finite'),
    case(NONFINITE, 'core.check_number-inf', lambda F: C.check_number(float('inf'), 'lr'), ValueError, 'lr'),
    case(BOOL, 'core.check_number-bool', lambda F: C.check_number(True, 'lr'), TypeError, 'lr'),
    case(TYPE, 'core.check_number-str', lambda F: C.check_number('0.1', 'lr'), TypeError, 'lr'),
    case(RANGE, 'core.check_number-open_lo', lambda F: C.check_number(0, 'lr', lo=0, open_lo=True), ValueError, 'lr', '> 0'),
    case(UNKNOWN, 'core.check_choice', lambda F: C.check_choice('sgd', 'optimizer', ('adam',)), ValueError, 'optimizer', 'sgd'),
    case(TYPE, 'core.check_choice-unhashable', lambda F: C.check_choice(['a'], 'mode', {'a', 'b'}), ValueError, 'mode'),
    case(TYPE, 'core.check_memory-n_bytes', lambda F: C.check_memory('1e9', 'size', 'a picture'), TypeError, 'n_bytes'),
    case(RANGE, 'core.check_memory-negative', lambda F: C.check_memory(-1, 'size', 'a picture'), ValueError, 'n_bytes'),
    case(NONFINITE, 'core.check_memory-nan', lambda F: C.check_memory(float('nan'), 'size', 'a picture'), ValueError, 'n_bytes'),
    case(RANGE, 'core.check_memory-max_gb', lambda F: C.check_memory(1, 'size', 'a picture', max_gb=0), ValueError, 'max_gb'),
    case(HUGE, 'core.check_memory-too-much', lambda F: C.check_memory(4e10, 'size', 'a picture'), ValueError, 'size', '40.0 GB'),
    case(TYPE, 'core.atomic_path-dest', lambda F: C.atomic_path(5).__enter__(), TypeError, 'dest'),
    case(MISSING, 'core.atomic_path-no-folder', lambda F: C.atomic_path(F.missing_folder).__enter__(), FileNotFoundError,
         'dest', 'no-such-folder'),
    case(UNWRITABLE, 'core.atomic_path-folder-is-a-file', lambda F: C.atomic_path(F.a_file_as_folder).__enter__(),
         NotADirectoryError, 'dest', 'notes.txt'),
    case(UNWRITABLE, 'core.atomic_path-dest-is-a-folder', lambda F: C.atomic_path(F.empty_dir).__enter__(),
         IsADirectoryError, 'dest'),
    case(TYPE, 'core.save_atomic-save', lambda F: C.save_atomic(F.root / 'x.png', 5), TypeError, 'save'),
    case(TYPE, 'core.env_flag-name', lambda F: C.env_flag(5), TypeError, 'name'),
    case(TYPE, 'core.cfg.sizes-type', lambda F: C.cfg.sizes([1], {}), TypeError, 'quick'),
    case(UNKNOWN, 'core.cfg.sizes-keys', lambda F: C.cfg.sizes(dict(a=1), dict(b=1)), ValueError, 'quick', 'full'),
    case(TYPE, 'core.headline-lesson-type', lambda F: C.headline(5, acc=1), TypeError, 'lesson'),
    case(EMPTY, 'core.headline-no-figures', lambda F: C.headline('x'), ValueError, 'figure'),
    case(UNKNOWN, 'core.headline-lesson-path', lambda F: C.headline('../evil', acc=1), ValueError, 'lesson', '../evil'),
    case(UNREADABLE, 'core.headline-corrupt-record', lambda F: _corrupt_record() or C.headline('x', acc=1), ValueError, 'x.json'),
    case(NONFINITE, 'core.headline-nan', lambda F: C.headline('x', acc=float('nan')), ValueError, "'acc'"),
    case(NONFINITE, 'core.headline-tensor-inf', lambda F: C.headline('x', acc=torch.tensor(float('inf'))), ValueError, "'acc'"),
    case(SHAPE, 'core.headline-tensor-2', lambda F: C.headline('x', acc=torch.tensor([1., 2.])), ValueError, "'acc'"),
    case(TYPE, 'core.headline-object', lambda F: C.headline('x', acc=object()), TypeError, "'acc'"),
    case(TYPE, 'core.progress-it', lambda F: C.progress(5), TypeError, 'it'),
    case(TYPE, 'core.to_hwc-type', lambda F: C.to_hwc(5), TypeError, 'img'),
    case(SHAPE, 'core.to_hwc-5-channels', lambda F: C.to_hwc(torch.zeros(5, 4, 4)), ValueError, 'img'),
    case(SHAPE, 'core.to_hwc-batch', lambda F: C.to_hwc(torch.zeros(2, 3, 4, 4)), ValueError, 'img'),
    case(SHAPE, 'core.to_hwc-array-5-channels', lambda F: C.to_hwc(np.zeros((4, 4, 5))), ValueError, 'img'),
    case(EMPTY, 'core.to_hwc-empty', lambda F: C.to_hwc(torch.zeros(3, 0, 4)), ValueError, 'img', 'empty'),
    case(NONFINITE, 'core.to_hwc-nan', lambda F: C.to_hwc(torch.full((4, 4), float('nan'))), ValueError, 'img'),
    case(NONFINITE, 'core.to_hwc-inf', lambda F: C.to_hwc(torch.full((4, 4), float('inf'))), ValueError, 'img'),
    case(RANGE, 'core.to_hwc-int-rgb-over-255', lambda F: C.to_hwc(torch.full((3, 4, 4), 300)), ValueError, 'img', '255'),
    case(DTYPE, 'core.to_hwc-complex', lambda F: C.to_hwc(torch.zeros(4, 4, dtype=torch.complex64)), TypeError, 'img'),
    case(TYPE, 'core.show_image-ax', lambda F: C.show_image(torch.zeros(4, 4), ax=5), TypeError, 'ax'),
    case(EMPTY, 'core.show_images-empty', lambda F: C.show_images([]), ValueError, 'imgs'),
    case(TYPE, 'core.show_images-type', lambda F: C.show_images(5), TypeError, 'imgs'),
    case(RANGE, 'core.show_images-nrows0', lambda F: C.show_images([torch.zeros(4, 4)], nrows=0), ValueError, 'nrows'),
    case(RANGE, 'core.show_images-ncols-neg', lambda F: C.show_images([torch.zeros(4, 4)], ncols=-1), ValueError, 'ncols'),
    case(TYPE, 'core.show_images-ncols-str', lambda F: C.show_images([torch.zeros(4, 4)], ncols='2'), TypeError, 'ncols'),
    case(SHAPE, 'core.show_images-titles', lambda F: C.show_images([torch.zeros(4, 4)], titles=['a', 'b']), ValueError, 'titles'),
    case(EMPTY, 'core.hook_outputs-empty', lambda F: C.hook_outputs([]), ValueError, 'modules'),
    case(TYPE, 'core.hook_outputs-int', lambda F: C.hook_outputs(5), TypeError, 'modules'),
    case(TYPE, 'core.hook_outputs-item', lambda F: C.hook_outputs([nn.ReLU(), 5]), TypeError, 'modules[1]'),
    case(TYPE, 'core.HookOutputs-item', lambda F: C.HookOutputs([5]), TypeError, 'modules[0]'),
    case(TYPE, 'core.n_hooks', lambda F: C.n_hooks(5), TypeError, 'model'),
    case(UNKNOWN, 'core.setup_lesson-name', lambda F: C.setup_lesson('99_nope', show=False), ValueError, 'lesson', '99_nope'),
    case(TYPE, 'core.setup_lesson-type', lambda F: C.setup_lesson(['02'], show=False), TypeError, 'lesson'),
    # ------------------------------------------------------------------------------------------------- datasets
    case(UNKNOWN, 'datasets.register_source-name', lambda F: D.register_source('bad name', D.Source('http://x/y')), ValueError, 'name'),
    case(TYPE, 'datasets.register_source-source', lambda F: D.register_source('x', 5), TypeError, 'source'),
    case(UNKNOWN, 'datasets.register_source-url', lambda F: D.register_source('x', D.Source('ftp://x/y')), ValueError, 'source.url'),
    case(UNKNOWN, 'datasets.register_source-archive', lambda F: D.register_source('x', D.Source('http://x/y', archive='rar')),
         ValueError, 'source.archive'),
    case(UNKNOWN, 'datasets.register_source-checksum', lambda F: D.register_source('x', D.Source('http://x/y', 'md5:zz')),
         ValueError, 'source.checksum'),
    case(TYPE, 'datasets.register_source-fallback', lambda F: D.register_source('x', D.Source('http://x/y', fallback=5)),
         TypeError, 'source.fallback'),
    case(RANGE, 'datasets.register_source-max_bytes', lambda F: D.register_source('x', D.Source('http://x/y', max_bytes=0)),
         ValueError, 'source.max_bytes'),
    case(UNKNOWN, 'datasets.register_fallback-name', lambda F: D.register_fallback('nope', print), ValueError, 'name', 'nope'),
    case(TYPE, 'datasets.register_fallback-builder', lambda F: D.register_fallback('mnist', 5), TypeError, 'builder'),
    case(TYPE, 'datasets.file_hash-path', lambda F: D.file_hash(5), TypeError, 'path'),
    case(MISSING, 'datasets.file_hash-missing', lambda F: D.file_hash(F.missing), FileNotFoundError, 'path', 'no-such-file'),
    case(MISSING, 'datasets.file_hash-folder', lambda F: D.file_hash(F.empty_dir), FileNotFoundError, 'path'),
    case(UNKNOWN, 'datasets.file_hash-algo', lambda F: D.file_hash(F.text, 'crc32'), ValueError, 'algo'),
    case(RANGE, 'datasets.file_hash-chunk', lambda F: D.file_hash(F.text, chunk=0), ValueError, 'chunk'),
    case(BOOL, 'datasets.file_hash-chunk-bool', lambda F: D.file_hash(F.text, chunk=True), TypeError, 'chunk'),
    case(TYPE, 'datasets.check_file-checksum-type', lambda F: D.check_file(F.text, 5), TypeError, 'checksum'),
    case(UNKNOWN, 'datasets.check_file-checksum', lambda F: D.check_file(F.text, 'sha256:xyz'), ValueError, 'checksum'),
    case(UNREADABLE, 'datasets.check_file-mismatch', lambda F: D.check_file(F.text, 'md5:' + '0' * 32), D.ChecksumError,
         'notes.txt', 'md5:'),
    case(TYPE, 'datasets.download-url', lambda F: D.download(5, F.root / 'x'), TypeError, 'url'),
    case(UNKNOWN, 'datasets.download-scheme', lambda F: D.download('ftp://x/y', F.root / 'x'), ValueError, 'url'),
    case(NONFINITE, 'datasets.download-timeout-nan', lambda F: D.download('http://127.0.0.1:9/x', F.root / 'x', timeout=float('nan')),
         ValueError, 'timeout'),
    case(RANGE, 'datasets.download-deadline', lambda F: D.download('http://127.0.0.1:9/x', F.root / 'x', deadline=-1),
         ValueError, 'deadline'),
    case(TYPE, 'datasets.download-show', lambda F: D.download('http://127.0.0.1:9/x', F.root / 'x', show='no'), TypeError, 'show'),
    case(UNWRITABLE, 'datasets.download-dest-folder', lambda F: D.download('http://127.0.0.1:9/x', F.empty_dir), IsADirectoryError, 'dest'),
    case(UNWRITABLE, 'datasets.download-dest-under-file', lambda F: D.download('http://127.0.0.1:9/x', F.a_file_as_folder),
         D.DatasetError, 'dest', 'notes.txt'),
    case(RANGE, 'datasets.digits_split-seed', lambda F: D.digits_split(-1), ValueError, 'seed'),
    case(TYPE, 'datasets.digits_split-float', lambda F: D.digits_split(1.5), TypeError, 'seed'),
    case(TYPE, 'datasets.build_digits_sample-dest', lambda F: D.build_digits_sample(5), TypeError, 'dest'),
    case(TYPE, 'datasets.build_digits-dest', lambda F: D.build_digits(None), TypeError, 'dest'),
    case(UNKNOWN, 'datasets.sample_image', lambda F: D.sample_image('mona_lisa'), ValueError, 'name', 'mona_lisa'),
    case(RANGE, 'datasets.synthetic_scenes-n', lambda F: D.synthetic_scenes(-1), ValueError, 'n'),
    case(RANGE, 'datasets.synthetic_scenes-size', lambda F: D.synthetic_scenes(1, size=16), ValueError, 'size'),
    case(TYPE, 'datasets.synthetic_scenes-size-1-tuple', lambda F: D.synthetic_scenes(1, size=(64,)), TypeError, 'size'),
    case(HUGE, 'datasets.synthetic_scenes-huge', lambda F: D.synthetic_scenes(1, size=100_000), ValueError, 'size', 'GB'),
    case(RANGE, 'datasets.synthetic_scenes-max_objects', lambda F: D.synthetic_scenes(1, max_objects=0), ValueError, 'max_objects'),
    case(RANGE, 'datasets.scene_masks-size', lambda F: D.scene_masks([], 0), ValueError, 'size'),
    case(RANGE, 'datasets.scene_masks-void', lambda F: D.scene_masks([], 8, void=21), ValueError, 'void'),
    case(HUGE, 'datasets.scene_masks-huge', lambda F: D.scene_masks([], (200_000, 200_000)), ValueError, 'size', 'GB'),
    case(TYPE, 'datasets.scene_masks-objects', lambda F: D.scene_masks(5, 8), TypeError, 'objects'),
    case(SHAPE, 'datasets.scene_masks-row', lambda F: D.scene_masks([(0, 1, 1, 5)], 8), ValueError, 'objects[0]'),
    case(RANGE, 'datasets.scene_masks-class', lambda F: D.scene_masks([(7, 1, 1, 5, 5)], 8), ValueError, 'objects[0]'),
    case(ORDER, 'datasets.scene_masks-x2<x1', lambda F: D.scene_masks([(0, 6, 1, 2, 5)], 8), ValueError, 'objects[0]'),
    case(DTYPE, 'datasets.save_voc_mask-float', lambda F: D.save_voc_mask(np.zeros((2, 2)), F.root / 'm.png'), TypeError, 'mask'),
    case(SHAPE, 'datasets.save_voc_mask-1d', lambda F: D.save_voc_mask(np.zeros(4, int), F.root / 'm.png'), ValueError, 'mask'),
    case(EMPTY, 'datasets.save_voc_mask-empty', lambda F: D.save_voc_mask(np.zeros((0, 3), int), F.root / 'm.png'), ValueError, 'mask'),
    case(RANGE, 'datasets.save_voc_mask-300', lambda F: D.save_voc_mask(np.full((2, 2), 300), F.root / 'm.png'), ValueError, 'mask'),
    case(RANGE, 'datasets.save_voc_mask-negative', lambda F: D.save_voc_mask(np.full((2, 2), -1), F.root / 'm.png'), ValueError, 'mask'),
    case(MISSING, 'datasets.save_voc_mask-no-folder', lambda F: D.save_voc_mask(np.zeros((2, 2), int), F.missing_folder),
         FileNotFoundError, 'dest'),
    case(TYPE, 'datasets.read_voc_mask-path', lambda F: D.read_voc_mask(5), TypeError, 'path'),
    case(MISSING, 'datasets.read_voc_mask-missing', lambda F: D.read_voc_mask(F.missing), FileNotFoundError, 'path', 'no-such-file'),
    case(UNREADABLE, 'datasets.read_voc_mask-truncated', lambda F: D.read_voc_mask(F.truncated), ValueError, 'path', 'truncated.png'),
    case(UNREADABLE, 'datasets.read_voc_mask-not-an-image', lambda F: D.read_voc_mask(F.fake_png), ValueError, 'path', 'fake.png'),
    case(MODE, 'datasets.read_voc_mask-16bit', lambda F: D.read_voc_mask(F.gray16), ValueError, 'path', "'I;16'"),
    case(MODE, 'datasets.read_voc_mask-odd-colours', lambda F: D.read_voc_mask(F.voc_rgb_odd), ValueError, 'path', 'palette'),
    case(MISSING, 'datasets.segmentation_classes', lambda F: D.segmentation_classes(F.root / 'nope'), FileNotFoundError, 'path'),
    case(RANGE, 'datasets.make_synthetic_detection-n_train', lambda F: D.make_synthetic_detection(F.root / 'd', n_train=0),
         ValueError, 'n_train'),
    case(TYPE, 'datasets.make_synthetic_detection-dest', lambda F: D.make_synthetic_detection(5), TypeError, 'dest'),
    case(HUGE, 'datasets.make_synthetic_detection-huge', lambda F: D.make_synthetic_detection(F.root / 'd', size=100_000),
         ValueError, 'size', 'GB'),
    case(RANGE, 'datasets.make_synthetic_segmentation-void', lambda F: D.make_synthetic_segmentation(F.root / 's', void=30),
         ValueError, 'void'),
    case(TYPE, 'datasets.is_fallback', lambda F: D.is_fallback(5), TypeError, 'path'),
    case(UNKNOWN, 'datasets.fetch-name', lambda F: D.fetch('imagenet'), ValueError, 'name', 'imagenet'),
    case(TYPE, 'datasets.fetch-type', lambda F: D.fetch(5), TypeError, 'name'),
    case(TYPE, 'datasets.fetch-force', lambda F: D.fetch('mnist', force=1), TypeError, 'force'),
    case(TYPE, 'datasets.fetch-fallback', lambda F: D.fetch('mnist', fallback='no'), TypeError, 'fallback'),
    case(UNKNOWN, 'datasets.pretrained-arch', lambda F: D.pretrained('resnet9000'), ValueError, 'arch', 'resnet9000'),
    case(TYPE, 'datasets.pretrained-type', lambda F: D.pretrained(18), TypeError, 'arch'),
    case(TYPE, 'datasets.pretrained-allow_random', lambda F: D.pretrained('resnet18', allow_random='yes'), TypeError, 'allow_random'),
    case(MISSING, 'datasets.pretrained-offline', lambda F: D.pretrained('resnet18'), D.PretrainedUnavailable, 'allow_random'),
    # ---------------------------------------------------------------------------------------------------- mnist
    case(TYPE, 'mnist.image_files-type', lambda F: M.image_files(5), TypeError, 'path'),
    case(MISSING, 'mnist.image_files-missing', lambda F: M.image_files(F.root / 'nope'), FileNotFoundError, 'path', 'nope'),
    case(TYPE, 'mnist.image_files-file', lambda F: M.image_files(F.text), ValueError, 'path', 'notes.txt'),
    case(EMPTY, 'mnist.load_image_folder-empty', lambda F: M.load_image_folder(F.empty_dir), ValueError, 'path', 'no image'),
    case(RANGE, 'mnist.load_image_folder-size0', lambda F: M.load_image_folder(F.digits / 'ok', size=0), ValueError, 'size'),
    case(BOOL, 'mnist.load_image_folder-size-bool', lambda F: M.load_image_folder(F.digits / 'ok', size=True), TypeError, 'size'),
    case(TYPE, 'mnist.load_image_folder-size-str', lambda F: M.load_image_folder(F.digits / 'ok', size='8'), TypeError, 'size'),
    case(HUGE, 'mnist.load_image_folder-huge', lambda F: M.load_image_folder(F.digits / 'ok', size=100_000), ValueError, 'size', 'GB'),
    case(UNREADABLE, 'mnist.load_image_folder-truncated', lambda F: M.load_image_folder(F.digits / 'trunc'), OSError, '9.png'),
    case(MODE, 'mnist.load_image_folder-16bit', lambda F: M.load_image_folder(F.digits / 'deep'), ValueError, '9.png', 'I;16'),
    case(SHAPE, 'mnist.load_image_folder-mixed', lambda F: M.load_image_folder(F.digits / 'mixed'), ValueError, 'size'),
    case(TYPE, 'mnist.image_folder_xy-root', lambda F: M.image_folder_xy(5, ['ok']), TypeError, 'root'),
    case(TYPE, 'mnist.image_folder_xy-classes-str', lambda F: M.image_folder_xy(F.digits, 'ok'), TypeError, 'classes'),
    case(EMPTY, 'mnist.image_folder_xy-classes-empty', lambda F: M.image_folder_xy(F.digits, []), ValueError, 'classes'),
    case(UNKNOWN, 'mnist.image_folder_xy-classes-repeated', lambda F: M.image_folder_xy(F.digits, ['ok', 'ok']), ValueError, 'classes'),
    case(MISSING, 'mnist.image_folder_xy-missing-class', lambda F: M.image_folder_xy(F.digits, ['ok', 'nine']), FileNotFoundError, 'nine'),
    case(DTYPE, 'mnist.mnist_distance-int', lambda F: M.mnist_distance(torch.zeros(2, 2, dtype=torch.uint8), torch.zeros(2, 2)),
         TypeError, 'a', 'uint8'),
    case(TYPE, 'mnist.mnist_distance-array', lambda F: M.mnist_distance(np.zeros((2, 2)), torch.zeros(2, 2)), TypeError, 'a'),
    case(UNKNOWN, 'mnist.mnist_distance-kind', lambda F: M.mnist_distance(torch.zeros(2, 2), torch.zeros(2, 2), 'l3'), ValueError, 'kind'),
    case(SHAPE, 'mnist.mnist_distance-1d', lambda F: M.mnist_distance(torch.zeros(4), torch.zeros(4)), ValueError, 'a'),
    case(SHAPE, 'mnist.mnist_distance-broadcast', lambda F: M.mnist_distance(torch.zeros(2, 3, 3), torch.zeros(3, 3, 3)), ValueError, 'b'),
    case(EMPTY, 'mnist.mnist_distance-empty-image', lambda F: M.mnist_distance(torch.zeros(2, 0, 0), torch.zeros(2, 0, 0)), ValueError, 'a'),
    case(SHAPE, 'mnist.predict_nearest-2d', lambda F: M.predict_nearest(torch.zeros(3, 3), torch.zeros(2, 3, 3)), ValueError, 'x'),
    case(EMPTY, 'mnist.predict_nearest-no-ideals', lambda F: M.predict_nearest(torch.zeros(1, 3, 3), torch.zeros(0, 3, 3)), ValueError, 'ideals'),
    case(SHAPE, 'mnist.predict_nearest-sizes', lambda F: M.predict_nearest(torch.zeros(1, 3, 3), torch.zeros(2, 4, 4)), ValueError, 'ideals'),
    case(TYPE, 'mnist.class_accuracy_table-names', lambda F: M.class_accuracy_table(torch.zeros(2), torch.zeros(2), '37'), TypeError, 'names'),
    case(EMPTY, 'mnist.class_accuracy_table-no-names', lambda F: M.class_accuracy_table(torch.zeros(2), torch.zeros(2), []), ValueError, 'names'),
    case(SHAPE, 'mnist.class_accuracy_table-lengths', lambda F: M.class_accuracy_table(torch.zeros(2), torch.zeros(3), ['a']), ValueError, 'preds'),
    case(RANGE, 'mnist.class_accuracy_table-stray-target', lambda F: M.class_accuracy_table(torch.tensor([0, 1, 2]), torch.tensor([0, 1, 2]),
         ['a', 'b']), ValueError, 'targets', '2'),
    case(RANGE, 'mnist.class_accuracy_table-class-without-targets', lambda F: M.class_accuracy_table(torch.zeros(2), torch.zeros(2), ['a', 'b']),
         ValueError, 'names', "'b'"),
    case(RANGE, 'mnist.init_params-zero', lambda F: M.init_params(0), ValueError, 'size[0]'),
    case(TYPE, 'mnist.init_params-str', lambda F: M.init_params('3'), TypeError, 'size'),
    case(BOOL, 'mnist.init_params-bool', lambda F: M.init_params(True), TypeError, 'size'),
    case(RANGE, 'mnist.init_params-std', lambda F: M.init_params(3, std=0), ValueError, 'std'),
    case(NONFINITE, 'mnist.init_params-std-nan', lambda F: M.init_params(3, std=float('nan')), ValueError, 'std'),
    case(HUGE, 'mnist.init_params-huge', lambda F: M.init_params((100_000, 100_000)), ValueError, 'size', 'GB'),
    case(TYPE, 'mnist.linear1-xb', lambda F: M.linear1([[1.]], torch.zeros(1, 1), torch.zeros(1)), TypeError, 'xb'),
    case(SHAPE, 'mnist.linear1-shapes', lambda F: M.linear1(torch.zeros(2, 3), torch.zeros(4, 1), torch.zeros(1)), ValueError, 'weights'),
    case(SHAPE, 'mnist.linear1-bias', lambda F: M.linear1(torch.zeros(2, 3), torch.zeros(3, 2), torch.zeros(3)), ValueError, 'bias'),
    case(DTYPE, 'mnist.linear1-dtypes', lambda F: M.linear1(torch.zeros(2, 3, dtype=torch.float64), torch.zeros(3, 1), torch.zeros(1)),
         TypeError, 'weights', 'float64'),
    case(DTYPE, 'mnist.sigmoid_loss-int-preds', lambda F: M.sigmoid_loss(torch.zeros(2, dtype=torch.long), torch.zeros(2)), TypeError, 'preds'),
    case(SHAPE, 'mnist.sigmoid_loss-shapes', lambda F: M.sigmoid_loss(torch.zeros(2), torch.zeros(3)), ValueError, 'targets'),
    case(EMPTY, 'mnist.sigmoid_loss-empty', lambda F: M.sigmoid_loss(torch.zeros(0), torch.zeros(0)), ValueError, 'empty'),
    case(RANGE, 'mnist.sigmoid_loss-targets', lambda F: M.sigmoid_loss(torch.zeros(2), torch.tensor([0., 2.])), ValueError, 'targets'),
    case(TYPE, 'mnist.batch_accuracy-type', lambda F: M.batch_accuracy([0.], torch.zeros(1)), TypeError, 'preds'),
    case(TYPE, 'mnist.calc_grad-model', lambda F: M.calc_grad(torch.zeros(1), torch.zeros(1), 5), TypeError, 'model'),
    case(TYPE, 'mnist.calc_grad-loss', lambda F: M.calc_grad(torch.zeros(1), torch.zeros(1), abs, loss_func=5), TypeError, 'loss_func'),
    case(EMPTY, 'mnist.BasicOptim-empty', lambda F: M.BasicOptim([], 0.1), ValueError, 'params'),
    case(TYPE, 'mnist.BasicOptim-int', lambda F: M.BasicOptim(5, 0.1), TypeError, 'params'),
    case(TYPE, 'mnist.BasicOptim-no-grad', lambda F: M.BasicOptim([torch.zeros(2)], 0.1), TypeError, 'params[0]'),
    case(RANGE, 'mnist.BasicOptim-lr', lambda F: M.BasicOptim([torch.zeros(2, requires_grad=True)], 0), ValueError, 'lr'),
    case(TYPE, 'mnist.train_epoch-dl', lambda F: M.train_epoch(abs, 5, M.BasicOptim([torch.zeros(1, requires_grad=True)], 1)), TypeError, 'dl'),
    case(TYPE, 'mnist.train_epoch-opt', lambda F: M.train_epoch(abs, [], 5), TypeError, 'opt'),
    case(EMPTY, 'mnist.train_epoch-empty', lambda F: M.train_epoch(abs, [], M.BasicOptim([torch.zeros(1, requires_grad=True)], 1)),
         ValueError, 'dl'),
    case(EMPTY, 'mnist.validate_epoch-empty', lambda F: M.validate_epoch(abs, []), ValueError, 'dl'),
    case(TYPE, 'mnist.validate_epoch-metric', lambda F: M.validate_epoch(abs, [], metric=5), TypeError, 'metric'),
    # ------------------------------------------------------------------------------------------------------ cnn
    case(RANGE, 'cnn.conv_out_size-n', lambda F: CNN.conv_out_size(0, 3), ValueError, 'n'),
    case(BOOL, 'cnn.conv_out_size-k-bool', lambda F: CNN.conv_out_size(5, True), TypeError, 'k'),
    case(RANGE, 'cnn.conv_out_size-k-too-big', lambda F: CNN.conv_out_size(2, 5), ValueError, 'k'),
    case(RANGE, 'cnn.conv_out_size-s', lambda F: CNN.conv_out_size(5, 3, s=0), ValueError, 's'),
    case(RANGE, 'cnn.conv_out_size-p', lambda F: CNN.conv_out_size(5, 3, p=-1), ValueError, 'p'),
    case(TYPE, 'cnn.conv2d-x-list', lambda F: CNN.conv2d([[1.]], torch.zeros(1, 1, 1, 1)), TypeError, 'x'),
    case(SHAPE, 'cnn.conv2d-x-3d', lambda F: CNN.conv2d(torch.zeros(1, 4, 4), torch.zeros(1, 1, 1, 1)), ValueError, 'x'),
    case(SHAPE, 'cnn.conv2d-weight', lambda F: CNN.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 1)), ValueError, 'weight'),
    case(SHAPE, 'cnn.conv2d-channels', lambda F: CNN.conv2d(torch.zeros(1, 2, 4, 4), torch.zeros(1, 1, 1, 1)), ValueError, 'weight'),
    case(SHAPE, 'cnn.conv2d-bias', lambda F: CNN.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(2, 1, 1, 1), torch.zeros(3)), ValueError, 'bias'),
    case(DTYPE, 'cnn.conv2d-dtypes', lambda F: CNN.conv2d(torch.zeros(1, 1, 4, 4).half(), torch.zeros(1, 1, 1, 1)), TypeError, 'weight'),
    case(RANGE, 'cnn.conv2d-stride', lambda F: CNN.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 1, 1), stride=0), ValueError, 'stride'),
    case(RANGE, 'cnn.conv2d-padding', lambda F: CNN.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 1, 1), padding=-1), ValueError, 'padding'),
    case(TYPE, 'cnn.receptive_field-type', lambda F: CNN.receptive_field(5), TypeError, 'layers'),
    case(UNKNOWN, 'cnn.receptive_field-layer', lambda F: CNN.receptive_field([nn.LSTM(2, 2)]), ValueError, 'layers[0]', 'LSTM'),
    case(UNKNOWN, 'cnn.receptive_field-tuple', lambda F: CNN.receptive_field([('deconv', 3)]), ValueError, 'layers[0]'),
    case(RANGE, 'cnn.receptive_field-k0', lambda F: CNN.receptive_field([('conv', 0)]), ValueError, 'layers[0]'),
    case(RANGE, 'cnn.receptive_field-size', lambda F: CNN.receptive_field([('conv', 3)], size=0), ValueError, 'size'),
    case(RANGE, 'cnn.receptive_field-too-deep', lambda F: CNN.receptive_field([('conv', 5)], size=3), ValueError, 'layers[0]'),
    case(HUGE, 'cnn.rf_heatmaps-huge', lambda F: CNN.rf_heatmaps([('conv', 3)], size=100_000), ValueError, 'size', 'GB'),
    case(HUGE, 'cnn.autograd_rf-huge', lambda F: CNN.autograd_rf([('conv', 3)], size=100_000), ValueError, 'size', 'GB'),
    case(TYPE, 'cnn.max_pool2d-list', lambda F: CNN.max_pool2d([[1.]], 2), TypeError, 'x'),
    case(SHAPE, 'cnn.max_pool2d-2d', lambda F: CNN.max_pool2d(torch.zeros(4, 4), 2), ValueError, 'x'),
    case(RANGE, 'cnn.max_pool2d-k', lambda F: CNN.max_pool2d(torch.zeros(1, 4, 4), 0), ValueError, 'k'),
    case(RANGE, 'cnn.max_pool2d-p', lambda F: CNN.max_pool2d(torch.zeros(1, 4, 4), 2, p=2), ValueError, 'p'),
    case(DTYPE, 'cnn.max_pool2d-complex', lambda F: CNN.max_pool2d(torch.zeros(1, 4, 4, dtype=torch.complex64), 2), TypeError, 'x'),
    case(TYPE, 'cnn.count_params', lambda F: CNN.count_params(5), TypeError, 'model'),
    case(TYPE, 'cnn.logsumexp-list', lambda F: CNN.logsumexp([1., 2.]), TypeError, 'x'),
    case(TYPE, 'cnn.softmax-list', lambda F: CNN.softmax([1., 2.]), TypeError, 'x'),
    case(TYPE, 'cnn.log_softmax-list', lambda F: CNN.log_softmax([1., 2.]), TypeError, 'x'),
    case(DTYPE, 'cnn.softmax-bool', lambda F: CNN.softmax(torch.zeros(3, dtype=torch.bool)), TypeError, 'x'),
    case(SHAPE, 'cnn.nll_loss-1d', lambda F: CNN.nll_loss(torch.zeros(3), torch.zeros(3, dtype=torch.long)), ValueError, 'logp'),
    case(DTYPE, 'cnn.nll_loss-float-target', lambda F: CNN.nll_loss(torch.zeros(2, 3), torch.zeros(2)), TypeError, 'target'),
    case(RANGE, 'cnn.nll_loss-target-range', lambda F: CNN.nll_loss(torch.zeros(2, 3), torch.tensor([0, 3])), ValueError, 'target'),
    case(EMPTY, 'cnn.nll_loss-empty', lambda F: CNN.nll_loss(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)), ValueError, 'empty'),
    case(SHAPE, 'cnn.cross_entropy-1d', lambda F: CNN.cross_entropy(torch.zeros(3), torch.zeros(3, dtype=torch.long)), ValueError, 'logits'),
    case(EMPTY, 'cnn.cross_entropy-empty', lambda F: CNN.cross_entropy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long)), ValueError, 'empty'),
    case(RANGE, 'cnn.simple_cnn-n_out', lambda F: CNN.simple_cnn(0), ValueError, 'n_out'),
    case(EMPTY, 'cnn.simple_cnn-channels-empty', lambda F: CNN.simple_cnn(channels=()), ValueError, 'channels'),
    case(TYPE, 'cnn.simple_cnn-channels-int', lambda F: CNN.simple_cnn(channels=8), TypeError, 'channels'),
    case(RANGE, 'cnn.simple_cnn-channels-0', lambda F: CNN.simple_cnn(channels=(8, 0)), ValueError, 'channels'),
    case(BOOL, 'cnn.simple_cnn-in_ch', lambda F: CNN.simple_cnn(in_ch=True), TypeError, 'in_ch'),
    case(HUGE, 'cnn.simple_cnn-huge', lambda F: CNN.simple_cnn(channels=(100_000, 100_000)), ValueError, 'channels', 'GB'),
    case(MISSING, 'cnn.digit_loaders-path', lambda F: CNN.digit_loaders(F.root / 'nope', 4), FileNotFoundError, 'path'),
    case(RANGE, 'cnn.digit_loaders-bs', lambda F: CNN.digit_loaders(F.root / 'nope', 0), ValueError, 'bs'),
    case(RANGE, 'cnn.digit_loaders-n_valid', lambda F: CNN.digit_loaders(F.root / 'nope', 4, n_valid=0), ValueError, 'n_valid'),
    case(RANGE, 'cnn.digit_loaders-num_workers', lambda F: CNN.digit_loaders(F.root / 'nope', 4, num_workers=-1), ValueError, 'num_workers'),
    case(RANGE, 'cnn.digit_loaders-seed', lambda F: CNN.digit_loaders(F.root / 'nope', 4, seed=-1), ValueError, 'seed'),
    case(TYPE, 'cnn.digit_loaders-path-type', lambda F: CNN.digit_loaders(5, 4), TypeError, 'path'),
    case(SHAPE, 'cnn.accuracy-1d', lambda F: CNN.accuracy(torch.zeros(3), torch.zeros(3)), ValueError, 'logits'),
    case(SHAPE, 'cnn.accuracy-targets', lambda F: CNN.accuracy(torch.zeros(3, 2), torch.zeros(2)), ValueError, 'targets'),
    case(EMPTY, 'cnn.accuracy-empty', lambda F: CNN.accuracy(torch.zeros(0, 2), torch.zeros(0)), ValueError, 'empty'),
    case(TYPE, 'cnn.accuracy-list', lambda F: CNN.accuracy([[1., 0.]], torch.zeros(1)), TypeError, 'logits'),
    # -------------------------------------------------------------------------------------------------- learner
    case(TYPE, 'learner.DataLoaders-train', lambda F: L.DataLoaders(5), TypeError, 'train'),
    case(TYPE, 'learner.DataLoaders-valid', lambda F: L.DataLoaders([], 'valid'), TypeError, 'valid'),
    case(UNKNOWN, 'learner.to_device-name', lambda F: L.to_device(torch.zeros(1), 'gpu'), ValueError, 'device', 'gpu'),
    case(TYPE, 'learner.batch_size-int', lambda F: L.batch_size(5), TypeError, 'int'),
    case(SHAPE, 'learner.batch_size-0d', lambda F: L.batch_size(torch.tensor(1.)), ValueError, 'xb'),
    case(TYPE, 'learner.Learner-model', lambda F: L.Learner(5, F.dls), TypeError, 'model'),
    case(TYPE, 'learner.Learner-dls', lambda F: L.Learner(F.lin, 5), TypeError, 'dls'),
    case(RANGE, 'learner.Learner-lr', lambda F: L.Learner(F.lin, F.dls, lr=0), ValueError, 'lr'),
    case(NONFINITE, 'learner.Learner-lr-nan', lambda F: L.Learner(F.lin, F.dls, lr=float('nan')), ValueError, 'lr'),
    case(TYPE, 'learner.Learner-loss_func', lambda F: L.Learner(F.lin, F.dls, loss_func=5), TypeError, 'loss_func'),
    case(TYPE, 'learner.Learner-cbs', lambda F: L.Learner(F.lin, F.dls, cbs=[5]), TypeError, 'cbs[0]'),
    case(TYPE, 'learner.Learner-cbs-class', lambda F: L.Learner(F.lin, F.dls, cbs=[L.HistoryCB]), TypeError, 'cbs[0]', 'HistoryCB()'),
    case(EMPTY, 'learner.Learner-param_groups-empty', lambda F: L.Learner(F.lin, F.dls, param_groups=[]), TypeError, 'param_groups'),
    case(UNKNOWN, 'learner.Learner-param_groups-foreign', lambda F: L.Learner(F.lin, F.dls, param_groups=[dict(params=nn.Linear(1, 1).parameters())]),
         ValueError, 'param_groups'),
    case(RANGE, 'learner.Learner-param_groups-lr', lambda F: L.Learner(F.lin, F.dls, param_groups=[dict(params=F.lin.parameters(), lr=-1)]),
         ValueError, "param_groups[0]['lr']"),
    case(RANGE, 'learner.fit-n_epochs', lambda F: F.learn.fit(0), ValueError, 'n_epochs'),
    case(BOOL, 'learner.fit-n_epochs-bool', lambda F: F.learn.fit(True), TypeError, 'n_epochs'),
    case(NONFINITE, 'learner.fit-lr-inf', lambda F: F.learn.fit(1, lr=float('inf')), ValueError, 'lr'),
    case(EMPTY, 'learner.fit-empty-train', lambda F: L.Learner(F.lin, L.DataLoaders([], None)).fit(1), ValueError, 'dls.train'),
    case(TYPE, 'learner.fit-cbs', lambda F: F.learn.fit(1, cbs=[5]), TypeError, 'cbs[0]'),
    case(TYPE, 'learner.validate-dl', lambda F: F.learn.validate(dl=5), TypeError, 'dl'),
    case(EMPTY, 'learner.get_preds-empty', lambda F: F.learn.get_preds(dl=[]), ValueError, 'dl'),
    case(TYPE, 'learner.model_device', lambda F: L.model_device(5), TypeError, 'model'),
    case(UNKNOWN, 'learner.DeviceCB-device', lambda F: L.DeviceCB('gpu'), ValueError, 'device', 'gpu'),
    case(EMPTY, 'learner.MetricsCB-none', lambda F: L.MetricsCB(), ValueError, 'metric'),
    case(TYPE, 'learner.MetricsCB-not-callable', lambda F: L.MetricsCB(acc=5), TypeError, "'acc'"),
    case(UNKNOWN, 'learner.MetricsCB-lambda', lambda F: L.MetricsCB(lambda p, y: p), ValueError, 'lambda'),
    case(TYPE, 'learner.HistoryCB-batch_losses', lambda F: L.HistoryCB(batch_losses='yes'), TypeError, 'batch_losses'),
    case(RANGE, 'learner.NonFiniteCB-every', lambda F: L.NonFiniteCB(every=0), ValueError, 'every'),
    case(TYPE, 'learner.ProgressCB-cols', lambda F: L.ProgressCB(cols=5), TypeError, 'cols'),
    case(TYPE, 'learner.ProgressCB-bars', lambda F: L.ProgressCB(bars='no'), TypeError, 'bars'),
    case(RANGE, 'learner.one_cycle-total', lambda F: L.one_cycle(0, 1, 0.1), ValueError, 'total_steps'),
    case(RANGE, 'learner.one_cycle-step', lambda F: L.one_cycle(-1, 10, 0.1), ValueError, 'step'),
    case(RANGE, 'learner.one_cycle-step-past-end', lambda F: L.one_cycle(10, 10, 0.1), ValueError, 'step'),
    case(NONFINITE, 'learner.one_cycle-peak-nan', lambda F: L.one_cycle(0, 10, float('nan')), ValueError, 'peak'),
    case(RANGE, 'learner.one_cycle-pct_start', lambda F: L.one_cycle(0, 10, 0.1, pct_start=0), ValueError, 'pct_start'),
    case(RANGE, 'learner.one_cycle-div', lambda F: L.one_cycle(0, 10, 0.1, div=0), ValueError, 'div'),
    case(SHAPE, 'learner.one_cycle-moms', lambda F: L.one_cycle(0, 10, 0.1, moms=(0.9,)), ValueError, 'moms'),
    case(RANGE, 'learner.OneCycleCB-pct_start', lambda F: L.OneCycleCB(pct_start=1.5), ValueError, 'pct_start'),
    case(SHAPE, 'learner.OneCycleCB-moms', lambda F: L.OneCycleCB(moms=(0.9, 0.8)), ValueError, 'moms'),
    case(RANGE, 'learner.OneCycleCB-moms-range', lambda F: L.OneCycleCB(moms=(0.9, 0.8, 1.5)), ValueError, 'moms'),
    case(RANGE, 'learner.OneCycleCB-total_steps', lambda F: L.OneCycleCB(total_steps=1), ValueError, 'total_steps'),
    case(DTYPE, 'learner.MixedPrecisionCB-dtype', lambda F: L.MixedPrecisionCB(torch.float32), ValueError, 'dtype'),
    # ------------------------------------------------------------------------------------------------- finetune
    case(RANGE, 'finetune.train_transforms-size', lambda F: FT.train_transforms(0), ValueError, 'size'),
    case(TYPE, 'finetune.train_transforms-scale-type', lambda F: FT.train_transforms(scale=0.5), TypeError, 'scale'),
    case(RANGE, 'finetune.train_transforms-scale-order', lambda F: FT.train_transforms(scale=(0.9, 0.1)), ValueError, 'scale'),
    case(RANGE, 'finetune.train_transforms-ratio', lambda F: FT.train_transforms(ratio=(0, 1)), ValueError, 'ratio'),
    case(NONFINITE, 'finetune.train_transforms-ratio-nan', lambda F: FT.train_transforms(ratio=(float('nan'), 1)), ValueError, 'ratio'),
    case(RANGE, 'finetune.train_transforms-hflip', lambda F: FT.train_transforms(hflip=2), ValueError, 'hflip'),
    case(RANGE, 'finetune.train_transforms-hue', lambda F: FT.train_transforms(hue=0.6), ValueError, 'hue'),
    case(RANGE, 'finetune.train_transforms-brightness', lambda F: FT.train_transforms(brightness=-1), ValueError, 'brightness'),
    case(SHAPE, 'finetune.train_transforms-mean-std', lambda F: FT.train_transforms(mean=(0.5,), std=(0.5, 0.5)), ValueError, 'mean'),
    case(TYPE, 'finetune.train_transforms-mean-int', lambda F: FT.train_transforms(mean=5, std=(1.,)), TypeError, 'mean'),
    case(RANGE, 'finetune.train_transforms-std-0', lambda F: FT.train_transforms(std=(0, 1, 1)), ValueError, 'std'),
    case(NONFINITE, 'finetune.train_transforms-std-nan', lambda F: FT.train_transforms(std=(float('nan'), 1, 1)), ValueError, 'std'),
    case(RANGE, 'finetune.eval_transforms-resize', lambda F: FT.eval_transforms(224, resize=100), ValueError, 'resize'),
    case(NONFINITE, 'finetune.eval_transforms-mean-inf', lambda F: FT.eval_transforms(mean=(float('inf'), 0, 0)), ValueError, 'mean'),
    case(SHAPE, 'finetune.denormalize-2d', lambda F: FT.denormalize(torch.zeros(4, 4)), ValueError, 'x'),
    case(TYPE, 'finetune.denormalize-list', lambda F: FT.denormalize([[1.]]), TypeError, 'x'),
    case(SHAPE, 'finetune.denormalize-channels', lambda F: FT.denormalize(torch.zeros(1, 4, 4)), ValueError, 'x'),
    case(DTYPE, 'finetune.denormalize-uint8', lambda F: FT.denormalize(torch.zeros(3, 4, 4, dtype=torch.uint8)), TypeError, 'x', 'uint8'),
    case(TYPE, 'finetune.find_head-type', lambda F: FT.find_head(5), TypeError, 'model'),
    case(UNKNOWN, 'finetune.find_head-none', lambda F: FT.find_head(nn.Conv2d(1, 1, 1)), ValueError, 'model'),
    case(RANGE, 'finetune.replace_head-1', lambda F: FT.replace_head(tiny_cnn(), 1), ValueError, 'n_classes'),
    case(BOOL, 'finetune.replace_head-bool', lambda F: FT.replace_head(tiny_cnn(), True), TypeError, 'n_classes'),
    case(TYPE, 'finetune.replace_head-regression', lambda F: FT.replace_head(tiny_cnn(), 2, regression='no'), TypeError, 'regression'),
    case(UNKNOWN, 'finetune.transfer_model-arch', lambda F: FT.transfer_model('resnet9000', 2), ValueError, 'arch'),
    case(TYPE, 'finetune.transfer_model-arch-type', lambda F: FT.transfer_model(18, 2), TypeError, 'arch'),
    case(RANGE, 'finetune.transfer_model-n_classes', lambda F: FT.transfer_model('resnet18', 0, pretrained_weights=False), ValueError, 'n_classes'),
    case(TYPE, 'finetune.transfer_model-pretrained', lambda F: FT.transfer_model('resnet18', 2, pretrained_weights='no'), TypeError,
         'pretrained_weights'),
    case(TYPE, 'finetune.split_params', lambda F: FT.split_params(5), TypeError, 'model'),
    case(RANGE, 'finetune.param_groups-lr', lambda F: FT.param_groups(tiny_cnn(), 0), ValueError, 'lr'),
    case(NONFINITE, 'finetune.param_groups-head_mult', lambda F: FT.param_groups(tiny_cnn(), 0.1, float('nan')), ValueError, 'head_mult'),
    case(RANGE, 'finetune.finetune_sgd-momentum', lambda F: FT.finetune_sgd(tiny_cnn(), 0.1, momentum=1), ValueError, 'momentum'),
    case(RANGE, 'finetune.finetune_sgd-weight_decay', lambda F: FT.finetune_sgd(tiny_cnn(), 0.1, weight_decay=-1), ValueError, 'weight_decay'),
    case(TYPE, 'finetune.finetune_learner-dls', lambda F: FT.finetune_learner(tiny_cnn(), 5, 0.1), TypeError, 'dls'),
    case(TYPE, 'finetune.freeze_body', lambda F: FT.freeze_body(5), TypeError, 'model'),
    case(TYPE, 'finetune.unfreeze', lambda F: FT.unfreeze(5), TypeError, 'model'),
    case(TYPE, 'finetune.fine_tune-learn', lambda F: FT.fine_tune(5, 1), TypeError, 'learn'),
    case(RANGE, 'finetune.fine_tune-epochs', lambda F: FT.fine_tune(F.learn, 0), ValueError, 'epochs'),
    case(RANGE, 'finetune.fine_tune-freeze_epochs', lambda F: FT.fine_tune(F.learn, 1, freeze_epochs=-1), ValueError, 'freeze_epochs'),
    case(NONFINITE, 'finetune.fine_tune-lr_mult', lambda F: FT.fine_tune(F.learn, 1, lr_mult=float('inf')), ValueError, 'lr_mult'),
    case(MISSING, 'finetune.image_folder_loaders-path', lambda F: FT.image_folder_loaders(F.root / 'nope'), FileNotFoundError, 'path'),
    case(RANGE, 'finetune.image_folder_loaders-bs', lambda F: FT.image_folder_loaders(F.photos, bs=0), ValueError, 'bs'),
    case(RANGE, 'finetune.image_folder_loaders-n_train', lambda F: FT.image_folder_loaders(F.photos, n_train=0), ValueError, 'n_train'),
    case(RANGE, 'finetune.image_folder_loaders-seed', lambda F: FT.image_folder_loaders(F.photos, seed=-1), ValueError, 'seed'),
    case(RANGE, 'finetune.image_folder_loaders-num_workers', lambda F: FT.image_folder_loaders(F.photos, num_workers=-1), ValueError, 'num_workers'),
    case(UNREADABLE, 'finetune.image_folder_loaders-truncated', lambda F: [b for b in FT.image_folder_loaders(F.photos, size=8, bs=8)[0]],
         OSError, 'broken.png'),
    case(EMPTY, 'finetune.compare_runs-empty', lambda F: FT.compare_runs({}), ValueError, 'runs'),
    case(EMPTY, 'finetune.compare_runs-empty-history', lambda F: FT.compare_runs({'a': []}), ValueError, "runs['a']"),
    case(UNKNOWN, 'finetune.compare_runs-no-accuracy', lambda F: FT.compare_runs({'a': [dict(epoch=0, train_loss=1., seconds=1.)]}),
         ValueError, "runs['a']", 'accuracy'),
    case(TYPE, 'finetune.plot_runs-colors', lambda F: FT.plot_runs({'a': [dict(accuracy=1., train_loss=1., seconds=1.)]}, colors=5),
         TypeError, 'colors'),
    # -------------------------------------------------------------------------------------------------- anchors
    case(TYPE, 'anchors.box_corner_to_center-list', lambda F: A.box_corner_to_center([[0, 0, 1, 1]]), TypeError, 'boxes'),
    case(DTYPE, 'anchors.box_corner_to_center-int', lambda F: A.box_corner_to_center(torch.zeros(1, 4, dtype=torch.long)), TypeError, 'boxes'),
    case(SHAPE, 'anchors.box_corner_to_center-shape', lambda F: A.box_corner_to_center(torch.zeros(2, 3)), ValueError, 'boxes'),
    case(ORDER, 'anchors.box_corner_to_center-order', lambda F: A.box_corner_to_center(F.bad_boxes), ValueError, 'boxes', 'x1 <= x2'),
    case(NONFINITE, 'anchors.box_corner_to_center-nan', lambda F: A.box_corner_to_center(torch.full((1, 4), float('nan'))), ValueError, 'boxes'),
    case(RANGE, 'anchors.box_center_to_corner-negative-w', lambda F: A.box_center_to_corner(torch.tensor([[1., 1., -1., 1.]])), ValueError, 'boxes'),
    case(TYPE, 'anchors.show_bboxes-axes', lambda F: A.show_bboxes(5, F.boxes), TypeError, 'axes'),
    case(ORDER, 'anchors.show_bboxes-order', lambda F: A.show_bboxes(_axes(), F.bad_boxes), ValueError, 'bboxes'),
    case(SHAPE, 'anchors.show_bboxes-shape', lambda F: A.show_bboxes(_axes(), torch.zeros(2, 3)), ValueError, 'bboxes'),
    case(RANGE, 'anchors.show_bboxes-linewidth', lambda F: A.show_bboxes(_axes(), F.boxes, linewidth=0), ValueError, 'linewidth'),
    case(UNKNOWN, 'anchors.show_bboxes-linestyle', lambda F: A.show_bboxes(_axes(), F.boxes, linestyle='~'), ValueError, 'linestyle'),
    case(SHAPE, 'anchors.show_bboxes-labels', lambda F: A.show_bboxes(_axes(), F.boxes, labels=['a']), ValueError, 'labels'),
    case(UNKNOWN, 'anchors.show_bboxes-colors', lambda F: A.show_bboxes(_axes(), F.boxes, colors=['nocolour']), ValueError, 'colors[0]'),
    case(TYPE, 'anchors.multibox_prior-data', lambda F: A.multibox_prior([[0.]], [0.5], [1.]), TypeError, 'data'),
    case(SHAPE, 'anchors.multibox_prior-1d', lambda F: A.multibox_prior(torch.zeros(3), [0.5], [1.]), ValueError, 'data'),
    case(EMPTY, 'anchors.multibox_prior-sizes', lambda F: A.multibox_prior(torch.zeros(2, 2), [], [1.]), ValueError, 'sizes'),
    case(RANGE, 'anchors.multibox_prior-negative', lambda F: A.multibox_prior(torch.zeros(2, 2), [-0.5], [1.]), ValueError, 'sizes[0]'),
    case(NONFINITE, 'anchors.multibox_prior-ratio-nan', lambda F: A.multibox_prior(torch.zeros(2, 2), [0.5], [float('nan')]), ValueError, 'ratios[0]'),
    case(HUGE, 'anchors.multibox_prior-huge', lambda F: A.multibox_prior(torch.zeros(1, 1, 1, 1).expand(1, 1, 50_000, 50_000), [0.5, 0.25], [1., 2.]),
         ValueError, 'data', 'GB'),
    case(DTYPE, 'anchors.box_iou-int', lambda F: A.box_iou(F.boxes.long(), F.boxes), TypeError, 'boxes1'),
    case(DTYPE, 'anchors.box_iou-mixed', lambda F: A.box_iou(F.boxes, F.boxes.double()), TypeError, 'boxes2'),
    case(ORDER, 'anchors.box_iou-order', lambda F: A.box_iou(F.boxes, F.bad_boxes), ValueError, 'boxes2'),
    case(SHAPE, 'anchors.box_iou-1d', lambda F: A.box_iou(F.boxes[0], F.boxes), ValueError, 'boxes1'),
    case(HUGE, 'anchors.box_iou-huge', lambda F: A.box_iou(F.boxes[:1].expand(200_000, 4), F.boxes[:1].expand(200_000, 4)),
         ValueError, 'boxes', 'GB'),
    case(UNKNOWN, 'anchors.assign_anchor_to_bbox-device', lambda F: A.assign_anchor_to_bbox(F.boxes, F.boxes, device='gpu'), ValueError, 'device'),
    case(RANGE, 'anchors.assign_anchor_to_bbox-threshold', lambda F: A.assign_anchor_to_bbox(F.boxes, F.boxes, iou_threshold=2), ValueError, 'iou_threshold'),
    case(ORDER, 'anchors.assign_anchor_to_bbox-order', lambda F: A.assign_anchor_to_bbox(F.bad_boxes, F.boxes), ValueError, 'ground_truth'),
    case(SHAPE, 'anchors.assign_anchor_to_bbox-3d', lambda F: A.assign_anchor_to_bbox(F.boxes[None], F.boxes), ValueError, 'ground_truth'),
    case(RANGE, 'anchors.offset_boxes-eps', lambda F: A.offset_boxes(F.boxes, F.boxes, eps=0), ValueError, 'eps'),
    case(RANGE, 'anchors.offset_boxes-flat-anchor', lambda F: A.offset_boxes(torch.tensor([[0., 0., 0., 1.]]), F.boxes[:1]), ValueError, 'anchors'),
    case(ORDER, 'anchors.offset_boxes-order', lambda F: A.offset_boxes(F.boxes, F.bad_boxes), ValueError, 'assigned_bb'),
    case(NONFINITE, 'anchors.offset_inverse-nan', lambda F: A.offset_inverse(F.boxes, torch.full((2, 4), float('nan'))), ValueError, 'offset_preds'),
    case(SHAPE, 'anchors.multibox_target-labels-2d', lambda F: A.multibox_target(F.anchors, torch.zeros(2, 5)), ValueError, 'labels'),
    case(ORDER, 'anchors.multibox_target-order', lambda F: A.multibox_target(F.anchors, torch.tensor([[[0., .9, .1, .1, .9]]])), ValueError, 'labels[0, 0]'),
    case(RANGE, 'anchors.multibox_target-class', lambda F: A.multibox_target(F.anchors, torch.tensor([[[0.5, .1, .1, .9, .9]]])), ValueError, 'labels[0, 0]'),
    case(NONFINITE, 'anchors.multibox_target-threshold', lambda F: A.multibox_target(F.anchors, torch.zeros(1, 1, 5), float('nan')), ValueError, 'iou_threshold'),
    case(TYPE, 'anchors.nms-scores-list', lambda F: A.nms(F.boxes, [1., 0.5], 0.5), TypeError, 'scores'),
    case(SHAPE, 'anchors.nms-scores-shape', lambda F: A.nms(F.boxes, torch.ones(3), 0.5), ValueError, 'scores'),
    case(NONFINITE, 'anchors.nms-scores-nan', lambda F: A.nms(F.boxes, torch.tensor([1., float('nan')]), 0.5), ValueError, 'scores'),
    case(RANGE, 'anchors.nms-threshold', lambda F: A.nms(F.boxes, torch.ones(2), -0.1), ValueError, 'iou_threshold'),
    case(ORDER, 'anchors.nms-order', lambda F: A.nms(F.bad_boxes, torch.ones(2), 0.5), ValueError, 'boxes'),
    case(DTYPE, 'anchors.nms-scores-complex', lambda F: A.nms(F.boxes, torch.ones(2, dtype=torch.complex64), 0.5), TypeError, 'scores'),
    case(DTYPE, 'anchors.multibox_detection-int', lambda F: A.multibox_detection(torch.zeros(1, 2, 4, dtype=torch.long), torch.zeros(1, 16),
         F.anchors), TypeError, 'cls_probs'),
    case(SHAPE, 'anchors.multibox_detection-classes', lambda F: A.multibox_detection(torch.zeros(1, 1, 4), torch.zeros(1, 16), F.anchors),
         ValueError, 'cls_probs'),
    case(SHAPE, 'anchors.multibox_detection-offsets', lambda F: A.multibox_detection(torch.zeros(1, 2, 4), torch.zeros(1, 15), F.anchors),
         ValueError, 'offset_preds'),
    case(DTYPE, 'anchors.multibox_detection-offsets-int', lambda F: A.multibox_detection(torch.zeros(1, 2, 4), torch.zeros(1, 16, dtype=torch.long),
         F.anchors), TypeError, 'offset_preds'),
    case(RANGE, 'anchors.multibox_detection-threshold', lambda F: A.multibox_detection(torch.zeros(1, 2, 4), torch.zeros(1, 16), F.anchors,
         pos_threshold=1.5), ValueError, 'pos_threshold'),
    case(RANGE, 'anchors.wh_iou-negative', lambda F: A.wh_iou(torch.tensor([[-1., 1.]]), torch.ones(1, 2)), ValueError, 'wh1'),
    case(SHAPE, 'anchors.wh_iou-shape', lambda F: A.wh_iou(torch.ones(1, 4), torch.ones(1, 2)), ValueError, 'wh1'),
    case(RANGE, 'anchors.kmeans_anchors-k', lambda F: A.kmeans_anchors(torch.ones(3, 2), 0), ValueError, 'k'),
    case(RANGE, 'anchors.kmeans_anchors-k-too-many', lambda F: A.kmeans_anchors(torch.ones(3, 2), 4), ValueError, 'k'),
    case(RANGE, 'anchors.kmeans_anchors-zero-box', lambda F: A.kmeans_anchors(torch.zeros(3, 2), 2), ValueError, 'wh'),
    case(RANGE, 'anchors.kmeans_anchors-iters', lambda F: A.kmeans_anchors(torch.ones(3, 2), 2, iters=0), ValueError, 'iters'),
    # ---------------------------------------------------------------------------------------------------- style
    case(TYPE, 'style.preprocess-img', lambda F: S.preprocess(torch.zeros(3, 4, 4), 8), TypeError, 'img'),
    case(RANGE, 'style.preprocess-size0', lambda F: S.preprocess(Image.new('RGB', (8, 8)), 0), ValueError, 'size'),
    case(TYPE, 'style.preprocess-size-str', lambda F: S.preprocess(Image.new('RGB', (8, 8)), '8'), TypeError, 'size'),
    case(RANGE, 'style.preprocess-size-pair', lambda F: S.preprocess(Image.new('RGB', (8, 8)), (0, 8)), ValueError, 'size[0]'),
    case(HUGE, 'style.preprocess-huge', lambda F: S.preprocess(Image.new('RGB', (8, 8)), 100_000), ValueError, 'size', 'GB'),
    case(MODE, 'style.preprocess-16bit', lambda F: S.preprocess(Image.open(F.gray16), 8), ValueError, 'img', 'I;16'),
    case(TYPE, 'style.postprocess-type', lambda F: S.postprocess(np.zeros((3, 4, 4))), TypeError, 'x'),
    case(SHAPE, 'style.postprocess-batch', lambda F: S.postprocess(torch.zeros(2, 3, 4, 4)), ValueError, 'x'),
    case(SHAPE, 'style.postprocess-channels', lambda F: S.postprocess(torch.zeros(1, 1, 4, 4)), ValueError, 'x'),
    case(NONFINITE, 'style.postprocess-nan', lambda F: S.postprocess(torch.full((3, 4, 4), float('nan'))), ValueError, 'x'),
    case(DTYPE, 'style.postprocess-uint8', lambda F: S.postprocess(torch.zeros(3, 4, 4, dtype=torch.uint8)), TypeError, 'x', 'uint8'),
    case(TYPE, 'style.vgg_layer_names', lambda F: S.vgg_layer_names([nn.ReLU()]), TypeError, 'features'),
    case(TYPE, 'style.min_input_side-int', lambda F: S.min_input_side(5), TypeError, 'layers'),
    case(TYPE, 'style.min_input_side-item', lambda F: S.min_input_side([nn.ReLU(), 5]), TypeError, 'layers'),
    case(TYPE, 'style.FeatureExtractor-features', lambda F: S.FeatureExtractor([nn.ReLU()], [0]), TypeError, 'features'),
    case(EMPTY, 'style.FeatureExtractor-layers-empty', lambda F: S.FeatureExtractor(F.vgg.features, []), ValueError, 'layers'),
    case(RANGE, 'style.FeatureExtractor-layers-range', lambda F: S.FeatureExtractor(F.vgg.features, [99]), ValueError, 'layers'),
    case(BOOL, 'style.FeatureExtractor-layers-bool', lambda F: S.FeatureExtractor(F.vgg.features, [True]), TypeError, 'layers'),
    case(SHAPE, 'style.FeatureExtractor-forward-channels', lambda F: F.ext(torch.zeros(1, 1, 8, 8)), ValueError, 'x'),
    case(RANGE, 'style.FeatureExtractor-forward-small', lambda F: F.ext(torch.zeros(1, 3, 1, 1)), ValueError, 'x'),
    case(DTYPE, 'style.FeatureExtractor-forward-dtype', lambda F: F.ext(torch.zeros(1, 3, 8, 8, dtype=torch.float64)), TypeError, 'x', 'float64'),
    case(TYPE, 'style.vgg_extractor-model', lambda F: S.vgg_extractor(model=nn.Linear(1, 1)), TypeError, 'model'),
    case(RANGE, 'style.vgg_extractor-layers', lambda F: S.vgg_extractor(layers=(0, 99), allow_random=True), ValueError, 'layers', '99'),
    case(UNKNOWN, 'style.vgg_extractor-device', lambda F: S.vgg_extractor(layers=(0,), model=F.vgg, device='gpu'), ValueError, 'device', 'gpu'),
    case(TYPE, 'style.content_loss-type', lambda F: S.content_loss([1.], torch.zeros(1)), TypeError, 'y_hat'),
    case(SHAPE, 'style.content_loss-shape', lambda F: S.content_loss(torch.zeros(2), torch.zeros(3)), ValueError, 'y'),
    case(DTYPE, 'style.content_loss-int', lambda F: S.content_loss(torch.zeros(2, dtype=torch.long), torch.zeros(2)), TypeError, 'y_hat'),
    case(TYPE, 'style.gram-type', lambda F: S.gram([[1.]]), TypeError, 'x'),
    case(SHAPE, 'style.gram-2d', lambda F: S.gram(torch.zeros(3, 3)), ValueError, 'x'),
    case(EMPTY, 'style.gram-empty', lambda F: S.gram(torch.zeros(2, 0, 0)), ValueError, 'x'),
    case(DTYPE, 'style.gram-int', lambda F: S.gram(torch.zeros(1, 2, 2, dtype=torch.long)), TypeError, 'x'),
    case(SHAPE, 'style.style_loss-gram_y', lambda F: S.style_loss(torch.zeros(2, 3, 3), torch.zeros(3, 3)), ValueError, 'gram_y'),
    case(TYPE, 'style.style_loss-gram_y-type', lambda F: S.style_loss(torch.zeros(2, 3, 3), [[0.]]), TypeError, 'gram_y'),
    case(SHAPE, 'style.tv_loss-small', lambda F: S.tv_loss(torch.zeros(1, 1)), ValueError, 'x'),
    case(TYPE, 'style.tv_loss-type', lambda F: S.tv_loss([[1., 2.], [3., 4.]]), TypeError, 'x'),
    case(TYPE, 'style.style_targets-extractor', lambda F: S.style_targets(5, F.img, F.img), TypeError, 'extractor'),
    case(EMPTY, 'style.style_targets-layers', lambda F: S.style_targets(F.ext, F.img, F.img, content_layers=()), ValueError, 'content_layers'),
    case(UNKNOWN, 'style.style_targets-missing-layer', lambda F: S.style_targets(F.ext, F.img, F.img, (3,), style_layers=(1,)), ValueError, 'style_layers'),
    case(SHAPE, 'style.style_targets-content', lambda F: S.style_targets(F.ext, torch.zeros(3, 16, 16), F.img), ValueError, 'content'),
    case(TYPE, 'style.style_losses-targets', lambda F: S.style_losses({}, 5), TypeError, 'targets'),
    case(UNKNOWN, 'style.style_losses-feats', lambda F: S.style_losses({}, S.style_targets(F.ext, F.img, F.img, (3,), (0,))), ValueError, 'feats'),
    case(SHAPE, 'style.style_losses-layer_weights', lambda F: S.style_losses(F.ext(F.img), S.style_targets(F.ext, F.img, F.img, (3,), (0,)),
         [1., 2.]), ValueError, 'layer_weights'),
    case(TYPE, 'style.synthesize-extractor', lambda F: S.synthesize(5, F.img, F.img), TypeError, 'extractor'),
    case(SHAPE, 'style.synthesize-content', lambda F: S.synthesize(F.ext, torch.zeros(1, 1, 16, 16), F.img), ValueError, 'content'),
    case(DTYPE, 'style.synthesize-content-dtype', lambda F: S.synthesize(F.ext, F.img.half(), F.img), TypeError, 'content'),
    case(RANGE, 'style.synthesize-small', lambda F: S.synthesize(F.ext, torch.zeros(1, 3, 1, 1), F.img), ValueError, 'content'),
    case(RANGE, 'style.synthesize-steps', lambda F: S.synthesize(F.ext, F.img, F.img, steps=0), ValueError, 'steps'),
    case(RANGE, 'style.synthesize-lr', lambda F: S.synthesize(F.ext, F.img, F.img, lr=0), ValueError, 'lr'),
    case(NONFINITE, 'style.synthesize-style_weight', lambda F: S.synthesize(F.ext, F.img, F.img, style_weight=float('nan')), ValueError, 'style_weight'),
    case(UNKNOWN, 'style.synthesize-optimizer', lambda F: S.synthesize(F.ext, F.img, F.img, optimizer='sgd'), ValueError, 'optimizer'),
    case(UNKNOWN, 'style.synthesize-init', lambda F: S.synthesize(F.ext, F.img, F.img, init='zeros'), ValueError, 'init'),
    case(SHAPE, 'style.synthesize-init-shape', lambda F: S.synthesize(F.ext, F.img, F.img, init=torch.zeros(1, 3, 8, 8)), ValueError, 'init'),
    case(RANGE, 'style.synthesize-lr_gamma', lambda F: S.synthesize(F.ext, F.img, F.img, lr_gamma=0), ValueError, 'lr_gamma'),
    case(SHAPE, 'style.synthesize-layer-weights', lambda F: S.synthesize(F.ext, F.img, F.img, style_layer_weights=[1.], content_layers=(3,),
         style_layers=(0, 3)), ValueError, 'style_layer_weights'),
    case(HUGE, 'style.synthesize-huge', lambda F: S.synthesize(F.ext, F.img[..., :1, :1].expand(1, 3, 40_000, 40_000), F.img), ValueError,
         'content', 'GB'),
    case(TYPE, 'style.loss_scales-extractor', lambda F: S.loss_scales(None, F.img, F.img), TypeError, 'extractor'),
    case(RANGE, 'style.balanced_weights-style_ratio', lambda F: S.balanced_weights(F.ext, F.img, F.img, style_ratio=0), ValueError, 'style_ratio'),
    case(RANGE, 'style.balanced_weights-flat', lambda F: S.balanced_weights(F.ext, F.img, F.img, content_layers=(3,), style_layers=(0,)), ValueError, 'loss scale'),
    case(EMPTY, 'style.plot_losses-empty', lambda F: S.plot_losses([]), ValueError, 'history'),
    case(UNKNOWN, 'style.plot_losses-keys', lambda F: S.plot_losses([dict(step=0)]), ValueError, 'history'),
    case(TYPE, 'style.plot_losses-weights', lambda F: S.plot_losses(F.history, weights=5), TypeError, 'weights'),
    case(TYPE, 'style.load_image-type', lambda F: S.load_image(5, 'CONTENT'), TypeError, 'CONTENT'),
    case(MISSING, 'style.load_image-missing', lambda F: S.load_image(F.missing, 'CONTENT'), ValueError, 'CONTENT', 'no-such-file'),
    case(MISSING, 'style.load_image-folder', lambda F: S.load_image(F.empty_dir, 'CONTENT'), ValueError, 'CONTENT'),
    case(UNREADABLE, 'style.load_image-truncated', lambda F: S.load_image(F.truncated, 'CONTENT'), ValueError, 'CONTENT', 'truncated.png'),
    case(UNREADABLE, 'style.load_image-text', lambda F: S.load_image(F.text, 'STYLE'), ValueError, 'STYLE', 'notes.txt'),
    case(MODE, 'style.load_image-16bit', lambda F: S.load_image(F.gray16, 'CONTENT'), ValueError, 'CONTENT', 'I;16'),
    case(RANGE, 'style.synthesis_gb-h', lambda F: S.synthesis_gb(0, 5), ValueError, 'h'),
    case(BOOL, 'style.synthesis_gb-w', lambda F: S.synthesis_gb(5, True), TypeError, 'w'),
    case(RANGE, 'style.synthesis_gb-layers', lambda F: S.synthesis_gb(5, 5, [99]), ValueError, 'layers'),
    case(RANGE, 'style.vgg19_min_side-range', lambda F: S.vgg19_min_side([99]), ValueError, 'layers'),
    case(EMPTY, 'style.vgg19_min_side-empty', lambda F: S.vgg19_min_side([]), ValueError, 'layers'),
    case(TYPE, 'style.vgg19_min_side-int', lambda F: S.vgg19_min_side(5), TypeError, 'layers'),
    # -------------------------------------------------------------------------------------------------- featviz
    case(TYPE, 'featviz.feature_body-type', lambda F: FV.feature_body(5), TypeError, 'model'),
    case(EMPTY, 'featviz.feature_body-only-head', lambda F: FV.feature_body(nn.Sequential(nn.Linear(2, 2))), ValueError, 'model'),
    case(TYPE, 'featviz.gaussian_blur-type', lambda F: FV.gaussian_blur([[1.]], 1.), TypeError, 'x'),
    case(SHAPE, 'featviz.gaussian_blur-3d', lambda F: FV.gaussian_blur(torch.zeros(3, 8, 8), 1.), ValueError, 'x'),
    case(RANGE, 'featviz.gaussian_blur-sigma', lambda F: FV.gaussian_blur(torch.zeros(1, 1, 8, 8), -1), ValueError, 'sigma'),
    case(NONFINITE, 'featviz.gaussian_blur-nan', lambda F: FV.gaussian_blur(torch.zeros(1, 1, 8, 8), float('nan')), ValueError, 'sigma'),
    case(BOOL, 'featviz.gaussian_blur-bool', lambda F: FV.gaussian_blur(torch.zeros(1, 1, 8, 8), True), TypeError, 'sigma'),
    case(RANGE, 'featviz.gaussian_blur-too-wide', lambda F: FV.gaussian_blur(torch.zeros(1, 1, 4, 4), 5.), ValueError, 'sigma'),
    case(DTYPE, 'featviz.gaussian_blur-int', lambda F: FV.gaussian_blur(torch.zeros(1, 1, 8, 8, dtype=torch.long), 1.), TypeError, 'x'),
    case(UNKNOWN, 'featviz.visualize_filters-layer', lambda F: FV.visualize_filters(F.body, 'layer9', [0], show=False), ValueError, 'layer9'),
    case(TYPE, 'featviz.visualize_filters-layer-type', lambda F: FV.visualize_filters(F.body, 3, [0], show=False), TypeError, 'layer'),
    case(EMPTY, 'featviz.visualize_filters-channels-empty', lambda F: FV.visualize_filters(F.body, 'layer1', [], show=False), ValueError, 'channels'),
    case(TYPE, 'featviz.visualize_filters-channels-str', lambda F: FV.visualize_filters(F.body, 'layer1', '0-3', show=False), TypeError, 'channels'),
    case(RANGE, 'featviz.visualize_filters-channel-negative', lambda F: FV.visualize_filters(F.body, 'layer1', [-1], show=False), ValueError, 'channel'),
    case(RANGE, 'featviz.visualize_filters-channel-range', lambda F: FV.visualize_filters(F.body, 'layer1', [6], show=False), ValueError, 'channel 6'),
    case(RANGE, 'featviz.visualize_filters-size', lambda F: FV.visualize_filters(F.body, 'layer1', [0], size=0, show=False), ValueError, 'size'),
    case(RANGE, 'featviz.visualize_filters-scale', lambda F: FV.visualize_filters(F.body, 'layer1', [0], scale=0.5, show=False), ValueError, 'scale'),
    case(RANGE, 'featviz.visualize_filters-start', lambda F: FV.visualize_filters(F.body, 'layer1', [0], start=(0.8, 0.2), show=False),
         ValueError, 'start'),
    case(SHAPE, 'featviz.visualize_filters-mean', lambda F: FV.visualize_filters(F.body, 'layer1', [0], mean=(0.5, 0.5), show=False),
         ValueError, 'mean'),
    case(RANGE, 'featviz.visualize_filters-std', lambda F: FV.visualize_filters(F.body, 'layer1', [0], std=0, show=False), ValueError, 'std'),
    case(HUGE, 'featviz.visualize_filters-huge', lambda F: FV.visualize_filters(F.body, 'layer1', [0], size=60_000, upscales=0, show=False),
         ValueError, 'max_gb'),
    case(HUGE, 'featviz.visualize_filters-upscales', lambda F: FV.visualize_filters(F.body, 'layer1', [0], upscales=5000, show=False),
         ValueError, 'upscales'),
    case(BOOL, 'featviz.visualize_filter-channel', lambda F: FV.visualize_filter(F.body, 'layer1', True, show=False), TypeError, 'channel'),
    case(RANGE, 'featviz.filter_grid-ncols', lambda F: FV.filter_grid(F.body, 'layer1', [0], ncols=0), ValueError, 'ncols'),
    case(TYPE, 'featviz.filter_grid-suptitle', lambda F: FV.filter_grid(F.body, 'layer1', [0], suptitle=5), TypeError, 'suptitle'),
    case(RANGE, 'featviz.fft_freqs', lambda F: FV.fft_freqs(0, 3), ValueError, 'h'),
    case(RANGE, 'featviz.ImageParam-n', lambda F: FV.ImageParam(0, 3, 8), ValueError, 'n'),
    case(SHAPE, 'featviz.ImageParam-colour-channels', lambda F: FV.ImageParam(1, 1, 8, colour=torch.eye(3)), ValueError, 'colour'),
    case(SHAPE, 'featviz.ImageParam-colour-shape', lambda F: FV.ImageParam(1, 3, 8, colour=torch.eye(2)), ValueError, 'colour'),
    case(RANGE, 'featviz.ImageParam-colour-zero', lambda F: FV.ImageParam(1, 3, 8, colour=torch.zeros(3, 3)), ValueError, 'colour'),
    case(NONFINITE, 'featviz.ImageParam-colour-nan', lambda F: FV.ImageParam(1, 3, 8, colour=torch.full((3, 3), float('nan'))), ValueError, 'colour'),
    case(RANGE, 'featviz.ImageParam-decay', lambda F: FV.ImageParam(1, 3, 8, decay=-1), ValueError, 'decay'),
    case(HUGE, 'featviz.ImageParam-huge', lambda F: FV.ImageParam(1, 3, 100_000), ValueError, 'GB'),
    case(SHAPE, 'featviz.ImageParam.set_image-shape', lambda F: FV.ImageParam(1, 3, 8).set_image(torch.rand(1, 3, 4, 4)), ValueError, 'img'),
    case(TYPE, 'featviz.ImageParam.set_image-type', lambda F: FV.ImageParam(1, 3, 8).set_image(np.zeros((1, 3, 8, 8))), TypeError, 'img'),
    case(EMPTY, 'featviz.photo_colour_sqrt-empty', lambda F: FV.photo_colour_sqrt([]), ValueError, 'photos'),
    case(SHAPE, 'featviz.photo_colour_sqrt-channels', lambda F: FV.photo_colour_sqrt([torch.zeros(1, 4, 4)]), ValueError, 'photos'),
    case(EMPTY, 'featviz.photo_colour_sqrt-one-pixel', lambda F: FV.photo_colour_sqrt(torch.rand(3, 1, 1)), ValueError, 'photos', 'pixels'),
    case(TYPE, 'featviz.affine-type', lambda F: FV.affine([[1.]]), TypeError, 'x'),
    case(SHAPE, 'featviz.affine-3d', lambda F: FV.affine(torch.zeros(3, 4, 4)), ValueError, 'x'),
    case(DTYPE, 'featviz.affine-int', lambda F: FV.affine(torch.zeros(1, 1, 4, 4, dtype=torch.long), 10), TypeError, 'x'),
    case(UNKNOWN, 'featviz.affine-padding', lambda F: FV.affine(torch.zeros(1, 1, 4, 4), padding='wrap'), ValueError, 'padding'),
    case(RANGE, 'featviz.affine-scale', lambda F: FV.affine(torch.zeros(1, 1, 4, 4), scale=0), ValueError, 'scale'),
    case(NONFINITE, 'featviz.affine-angle', lambda F: FV.affine(torch.zeros(1, 1, 4, 4), angle=float('nan')), ValueError, 'angle'),
    case(SHAPE, 'featviz.affine-shift', lambda F: FV.affine(torch.zeros(2, 1, 4, 4), shift=torch.zeros(3, 2)), ValueError, 'shift'),
    case(TYPE, 'featviz.affine-angle-type', lambda F: FV.affine(torch.zeros(1, 1, 4, 4), angle='10'), TypeError, 'angle'),
    case(SHAPE, 'featviz.diversity_loss-batch', lambda F: FV.diversity_loss(torch.zeros(1, 2, 3, 3)), ValueError, 'acts'),
    case(TYPE, 'featviz.diversity_loss-type', lambda F: FV.diversity_loss([[1.]]), TypeError, 'acts'),
    case(RANGE, 'featviz.render-size', lambda F: FV.render(F.body, 'layer1', [0], size=1, show=False), ValueError, 'size'),
    case(RANGE, 'featviz.render-jitter', lambda F: FV.render(F.body, 'layer1', [0], jitter=-1, show=False), ValueError, 'jitter'),
    case(RANGE, 'featviz.render-scale_jitter', lambda F: FV.render(F.body, 'layer1', [0], scale_jitter=1, show=False), ValueError, 'scale_jitter'),
    case(RANGE, 'featviz.render-max_angle', lambda F: FV.render(F.body, 'layer1', [0], max_angle=200, show=False), ValueError, 'max_angle'),
    case(UNKNOWN, 'featviz.render-padding', lambda F: FV.render(F.body, 'layer1', [0], padding='wrap', show=False), ValueError, 'padding'),
    case(RANGE, 'featviz.render-diversity-one', lambda F: FV.render(F.body, 'layer1', [0], diversity=1, show=False), ValueError, 'diversity'),
    case(HUGE, 'featviz.render-huge', lambda F: FV.render(F.body, 'layer1', [0, 1], size=60_000, show=False), ValueError, 'max_gb'),
    case(SHAPE, 'featviz.render-colour', lambda F: FV.render(F.body, 'layer1', [0], colour=torch.eye(2), show=False), ValueError, 'colour'),
    case(EMPTY, 'featviz.parse_channels-empty', lambda F: FV.parse_channels(''), ValueError, 'channels'),
    case(TYPE, 'featviz.parse_channels-type', lambda F: FV.parse_channels(5), TypeError, 'channels'),
    case(UNKNOWN, 'featviz.parse_channels-text', lambda F: FV.parse_channels('a-b'), ValueError, 'channels', 'a-b'),
    case(RANGE, 'featviz.parse_channels-reversed', lambda F: FV.parse_channels('5-2'), ValueError, 'channels'),
    case(HUGE, 'featviz.parse_channels-huge', lambda F: FV.parse_channels('0-99999999999'), ValueError, 'channels', 'max_count'),
    case(RANGE, 'featviz.parse_channels-max_count', lambda F: FV.parse_channels('0', max_count=0), ValueError, 'max_count'),
    # ------------------------------------------------------------------------------------------------------ ssd
    case(TYPE, 'ssd.detection_classes', lambda F: SSD.detection_classes(5), TypeError, 'path'),
    case(TYPE, 'ssd.read_data_bananas-path', lambda F: SSD.read_data_bananas(5), TypeError, 'path'),
    case(TYPE, 'ssd.read_data_bananas-is_train', lambda F: SSD.read_data_bananas(F.banana / 'ok', is_train='yes'), TypeError, 'is_train'),
    case(RANGE, 'ssd.read_data_bananas-size', lambda F: SSD.read_data_bananas(F.banana / 'ok', size=4), ValueError, 'size'),
    case(RANGE, 'ssd.read_data_bananas-n', lambda F: SSD.read_data_bananas(F.banana / 'ok', n=0), ValueError, 'n'),
    case(MISSING, 'ssd.read_data_bananas-missing', lambda F: SSD.read_data_bananas(F.empty_dir), FileNotFoundError, 'path', 'label.csv'),
    case(UNREADABLE, 'ssd.read_data_bananas-truncated', lambda F: SSD.read_data_bananas(F.banana / 'trunc'), OSError, '0.png'),
    case(MODE, 'ssd.read_data_bananas-16bit', lambda F: SSD.read_data_bananas(F.banana / 'deep'), ValueError, '0.png', 'I;16'),
    case(ORDER, 'ssd.read_data_bananas-x2<x1', lambda F: SSD.read_data_bananas(F.banana / 'order'), ValueError, 'label.csv', 'xmin <= xmax'),
    case(HUGE, 'ssd.read_data_bananas-huge', lambda F: SSD.read_data_bananas(F.banana / 'ok', size=100_000), ValueError, 'size', 'GB'),
    case(MISSING, 'ssd.BananasDataset-missing', lambda F: SSD.BananasDataset(F.empty_dir), FileNotFoundError, 'label.csv'),
    case(TYPE, 'ssd.DetectionBatches-dataset', lambda F: SSD.DetectionBatches([1, 2], 2), TypeError, 'dataset'),
    case(RANGE, 'ssd.DetectionBatches-batch_size', lambda F: SSD.DetectionBatches(SSD.BananasDataset(F.banana / 'ok'), 0), ValueError, 'batch_size'),
    case(TYPE, 'ssd.DetectionBatches-shuffle', lambda F: SSD.DetectionBatches(SSD.BananasDataset(F.banana / 'ok'), 1, shuffle='yes'), TypeError, 'shuffle'),
    case(UNKNOWN, 'ssd.DetectionBatches-device', lambda F: SSD.DetectionBatches(SSD.BananasDataset(F.banana / 'ok'), 1, device='gpu'), ValueError, 'device'),
    case(RANGE, 'ssd.load_data_bananas-batch_size', lambda F: SSD.load_data_bananas(0, F.banana / 'ok'), ValueError, 'batch_size'),
    case(RANGE, 'ssd.load_data_bananas-seed', lambda F: SSD.load_data_bananas(2, F.empty_dir, seed=-1), ValueError, 'seed'),
    case(UNKNOWN, 'ssd.load_data_bananas-device', lambda F: SSD.load_data_bananas(2, F.empty_dir, device='gpu'), ValueError, 'device'),
    case(TYPE, 'ssd.show_detection_grid-imgs', lambda F: SSD.show_detection_grid([torch.zeros(3, 8, 8)], [torch.zeros(0, 5)]), TypeError, 'imgs'),
    case(SHAPE, 'ssd.show_detection_grid-boxes', lambda F: SSD.show_detection_grid(torch.zeros(2, 3, 8, 8), [torch.zeros(0, 5)]), ValueError, 'boxes'),
    case(SHAPE, 'ssd.show_detection_grid-rows', lambda F: SSD.show_detection_grid(torch.zeros(1, 3, 8, 8), [torch.zeros(2, 4)]), ValueError, 'boxes'),
    case(RANGE, 'ssd.cls_predictor', lambda F: SSD.cls_predictor(0, 1, 1), ValueError, 'num_inputs'),
    case(RANGE, 'ssd.bbox_predictor', lambda F: SSD.bbox_predictor(1, 0), ValueError, 'num_anchors'),
    case(TYPE, 'ssd.flatten_pred-type', lambda F: SSD.flatten_pred([[1.]]), TypeError, 'pred'),
    case(SHAPE, 'ssd.flatten_pred-3d', lambda F: SSD.flatten_pred(torch.zeros(1, 2, 3)), ValueError, 'pred'),
    case(EMPTY, 'ssd.concat_preds-empty', lambda F: SSD.concat_preds([]), ValueError, 'preds'),
    case(TYPE, 'ssd.concat_preds-tensor', lambda F: SSD.concat_preds(torch.zeros(1, 2, 2, 2)), TypeError, 'preds'),
    case(RANGE, 'ssd.down_sample_blk', lambda F: SSD.down_sample_blk(0, 2), ValueError, 'in_channels'),
    case(HUGE, 'ssd.down_sample_blk-huge', lambda F: SSD.down_sample_blk(3, 100_000), ValueError, 'out_channels', 'GB'),
    case(EMPTY, 'ssd.base_net-empty', lambda F: SSD.base_net(()), ValueError, 'channels'),
    case(TYPE, 'ssd.base_net-str', lambda F: SSD.base_net('16'), TypeError, 'channels'),
    case(RANGE, 'ssd.get_blk', lambda F: SSD.get_blk(5), ValueError, 'i'),
    case(TYPE, 'ssd.blk_forward-X', lambda F: SSD.blk_forward([[1.]], nn.Identity(), [0.5], [1.], nn.Identity(), nn.Identity()), TypeError, 'X'),
    case(RANGE, 'ssd.TinySSD-num_classes', lambda F: SSD.TinySSD(0), ValueError, 'num_classes'),
    case(SHAPE, 'ssd.TinySSD-sizes', lambda F: SSD.TinySSD(1, sizes=SSD.SSD_SIZES[:4]), ValueError, 'sizes'),
    case(RANGE, 'ssd.TinySSD-negative-size', lambda F: SSD.TinySSD(1, sizes=((-0.2, 0.3),) * 5), ValueError, 'sizes[0]'),
    case(RANGE, 'ssd.TinySSD-forward-small', lambda F: F.ssd(torch.zeros(1, 3, 32, 32)), ValueError, 'X'),
    case(DTYPE, 'ssd.TinySSD-forward-uint8', lambda F: F.ssd(torch.zeros(1, 3, 64, 64, dtype=torch.uint8)), TypeError, 'X'),
    case(SHAPE, 'ssd.TinySSD.anchors_for', lambda F: F.ssd.anchors_for([(2, 2)], 'cpu'), ValueError, 'shapes'),
    case(DTYPE, 'ssd.calc_loss-int', lambda F: SSD.calc_loss(torch.zeros(1, 2, 2, dtype=torch.long), torch.zeros(1, 2, dtype=torch.long),
         torch.zeros(1, 8), torch.zeros(1, 8), torch.zeros(1, 8)), TypeError, 'cls_preds'),
    case(SHAPE, 'ssd.calc_loss-shapes', lambda F: SSD.calc_loss(torch.zeros(1, 2, 2), torch.zeros(1, 3, dtype=torch.long),
         torch.zeros(1, 8), torch.zeros(1, 8), torch.zeros(1, 8)), ValueError, 'cls_labels'),
    case(RANGE, 'ssd.calc_loss-neg_ratio', lambda F: SSD.calc_loss(torch.zeros(1, 2, 2), torch.zeros(1, 2, dtype=torch.long),
         torch.zeros(1, 8), torch.zeros(1, 8), torch.zeros(1, 8), neg_ratio=0), ValueError, 'neg_ratio'),
    case(SHAPE, 'ssd.class_error', lambda F: SSD.class_error(torch.zeros(1, 2, 2), torch.zeros(1, 3, dtype=torch.long)), ValueError, 'cls_labels'),
    case(SHAPE, 'ssd.bbox_mae', lambda F: SSD.bbox_mae(torch.zeros(1, 8), torch.zeros(1, 4), torch.zeros(1, 8)), ValueError, 'bbox_labels'),
    case(DTYPE, 'ssd.ssd_targets-anchors', lambda F: SSD.ssd_targets(torch.zeros(4, 4, dtype=torch.long), torch.zeros(1, 1, 5)), TypeError, 'anchors'),
    case(SHAPE, 'ssd.ssd_targets-labels', lambda F: SSD.ssd_targets(F.anchors, torch.zeros(1, 1, 4)), ValueError, 'labels'),
    case(DTYPE, 'ssd.ssd_targets-dtypes', lambda F: SSD.ssd_targets(F.anchors, torch.zeros(1, 1, 5, dtype=torch.float64)), TypeError, 'labels'),
    case(RANGE, 'ssd.ssd_targets-threshold', lambda F: SSD.ssd_targets(F.anchors, torch.zeros(1, 1, 5), iou_threshold=2), ValueError, 'iou_threshold'),
    case(TYPE, 'ssd.ssd_loss', lambda F: SSD.ssd_loss(5, torch.zeros(1, 1, 5)), TypeError, 'preds'),
    case(TYPE, 'ssd.host_syncs', lambda F: SSD.host_syncs(5), TypeError, 'fn'),
    case(TYPE, 'ssd.device_syncs', lambda F: SSD.device_syncs(5), TypeError, 'found'),
    case(SHAPE, 'ssd.decode_batch-2d', lambda F: SSD.decode_batch(torch.zeros(4, 2), torch.zeros(1, 16), F.anchors), ValueError, 'cls_preds'),
    case(SHAPE, 'ssd.decode_batch-bbox', lambda F: SSD.decode_batch(torch.zeros(1, 4, 2), torch.zeros(1, 15), F.anchors), ValueError, 'bbox_preds'),
    case(NONFINITE, 'ssd.decode_batch-nan', lambda F: SSD.decode_batch(torch.full((1, 4, 2), float('nan')), torch.zeros(1, 16), F.anchors),
         ValueError, 'cls_preds'),
    case(RANGE, 'ssd.decode_batch-top_k', lambda F: SSD.decode_batch(torch.zeros(1, 4, 2), torch.zeros(1, 16), F.anchors, pre_nms_top_k=0),
         ValueError, 'pre_nms_top_k'),
    case(HUGE, 'ssd.decode_batch-huge', lambda F: SSD.decode_batch(torch.zeros(1, 1, 2).expand(64, 20_000, 2), torch.zeros(1, 1).expand(64, 80_000),
         F.anchors[:1].expand(20_000, 4), pre_nms_top_k=20_000), ValueError, 'pre_nms_top_k', 'GB'),
    case(TYPE, 'ssd.detect-net', lambda F: SSD.detect(5, torch.zeros(1, 3, 64, 64)), TypeError, 'net'),
    case(RANGE, 'ssd.detect-threshold', lambda F: SSD.detect(F.ssd, torch.zeros(1, 3, 64, 64), threshold=2), ValueError, 'threshold'),
    case(DTYPE, 'ssd.detect-X', lambda F: SSD.detect(F.ssd, torch.zeros(1, 3, 64, 64, dtype=torch.uint8)), TypeError, 'X'),
    case(RANGE, 'ssd.DetectionScores-neg_ratio', lambda F: SSD.DetectionScores(neg_ratio=-1), ValueError, 'neg_ratio'),
    case(TYPE, 'ssd.DetectionScores-with_map', lambda F: SSD.DetectionScores(with_map='yes'), TypeError, 'with_map'),
    case(TYPE, 'ssd.DetectionScores.update', lambda F: SSD.DetectionScores(with_map=False).update(5, torch.zeros(1, 1, 5)), TypeError, 'preds'),
    case(EMPTY, 'ssd.DetectionScores.compute', lambda F: SSD.DetectionScores(with_map=False).compute(), ValueError, 'no batch'),
    case(TYPE, 'ssd.evaluate_ssd-net', lambda F: SSD.evaluate_ssd(5, []), TypeError, 'net'),
    case(TYPE, 'ssd.evaluate_ssd-data', lambda F: SSD.evaluate_ssd(F.ssd, 5), TypeError, 'data_iter'),
    case(EMPTY, 'ssd.evaluate_ssd-empty', lambda F: SSD.evaluate_ssd(F.ssd, [], with_map=False), ValueError, 'data_iter'),
    case(RANGE, 'ssd.DetectionMetricsCB', lambda F: SSD.DetectionMetricsCB(map_every=0), ValueError, 'map_every'),
    case(TYPE, 'ssd.ssd_learner-net', lambda F: SSD.ssd_learner(5, []), TypeError, 'net'),
    case(RANGE, 'ssd.ssd_learner-lr', lambda F: SSD.ssd_learner(F.ssd, [], lr=0), ValueError, 'lr'),
    case(TYPE, 'ssd.ssd_learner-show', lambda F: SSD.ssd_learner(F.ssd, [], show='no'), TypeError, 'show'),
    case(RANGE, 'ssd.train_ssd-epochs', lambda F: SSD.train_ssd(F.ssd, [], [], 0), ValueError, 'epochs'),
    # ----------------------------------------------------------------------------------------------------- yolo
    case(RANGE, 'yolo.grid_size-stride', lambda F: Y.grid_size(64, 0), ValueError, 'stride'),
    case(RANGE, 'yolo.grid_size-divides', lambda F: Y.grid_size(65, 16), ValueError, 'img_size'),
    case(DTYPE, 'yolo.yolo_assign-anchors', lambda F: Y.yolo_assign(F.yolo_labels, torch.ones(2, 2, dtype=torch.long), 4), TypeError, 'anchors'),
    case(ORDER, 'yolo.yolo_assign-x2<x1', lambda F: Y.yolo_assign(torch.tensor([[[0., 0.6, 0.1, 0.2, 0.6]]]), F.yolo_anchors, 4), ValueError, 'labels[0, 0]'),
    case(RANGE, 'yolo.yolo_assign-S', lambda F: Y.yolo_assign(F.yolo_labels, F.yolo_anchors, 0), ValueError, 'S'),
    case(RANGE, 'yolo.yolo_targets-class', lambda F: Y.yolo_targets(F.yolo_labels, F.yolo_anchors, 4, num_classes=0), ValueError, 'num_classes'),
    case(HUGE, 'yolo.yolo_targets-huge', lambda F: Y.yolo_targets(F.yolo_labels, F.yolo_anchors, 100_000, 1), ValueError, 'S', 'GB'),
    case(TYPE, 'yolo.yolo_decode-type', lambda F: Y.yolo_decode([[1.]], F.yolo_anchors), TypeError, 'preds'),
    case(SHAPE, 'yolo.yolo_decode-anchors', lambda F: Y.yolo_decode(torch.zeros(1, 2, 2, 3, 6), F.yolo_anchors), ValueError, 'anchors'),
    case(RANGE, 'yolo.yolo_encode-big', lambda F: Y.yolo_encode(F.yolo_preds, F.yolo_anchors, big=0), ValueError, 'big'),
    case(TYPE, 'yolo.yolo_detect-type', lambda F: Y.yolo_detect([[1.]], F.yolo_anchors), TypeError, 'preds'),
    case(NONFINITE, 'yolo.yolo_detect-nan', lambda F: Y.yolo_detect(torch.full((1, 2, 2, 2, 6), float('nan')), F.yolo_anchors), ValueError, 'preds'),
    case(RANGE, 'yolo.yolo_detect-threshold', lambda F: Y.yolo_detect(F.yolo_preds, F.yolo_anchors, threshold=2), ValueError, 'threshold'),
    case(UNKNOWN, 'yolo.yolo_loss_parts-form', lambda F: Y.yolo_loss_parts(F.yolo_preds, F.yolo_preds, F.yolo_anchors, size_form='cube'),
         ValueError, 'size_form'),
    case(SHAPE, 'yolo.yolo_loss_parts-shapes', lambda F: Y.yolo_loss_parts(F.yolo_preds, torch.zeros(1, 4, 4, 2, 6), F.yolo_anchors),
         ValueError, 'target'),
    case(RANGE, 'yolo.YoloLoss-anchors', lambda F: Y.YoloLoss(torch.tensor([[0.2, -0.1]]), 1), ValueError, 'anchors'),
    case(NONFINITE, 'yolo.YoloLoss-lambda', lambda F: Y.YoloLoss(F.yolo_anchors, 1, lambda_coord=float('nan')), ValueError, 'lambda_coord'),
    case(SHAPE, 'yolo.YoloLoss-call', lambda F: Y.YoloLoss(F.yolo_anchors, 1)(F.yolo_preds, torch.zeros(2, 1, 5)), ValueError, 'labels'),
    case(RANGE, 'yolo.TinyYOLO-num_classes', lambda F: Y.TinyYOLO(0, F.yolo_anchors), ValueError, 'num_classes'),
    case(RANGE, 'yolo.TinyYOLO-obj_prior', lambda F: Y.TinyYOLO(1, F.yolo_anchors, obj_prior=1.0), ValueError, 'obj_prior'),
    case(HUGE, 'yolo.TinyYOLO-huge', lambda F: Y.TinyYOLO(1, F.yolo_anchors, channels=(16, 32, 64, 100_000)), ValueError, 'GB'),
    case(SHAPE, 'yolo.TinyYOLO-forward-size', lambda F: F.yolo(torch.zeros(1, 3, 40, 40)), ValueError, 'X'),
    case(DTYPE, 'yolo.TinyYOLO-forward-uint8', lambda F: F.yolo(torch.zeros(1, 3, 32, 32, dtype=torch.uint8)), TypeError, 'X'),
    case(TYPE, 'yolo.LossPartsCB', lambda F: Y.LossPartsCB(names=5), TypeError, 'names'),
    case(TYPE, 'yolo.DetectionMAPCB-decode', lambda F: Y.DetectionMAPCB(5), TypeError, 'decode'),
    case(RANGE, 'yolo.DetectionMAPCB-map_every', lambda F: Y.DetectionMAPCB(print, map_every=0), ValueError, 'map_every'),
    case(TYPE, 'yolo.yolo_learner-net', lambda F: Y.yolo_learner(nn.Linear(2, 2), []), TypeError, 'net'),
    case(RANGE, 'yolo.yolo_learner-lr', lambda F: Y.yolo_learner(F.yolo, [], lr=0), ValueError, 'lr'),
    case(UNKNOWN, 'yolo.yolo_learner-device', lambda F: Y.yolo_learner(F.yolo, [], device='gpu'), ValueError, 'device'),
    case(TYPE, 'yolo.roi_pool-features', lambda F: Y.roi_pool([[1.]], torch.zeros(1, 5), 2), TypeError, 'features'),
    case(DTYPE, 'yolo.roi_pool-rois-int', lambda F: Y.roi_pool(torch.zeros(1, 1, 4, 4), torch.zeros(1, 5, dtype=torch.long), 2), TypeError, 'rois'),
    case(ORDER, 'yolo.roi_pool-x2<x1', lambda F: Y.roi_pool(torch.zeros(1, 1, 4, 4), torch.tensor([[0., 3., 0., 1., 2.]]), 2), ValueError, 'rois[0]'),
    case(RANGE, 'yolo.roi_pool-index', lambda F: Y.roi_pool(torch.zeros(1, 1, 4, 4), torch.tensor([[1., 0., 0., 1., 2.]]), 2), ValueError, 'rois[0]'),
    case(RANGE, 'yolo.roi_pool-output_size', lambda F: Y.roi_pool(torch.zeros(1, 1, 4, 4), torch.zeros(1, 5), 0), ValueError, 'output_size[0]'),
    case(HUGE, 'yolo.roi_pool-huge', lambda F: Y.roi_pool(torch.zeros(1, 1, 1, 1).expand(1, 256, 100, 100), torch.zeros(1, 5).expand(20_000, 5), 7),
         ValueError, 'rois', 'GB'),
    case(NONFINITE, 'yolo.roi_align-scale', lambda F: Y.roi_align(torch.zeros(1, 1, 4, 4), torch.zeros(1, 5), 2, spatial_scale=float('inf')),
         ValueError, 'spatial_scale'),
    case(TYPE, 'yolo.roi_align-aligned', lambda F: Y.roi_align(torch.zeros(1, 1, 4, 4), torch.zeros(1, 5), 2, aligned='yes'), TypeError, 'aligned'),
    case(HUGE, 'yolo.roi_align-huge', lambda F: Y.roi_align(torch.zeros(1, 1, 1, 1).expand(1, 256, 64, 64), torch.tensor([[0., 0., 0., 60., 60.]]), 7,
         sampling_ratio=1000), ValueError, 'sampling_ratio', 'GB'),
    # -------------------------------------------------------------------------------------------------- segment
    case(TYPE, 'segment.trans_conv-X', lambda F: SEG.trans_conv([[1.]], torch.ones(2, 2)), TypeError, 'X'),
    case(SHAPE, 'segment.trans_conv-1d', lambda F: SEG.trans_conv(torch.ones(3), torch.ones(2, 2)), ValueError, 'X'),
    case(SHAPE, 'segment.trans_conv-pair', lambda F: SEG.trans_conv(torch.ones(2, 3, 3), torch.ones(2, 2)), ValueError, 'K'),
    case(RANGE, 'segment.trans_conv-stride', lambda F: SEG.trans_conv(torch.ones(2, 2), torch.ones(2, 2), stride=0), ValueError, 'stride'),
    case(RANGE, 'segment.trans_conv-padding', lambda F: SEG.trans_conv(torch.ones(2, 2), torch.ones(2, 2), padding=2), ValueError, 'padding'),
    case(EMPTY, 'segment.trans_conv-empty', lambda F: SEG.trans_conv(torch.ones(0, 2), torch.ones(2, 2)), ValueError, 'empty'),
    case(HUGE, 'segment.trans_conv-huge', lambda F: SEG.trans_conv(torch.ones(3, 3), torch.ones(2, 2), stride=100_000), ValueError, 'stride', 'GB'),
    case(TYPE, 'segment.conv_matrix-in_shape', lambda F: SEG.conv_matrix(torch.ones(2, 2), 5), TypeError, 'in_shape'),
    case(SHAPE, 'segment.conv_matrix-in_shape-len', lambda F: SEG.conv_matrix(torch.ones(2, 2), (4,)), ValueError, 'in_shape'),
    case(RANGE, 'segment.conv_matrix-kernel', lambda F: SEG.conv_matrix(torch.ones(5, 5), (3, 3)), ValueError, 'K'),
    case(HUGE, 'segment.conv_matrix-huge', lambda F: SEG.conv_matrix(torch.ones(2, 2), (2000, 2000)), ValueError, 'in_shape', 'GB'),
    case(RANGE, 'segment.bilinear_kernel', lambda F: SEG.bilinear_kernel(0, 1, 4), ValueError, 'in_channels'),
    case(HUGE, 'segment.bilinear_kernel-huge', lambda F: SEG.bilinear_kernel(100_000, 100_000, 4), ValueError, 'GB'),
    case(DTYPE, 'segment.check_mask-float', lambda F: SEG.check_mask(torch.zeros(2, 2), 3), TypeError, 'mask'),
    case(RANGE, 'segment.check_mask-values', lambda F: SEG.check_mask(torch.full((2, 2), 7), 3), ValueError, 'mask', '7'),
    case(RANGE, 'segment.check_mask-num_classes', lambda F: SEG.check_mask(torch.zeros(2, 2, dtype=torch.long), 300), ValueError, 'num_classes'),
    case(TYPE, 'segment.voc_split_names-type', lambda F: SEG.voc_split_names(5), TypeError, 'voc_dir'),
    case(MISSING, 'segment.voc_split_names-missing', lambda F: SEG.voc_split_names(F.empty_dir), FileNotFoundError, 'voc_dir', 'train.txt'),
    case(TYPE, 'segment.read_voc_images-is_train', lambda F: SEG.read_voc_images(F.voc / 'ok', is_train='yes'), TypeError, 'is_train'),
    case(RANGE, 'segment.read_voc_images-n', lambda F: SEG.read_voc_images(F.voc / 'ok', n=0), ValueError, 'n'),
    case(UNREADABLE, 'segment.read_voc_images-truncated', lambda F: SEG.read_voc_images(F.voc / 'trunc'), OSError, 'a.jpg'),
    case(TYPE, 'segment.label_to_rgb-type', lambda F: SEG.label_to_rgb([[0]]), TypeError, 'mask'),
    case(DTYPE, 'segment.label_to_rgb-float', lambda F: SEG.label_to_rgb(torch.zeros(2, 2)), TypeError, 'mask'),
    case(EMPTY, 'segment.show_segmentation-empty', lambda F: SEG.show_segmentation([]), ValueError, 'imgs'),
    case(TYPE, 'segment.show_segmentation-type', lambda F: SEG.show_segmentation(5), TypeError, 'imgs'),
    case(SHAPE, 'segment.show_segmentation-masks', lambda F: SEG.show_segmentation([torch.zeros(3, 4, 4)], []), ValueError, 'masks[0]'),
    case(RANGE, 'segment.show_segmentation-size', lambda F: SEG.show_segmentation([torch.zeros(3, 4, 4)], size=0), ValueError, 'size'),
    case(SHAPE, 'segment.voc_rand_crop-mask', lambda F: SEG.voc_rand_crop(torch.zeros(3, 4, 4), torch.zeros(4, 5), 2, 2), ValueError, 'mask'),
    case(RANGE, 'segment.voc_rand_crop-too-big', lambda F: SEG.voc_rand_crop(torch.zeros(3, 4, 4), torch.zeros(4, 4), 8, 2), ValueError, 'crop'),
    case(RANGE, 'segment.voc_rand_crop-height', lambda F: SEG.voc_rand_crop(torch.zeros(3, 4, 4), torch.zeros(4, 4), 0, 2), ValueError, 'height'),
    case(TYPE, 'segment.VOCSegDataset-crop_size', lambda F: SEG.VOCSegDataset(F.voc / 'ok', True, 5), TypeError, 'crop_size'),
    case(RANGE, 'segment.VOCSegDataset-crop_size-0', lambda F: SEG.VOCSegDataset(F.voc / 'ok', True, (0, 4)), ValueError, 'crop_size[0]'),
    case(TYPE, 'segment.VOCSegDataset-is_train', lambda F: SEG.VOCSegDataset(F.voc / 'ok', 'val', (4, 4)), TypeError, 'is_train'),
    case(RANGE, 'segment.VOCSegDataset-too-big', lambda F: SEG.VOCSegDataset(F.voc / 'ok', True, (400, 400)), ValueError, 'crop_size'),
    case(RANGE, 'segment.load_data_voc-batch_size', lambda F: SEG.load_data_voc(0, (4, 4), F.voc / 'ok'), ValueError, 'batch_size'),
    case(TYPE, 'segment.load_data_voc-crop_size', lambda F: SEG.load_data_voc(2, 4), TypeError, 'crop_size'),
    case(RANGE, 'segment.load_data_voc-n_train', lambda F: SEG.load_data_voc(2, (4, 4), n_train=0), ValueError, 'n_train'),
    case(TYPE, 'segment.fcn_resnet-resnet', lambda F: SEG.fcn_resnet(nn.Linear(2, 2), 3), TypeError, 'resnet'),
    case(RANGE, 'segment.fcn_resnet-num_classes', lambda F: SEG.fcn_resnet(F.fake_resnet, 1), ValueError, 'num_classes'),
    case(RANGE, 'segment.fcn_resnet-upsample', lambda F: SEG.fcn_resnet(F.fake_resnet, 3, upsample=3), ValueError, 'upsample'),
    case(HUGE, 'segment.fcn_resnet-huge', lambda F: SEG.fcn_resnet(F.fake_resnet, 5000), ValueError, 'num_classes', 'GB'),
    case(DTYPE, 'segment.seg_loss-preds', lambda F: SEG.seg_loss(torch.zeros(1, 2, 2, 2, dtype=torch.long), torch.zeros(1, 2, 2, dtype=torch.long)),
         TypeError, 'preds'),
    case(DTYPE, 'segment.seg_loss-target', lambda F: SEG.seg_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2)), TypeError, 'target'),
    case(SHAPE, 'segment.seg_loss-shapes', lambda F: SEG.seg_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 3, 2, dtype=torch.long)), ValueError, 'target'),
    case(RANGE, 'segment.seg_metrics', lambda F: SEG.seg_metrics(1), ValueError, 'num_classes'),
    case(TYPE, 'segment.evaluate_segmentation-model', lambda F: SEG.evaluate_segmentation(5, [], 3), TypeError, 'model'),
    case(TYPE, 'segment.evaluate_segmentation-dl', lambda F: SEG.evaluate_segmentation(F.seg_net, 5, 3), TypeError, 'dl'),
    case(EMPTY, 'segment.evaluate_segmentation-empty', lambda F: SEG.evaluate_segmentation(F.seg_net, [], 3), ValueError, 'dl'),
    case(RANGE, 'segment.tile_starts-length', lambda F: SEG.tile_starts(0, 1), ValueError, 'length'),
    case(RANGE, 'segment.tile_starts-tile', lambda F: SEG.tile_starts(4, 8), ValueError, 'tile'),
    case(RANGE, 'segment.tile_starts-overlap', lambda F: SEG.tile_starts(8, 4, min_overlap=4), ValueError, 'min_overlap'),
    case(DTYPE, 'segment.predict_tiled-img', lambda F: SEG.predict_tiled(F.seg_net, torch.zeros(3, 8, 8, dtype=torch.uint8), (4, 4)), TypeError, 'img'),
    case(TYPE, 'segment.predict_tiled-tile', lambda F: SEG.predict_tiled(F.seg_net, torch.zeros(3, 8, 8), 4), TypeError, 'tile'),
    case(RANGE, 'segment.predict_tiled-tile-0', lambda F: SEG.predict_tiled(F.seg_net, torch.zeros(3, 8, 8), (0, 4)), ValueError, 'tile[0]'),
    case(TYPE, 'segment.TiledPredictor-model', lambda F: SEG.TiledPredictor(5, (4, 4)), TypeError, 'model'),
    case(SHAPE, 'segment.TiledPredictor-tile', lambda F: SEG.TiledPredictor(F.seg_net, (4,)), ValueError, 'tile'),
    case(RANGE, 'segment.TiledPredictor-overlap', lambda F: SEG.TiledPredictor(F.seg_net, (4, 4), min_overlap=4), ValueError, 'min_overlap'),
    # ------------------------------------------------------------------------------------------------------ cli
    case(TYPE, 'cli.skip_flags-quick', lambda F: CLI.skip_flags('yes', False), TypeError, 'quick'),
    case(TYPE, 'cli.cell_flags', lambda F: CLI.cell_flags(5), TypeError, 'source'),
    case(MISSING, 'cli.run_notebook-missing', lambda F: CLI.run_notebook(F.root / 'nope.ipynb', F.root / 'out.ipynb', set()),
         FileNotFoundError, 'nope.ipynb'),
    case(UNREADABLE, 'cli.run_notebook-not-a-notebook', lambda F: CLI.run_notebook(F.text, F.root / 'out.ipynb', set()), ValueError, 'notes.txt'),
    case(MISSING, 'cli.find_nbs-missing', lambda F: CLI.find_nbs(F.root / 'nope'), FileNotFoundError, 'nbs', 'nope'),
    case(MISSING, 'cli.find_nbs-file', lambda F: CLI.find_nbs(F.text), NotADirectoryError, 'nbs', 'notes.txt'),
    case(UNKNOWN, 'cli.lesson_notebooks-unknown', lambda F: CLI.lesson_notebooks(_course(F), ['99']), ValueError, 'lessons', '99'),
    case(TYPE, 'cli.lesson_notebooks-str', lambda F: CLI.lesson_notebooks(_course(F), '02'), TypeError, 'lessons'),
    case(EMPTY, 'cli.lesson_notebooks-none-found', lambda F: CLI.lesson_notebooks(F.empty_dir), ValueError, 'empty'),
    case(RANGE, 'cli.run_course-timeout', lambda F: CLI.run_course(_course(F), timeout=0, show=False), ValueError, 'timeout'),
    case(NONFINITE, 'cli.run_course-timeout-nan', lambda F: CLI.run_course(_course(F), timeout=float('nan'), show=False), ValueError, 'timeout'),
    case(UNWRITABLE, 'cli.run_course-out', lambda F: CLI.run_course(_course(F), out=F.text, show=False), NotADirectoryError, 'out', 'notes.txt'),
    case(UNWRITABLE, 'cli.check_output_folder-file', lambda F: CLI.check_output_folder(F.text / 'results'), NotADirectoryError, 'out', 'notes.txt'),
    case(TYPE, 'cli.check_output_folder-type', lambda F: CLI.check_output_folder(5), TypeError, 'out'),
    case(TYPE, 'cli.summary_table-rows', lambda F: CLI.summary_table(5), TypeError, 'rows'),
    case(UNKNOWN, 'cli.summary_table-row-keys', lambda F: CLI.summary_table([dict(lesson='a')]), ValueError, 'rows[0]'),
    case(TYPE, 'cli.cli_fail-code', lambda F: CLI.cli_fail('x', 'msg', code='2'), TypeError, 'code'),
    case(TYPE, 'cli.parse_cli-parser', lambda F: CLI.parse_cli(5, []), TypeError, 'parser'),
    case(TYPE, 'cli.check_output_path-type', lambda F: CLI.check_output_path(5), TypeError, 'path'),
    case(TYPE, 'cli.style_cli-argv', lambda F: CLI.style_cli('a.png b.png'), TypeError, 'argv'),
    case(TYPE, 'cli.featviz_cli-argv', lambda F: CLI.featviz_cli(5), TypeError, 'argv'),
    case(TYPE, 'cli.main-argv', lambda F: CLI.main('run'), TypeError, 'argv'),
]


def _corrupt_record():
    "A figures file that is not JSON where headline will add to it ($COURSE_RESULTS is the test's own folder)."
    Path(os.environ['COURSE_RESULTS']).mkdir(parents=True, exist_ok=True)
    (Path(os.environ['COURSE_RESULTS']) / 'x.json').write_text('{not json')


def _axes():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    plt.close(fig)
    return ax


def _course(F) -> Path:
    "A folder with two tiny lesson notebooks."
    nbs = F.root / 'course'
    if not nbs.exists():
        import nbformat
        from nbformat.v4 import new_code_cell, new_notebook
        nbs.mkdir()
        for name in ('00_a', '01_b'): nbformat.write(new_notebook(cells=[new_code_cell('1 + 1')]), nbs / f'{name}.ipynb')
    return nbs


@pytest.mark.parametrize('kind, call, exc, words', CASES)
def test_bad_input(F, kind, call, exc, words, monkeypatch, tmp_path):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))       # no cached weights: pretrained() must fail offline
    monkeypatch.setenv('COURSE_RESULTS', str(tmp_path / 'results'))
    with pytest.raises(Exception) as info, memory_cap():
        call(F)
    err = info.value
    assert type(err) is exc, f"expected {exc.__name__}, got {type(err).__name__}: {err}"
    for w in words: assert w in str(err), f"{w!r} not in the message: {err}"
    assert all(p.read_text() == '{not json' for p in tmp_path.glob('results/*')), 'a refused call wrote or changed results'


def test_every_public_function_has_a_row():
    "Each name in a module's `__all__` that is a function or class taking arguments appears in some case's label."
    import inspect
    labels = ' '.join(p.id for p in CASES)
    missing = []
    for mod in (C, D, M, CNN, L, FT, A, SSD, Y, SEG, S, FV, CLI):
        short = mod.__name__.split('.')[-1]
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not callable(obj) or (inspect.isclass(obj) and issubclass(obj, BaseException)): continue
            try: params = [p for p in inspect.signature(obj).parameters.values() if p.name != 'self']
            except (TypeError, ValueError): continue
            if not params: continue
            if f'{short}.{name}' not in labels and name not in _NOT_TABLED: missing.append(f'{short}.{name}')
    assert not missing, f"no bad-input row for {missing}"


# public callables with arguments that have no row above, and why
_NOT_TABLED = {
    'DocMarkdown': 'wraps any text; nothing to refuse',
    'CourseConfig': 'takes no arguments (its sizes() has rows as cfg.sizes)',
    'Timer': 'takes no arguments',
    'Source': 'a dataclass; checked by register_source (rows above)',
    'Scene': 'a NamedTuple the generator fills',
    'FilterViz': 'a NamedTuple the functions fill',
    'Callback': 'base class; its subclasses have rows',
    'SlowRunWarning': 'a warning class',
    'LessonError': 'an exception class',
    'OfflineFallbackWarning': 'a warning class',
}


# ----------------------------------------------------------------------------------------- right in every accepted dtype
LOW = (torch.float16, torch.bfloat16)


def _close(got, want, tol):
    got, want = torch.as_tensor(got).double(), torch.as_tensor(want).double()
    assert got.shape == want.shape and torch.isfinite(got).all(), (got, want)
    assert torch.allclose(got, want, rtol=tol, atol=tol), (got - want).abs().max()


def _pixel_boxes(n, seed, span=400.):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * span
    wh = torch.rand(n, 2, generator=g) * span / 2 + 1
    return torch.cat((xy, xy + wh), 1)


def _dtype_cases():
    "(label, dtypes, f(dtype) -> (result, float64 reference), tolerance)."
    rng = torch.Generator().manual_seed(0)
    big = torch.rand(2, 64, 12, 12, generator=rng) * 80             # VGG-sized activations
    logits = torch.randn(5, 7, generator=rng) * 30
    imgs = torch.rand(4, 28, 28, generator=rng)
    boxes = _pixel_boxes(30, 1)
    return [
        ('anchors.box_iou', LOW + (torch.float64,), lambda d: (A.box_iou(boxes.to(d), boxes.to(d)),
                                                               A.box_iou(boxes.to(d).double(), boxes.to(d).double())), 1e-3),
        ('anchors.box_corner_to_center', LOW, lambda d: (A.box_corner_to_center(boxes.to(d)), A.box_corner_to_center(boxes.to(d).double())), 1e-2),
        ('anchors.wh_iou', LOW, lambda d: (A.wh_iou(boxes[:, 2:].to(d), boxes[:, 2:].to(d)),
                                           A.wh_iou(boxes[:, 2:].to(d).double(), boxes[:, 2:].to(d).double())), 1e-3),
        ('cnn.softmax', LOW, lambda d: (CNN.softmax(logits.to(d)), TF.softmax(logits.to(d).double(), -1)), 2e-2),
        ('cnn.log_softmax', LOW, lambda d: (CNN.log_softmax(logits.to(d)), TF.log_softmax(logits.to(d).double(), -1)), 0.5),
        ('cnn.cross_entropy', LOW, lambda d: (CNN.cross_entropy(logits.to(d), torch.arange(5)),
                                              TF.cross_entropy(logits.to(d).double(), torch.arange(5))), 2e-2),
        ('cnn.max_pool2d-ints', (torch.uint8, torch.int32, torch.int64), lambda d: (
            CNN.max_pool2d((imgs * 200).to(d)[:, None], 3, 2, 1), TF.max_pool2d((imgs * 200).to(d)[:, None].double(), 3, 2, 1)), 0),
        ('cnn.max_pool2d-low', LOW, lambda d: (CNN.max_pool2d(imgs.to(d)[:, None], 2), TF.max_pool2d(imgs.to(d)[:, None].double(), 2)), 0),
        ('mnist.mnist_distance', LOW, lambda d: (M.mnist_distance(imgs.to(d), imgs.flip(0).to(d)),
                                                 M.mnist_distance(imgs.to(d).double(), imgs.flip(0).to(d).double())), 2e-2),
        ('style.gram', LOW, lambda d: (S.gram(big.to(d)), S.gram(big.to(d).double())), 2e-2),
        ('style.content_loss', LOW, lambda d: (S.content_loss(big.to(d) * 10, torch.zeros_like(big).to(d)),
                                               S.content_loss(big.to(d).double() * 10, torch.zeros_like(big).double())), 2e-2),
        ('style.style_loss', LOW, lambda d: (S.style_loss(big.to(d), S.gram(big.to(d) / 2)),
                                             S.style_loss(big.to(d).double(), S.gram(big.to(d).double() / 2))), 5e-2),
        ('style.tv_loss', LOW, lambda d: (S.tv_loss(big.to(d)), S.tv_loss(big.to(d).double())), 2e-2),
        ('featviz.gaussian_blur', LOW, lambda d: (FV.gaussian_blur(imgs[:, None].to(d), 1.), FV.gaussian_blur(imgs[:, None].to(d).double(), 1.)), 2e-2),
        ('featviz.diversity_loss', LOW, lambda d: (FV.diversity_loss(big[:, :, :6, :6].to(d) * 3), FV.diversity_loss(big[:, :, :6, :6].to(d).double() * 3)), 1e-3),
        ('segment.trans_conv', LOW, lambda d: (SEG.trans_conv(imgs[:2].to(d), torch.ones(2, 3, 4, 4).to(d), 2, 1),
                                               TF.conv_transpose2d(imgs[:2].to(d).double()[None], torch.ones(2, 3, 4, 4).double(), stride=2, padding=1)[0]), 2e-2),
        ('yolo.roi_align', LOW, lambda d: (Y.roi_align(big[:1, :4].to(d), torch.tensor([[0., 1., 1., 9., 7.]]).to(d), 3),
                                           Y.roi_align(big[:1, :4].to(d).double(), torch.tensor([[0., 1., 1., 9., 7.]]).double(), 3)), 2e-2),
        ('yolo.roi_pool', LOW, lambda d: (Y.roi_pool(big[:1, :4].to(d), torch.tensor([[0., 1., 1., 9., 7.]]).to(d), 3),
                                          Y.roi_pool(big[:1, :4].to(d).double(), torch.tensor([[0., 1., 1., 9., 7.]]).double(), 3)), 1e-6),
        ('featviz.affine', LOW, lambda d: (FV.affine(imgs[:, None].to(d), 10), FV.affine(imgs[:, None].to(d).double(), 10)), 2e-2),
        ('finetune.denormalize', LOW, lambda d: (FT.denormalize(big[0, :3].to(d) / 80), FT.denormalize(big[0, :3].to(d).double() / 80)), 1e-2),
        ('core.to_hwc-int-rgb', (torch.int16, torch.int32, torch.int64), lambda d: (
            C.to_hwc((imgs[:3] * 255).round().to(d)), C.to_hwc((imgs[:3] * 255).round().to(torch.uint8))), 0),
        ('style.postprocess', LOW, lambda d: (np.asarray(S.postprocess(big[0, :3].to(d) / 80)),
                                              np.asarray(S.postprocess(big[0, :3].to(d).float() / 80))), 1),
    ]


@pytest.mark.parametrize('label, dtypes, f, tol', _dtype_cases(), ids=[c[0] for c in _dtype_cases()])
def test_results_right_in_every_accepted_dtype(label, dtypes, f, tol):
    for d in dtypes:
        got, want = f(d)
        if isinstance(got, np.ndarray):
            assert got.dtype == want.dtype and got.shape == want.shape, (d, got.dtype, want.dtype)
            assert np.abs(got.astype(np.int64) - want.astype(np.int64)).max() <= tol, d
        else: _close(got, want, tol)


def test_to_hwc_keeps_16_bit_images():
    "A 16-bit greyscale picture is shown by its values, not clipped to white at 255."
    arr = np.linspace(0, 60000, 24, dtype=np.uint16).reshape(4, 6)
    out = C.to_hwc(Image.fromarray(arr))
    assert out.ndim == 2 and out.max() > 255 and np.array_equal(np.argsort(out.ravel()), np.argsort(arr.ravel()))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**31 - 1), st.sampled_from(LOW))
def test_nms_in_half_precision_keeps_no_duplicates(n, seed, dtype):
    "Identical pixel boxes are suppressed in float16/bfloat16 (areas overflow float16 past 65,504)."
    b = _pixel_boxes(n, seed).to(dtype)
    keep = A.nms(torch.cat((b, b)), torch.rand(2 * n, generator=torch.Generator().manual_seed(seed)).to(dtype), 0.5)
    assert len(keep) <= n


# ------------------------------------------------------------------------------------------ files: nothing destroyed
def _listing(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_save_atomic_failure_keeps_old_file_and_leaves_no_temp(tmp_path):
    dest = tmp_path / 'out.png'
    dest.write_bytes(b'old')
    def boom(tmp):
        Path(tmp).write_bytes(b'half')
        raise RuntimeError('disk full')
    with pytest.raises(RuntimeError, match='disk full'): C.save_atomic(dest, boom)
    assert _listing(tmp_path) == {'out.png': b'old'}


def test_atomic_path_keeps_permissions(tmp_path):
    dest = tmp_path / 'shared.txt'
    dest.write_text('old'); dest.chmod(0o644)
    with C.atomic_path(dest) as tmp: Path(tmp).write_text('new')
    assert dest.read_text() == 'new' and (dest.stat().st_mode & 0o777) == 0o644
    new = tmp_path / 'fresh.txt'
    with C.atomic_path(new) as tmp: Path(tmp).write_text('x')
    assert (new.stat().st_mode & 0o777) == 0o666 & ~C._umask()


@pytest.mark.skipif(ROOT, reason='root writes anywhere')
def test_atomic_path_unwritable_folder_names_dest_not_a_temp_file(tmp_path):
    ro = tmp_path / 'ro'; ro.mkdir(); (ro / 'out.png').write_bytes(b'old'); ro.chmod(0o555)
    try:
        with pytest.raises(PermissionError) as info:
            with C.atomic_path(ro / 'out.png') as tmp: Path(tmp).write_bytes(b'new')
        assert 'dest' in str(info.value) and str(ro) in str(info.value) and '.out.png.' not in str(info.value)
        assert _listing(ro) == {'out.png': b'old'}
    finally: ro.chmod(0o755)


def test_save_voc_mask_refusal_keeps_old_mask(tmp_path):
    dest = tmp_path / 'm.png'
    D.save_voc_mask(np.ones((3, 3), np.uint8), dest)
    before = _listing(tmp_path)
    with pytest.raises(ValueError, match='mask'): D.save_voc_mask(np.full((3, 3), 999), dest)
    assert _listing(tmp_path) == before


def test_synthetic_set_refusal_touches_nothing(tmp_path):
    dest = tmp_path / 'set'
    with pytest.raises(ValueError, match='GB'): D.make_synthetic_detection(dest, size=100_000)
    assert not dest.exists()


def test_headline_refusal_keeps_recorded_figures(tmp_path, monkeypatch):
    monkeypatch.setenv('COURSE_RESULTS', str(tmp_path))
    C.headline('lesson', acc=0.5)
    before = _listing(tmp_path)
    with pytest.raises(ValueError): C.headline('lesson', acc=float('nan'))
    with pytest.raises(TypeError): C.headline('lesson', acc=object())
    assert _listing(tmp_path) == before


def test_download_into_a_file_path_leaves_nothing(tmp_path):
    (tmp_path / 'f.txt').write_text('keep')
    with pytest.raises(D.DatasetError, match='dest'): D.download('http://127.0.0.1:9/x', tmp_path / 'f.txt' / 'x', show=False)
    assert _listing(tmp_path) == {'f.txt': b'keep'}


# ---------------------------------------------------------------------------------------------------- the command line
def _cli(capsys, *argv):
    with memory_cap(): rc = CLI.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _is_usage_error(rc, err, *words):
    lines = [l for l in err.strip().splitlines() if l.strip()]
    assert rc == 2, (rc, err)
    assert 'Traceback' not in err, err
    assert lines and ': error: ' in lines[-1], err
    # our own checks print exactly one line; argparse's print its usage line first
    assert len(lines) == 1 or (len(lines) == 2 and lines[0].startswith('usage:')), err
    for w in words: assert w in lines[-1], (w, err)


@pytest.fixture
def photos(tmp_path):
    rng = np.random.default_rng(0)
    c = _png(tmp_path / 'c.png', rng.integers(0, 255, (40, 48, 3), dtype=np.uint8))
    s = _png(tmp_path / 's.png', rng.integers(0, 255, (40, 48, 3), dtype=np.uint8))
    g16 = tmp_path / 'g16.png'; Image.fromarray(np.full((40, 48), 40000, np.uint16)).save(g16)
    trunc = _truncated(tmp_path / 'trunc.png')
    out = tmp_path / 'out.png'; out.write_bytes(b'old result')
    (tmp_path / 'a-file').write_text('x')
    return SimpleNamespace(c=str(c), s=str(s), g16=str(g16), trunc=str(trunc), out=str(out), root=tmp_path)


STYLE_USAGE = [
    # (kind, label, argv with {c} {s} {out} {root} placeholders, words in the error line)
    (MISSING, 'content-missing', ['{root}/nope.png', '{s}', '-o', '{out}'], ['CONTENT', 'nope.png']),
    (MISSING, 'style-missing', ['{c}', '{root}/nope.png', '-o', '{out}'], ['STYLE', 'nope.png']),
    (UNREADABLE, 'content-truncated', ['{trunc}', '{s}', '-o', '{out}'], ['CONTENT', 'trunc.png']),
    (UNREADABLE, 'style-not-an-image', ['{c}', '{root}/a-file', '-o', '{out}'], ['STYLE', 'a-file']),
    (MODE, 'content-16bit', ['{g16}', '{s}', '-o', '{out}'], ['CONTENT', 'I;16']),
    (MISSING, 'output-folder-missing', ['{c}', '{s}', '-o', '{root}/nope/out.png'], ['--output', 'does not exist']),
    (UNWRITABLE, 'output-under-a-file', ['{c}', '{s}', '-o', '{root}/a-file/out.png'], ['--output', 'a-file']),
    (UNWRITABLE, 'output-is-a-folder', ['{c}', '{s}', '-o', '{root}'], ['--output', 'folder']),
    (UNKNOWN, 'output-extension', ['{c}', '{s}', '-o', '{root}/out.xyz'], ['--output', '.xyz']),
    (MISSING, 'output-flag-missing', ['{c}', '{s}'], ['-o/--output']),
    (RANGE, 'steps-0', ['{c}', '{s}', '-o', '{out}', '--steps', '0'], ['--steps']),
    (TYPE, 'steps-text', ['{c}', '{s}', '-o', '{out}', '--steps', 'many'], ['--steps']),
    (RANGE, 'size-0', ['{c}', '{s}', '-o', '{out}', '--size', '0'], ['--size']),
    (TYPE, 'size-text', ['{c}', '{s}', '-o', '{out}', '--size', '10x'], ['--size']),
    (RANGE, 'size-too-small', ['{c}', '{s}', '-o', '{out}', '--size', '5'], ['--size']),
    (HUGE, 'size-huge', ['{c}', '{s}', '-o', '{out}', '--size', '100000'], ['--size', 'GB']),
    (HUGE, 'size-big', ['{c}', '{s}', '-o', '{out}', '--size', '3000'], ['--size', 'GB']),
    (NONFINITE, 'content-weight-nan', ['{c}', '{s}', '-o', '{out}', '--content-weight', 'nan'], ['--content-weight']),
    (RANGE, 'style-weight-negative', ['{c}', '{s}', '-o', '{out}', '--style-weight', '-1'], ['--style-weight']),
    (NONFINITE, 'tv-weight-inf', ['{c}', '{s}', '-o', '{out}', '--tv-weight', 'inf'], ['--tv-weight']),
    (RANGE, 'style-ratio-0', ['{c}', '{s}', '-o', '{out}', '--style-ratio', '0'], ['--style-ratio']),
    (RANGE, 'tv-ratio-negative', ['{c}', '{s}', '-o', '{out}', '--tv-ratio', '-0.1'], ['--tv-ratio']),
    (RANGE, 'lr-0', ['{c}', '{s}', '-o', '{out}', '--lr', '0'], ['--lr']),
    (UNKNOWN, 'optimizer', ['{c}', '{s}', '-o', '{out}', '--optimizer', 'sgd'], ['--optimizer', 'sgd']),
    (UNKNOWN, 'device', ['{c}', '{s}', '-o', '{out}', '--device', 'tpu'], ['--device', 'tpu']),
    (RANGE, 'seed-negative', ['{c}', '{s}', '-o', '{out}', '--seed', '-1'], ['--seed']),
    (RANGE, 'seed-2**32', ['{c}', '{s}', '-o', '{out}', '--seed', str(2**32)], ['--seed']),
    (TYPE, 'seed-float', ['{c}', '{s}', '-o', '{out}', '--seed', '1.5'], ['--seed']),
    (UNKNOWN, 'unknown-flag', ['{c}', '{s}', '-o', '{out}', '--colour'], ['--colour']),
]


@pytest.mark.parametrize('kind, label, argv, words', STYLE_USAGE, ids=[c[1] for c in STYLE_USAGE])
def test_style_usage_errors(kind, label, argv, words, photos, capsys, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(photos.root / 'torch'))
    rc, out, err = _cli(capsys, 'style', *[a.format(**vars(photos)) for a in argv], '--allow-random', '--quiet')
    _is_usage_error(rc, err, *words)
    assert Path(photos.out).read_bytes() == b'old result'
    assert sorted(p.name for p in photos.root.iterdir()) == ['a-file', 'c.png', 'g16.png', 'out.png', 's.png', 'trunc.png']


def test_style_without_weights_is_a_run_time_failure(photos, capsys, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(photos.root / 'torch'))
    rc, out, err = _cli(capsys, 'style', photos.c, photos.s, '-o', photos.out, '--size', '32', '--quiet')
    assert rc == 1 and 'Traceback' not in err and '--allow-random' in err and len(err.strip().splitlines()) == 1, err
    assert Path(photos.out).read_bytes() == b'old result'


FEATVIZ_USAGE = [
    (UNKNOWN, 'arch', ['--arch', 'resnet9000'], ['--arch', 'resnet9000']),
    (UNKNOWN, 'layer', ['--layer', 'layer9'], ['--layer', 'layer9']),
    (HUGE, 'channels-huge', ['--channels', '0-99999'], ['--channels']),
    (RANGE, 'channels-range', ['--channels', '0-9999'], ['--channels', 'channel 9999']),
    (UNKNOWN, 'channels-text', ['--channels', 'a-b'], ['--channels', 'a-b']),
    (EMPTY, 'channels-empty', ['--channels', ''], ['--channels']),
    (RANGE, 'size-0', ['--size', '0'], ['--size']),
    (TYPE, 'size-text', ['--size', 'big'], ['--size']),
    (HUGE, 'size-huge', ['--size', '60000', '--upscales', '0'], ['max_gb']),
    (RANGE, 'steps-0', ['--steps', '0'], ['--steps']),
    (RANGE, 'upscales-negative', ['--upscales', '-1'], ['--upscales']),
    (HUGE, 'upscales-huge', ['--upscales', '5000'], ['--upscales']),
    (RANGE, 'scale-below-1', ['--scale', '0.5'], ['--scale']),
    (NONFINITE, 'scale-nan', ['--scale', 'nan'], ['--scale']),
    (RANGE, 'lr-0', ['--lr', '0'], ['--lr']),
    (RANGE, 'blur-negative', ['--blur', '-1'], ['--blur']),
    (RANGE, 'jitter-negative', ['--jitter', '-1'], ['--jitter']),
    (RANGE, 'ncols-0', ['--ncols', '0'], ['--ncols']),
    (UNKNOWN, 'device', ['--device', 'tpu'], ['--device', 'tpu']),
    (RANGE, 'seed-negative', ['--seed', '-1'], ['--seed']),
    (MISSING, 'output-folder-missing', ['-o', '{root}/nope/grid.png'], ['--output']),
    (UNWRITABLE, 'output-under-a-file', ['-o', '{root}/a-file/grid.png'], ['--output', 'a-file']),
    (UNKNOWN, 'output-extension', ['-o', '{root}/grid.gif'], ['--output', '.gif']),
]


@pytest.mark.parametrize('kind, label, argv, words', FEATVIZ_USAGE, ids=[c[1] for c in FEATVIZ_USAGE])
def test_featviz_usage_errors(kind, label, argv, words, photos, capsys, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(photos.root / 'torch'))
    base = ['--arch', 'resnet18', '--layer', 'layer1', '--channels', '0-1', '-o', photos.out, '--size', '16', '--steps', '1',
            '--upscales', '0']
    rc, out, err = _cli(capsys, 'featviz', *base, *[a.format(**vars(photos)) for a in argv], '--allow-random', '--quiet')
    _is_usage_error(rc, err, *words)
    assert Path(photos.out).read_bytes() == b'old result'


def test_featviz_without_weights_is_a_run_time_failure(photos, capsys, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(photos.root / 'torch'))
    rc, out, err = _cli(capsys, 'featviz', '--arch', 'resnet18', '-o', photos.out, '--quiet')
    assert rc == 1 and 'Traceback' not in err and '--allow-random' in err, err
    assert Path(photos.out).read_bytes() == b'old result'


RUN_USAGE = [
    (UNKNOWN, 'lessons-unknown', ['--lessons', '99'], ['lessons', '99']),
    (EMPTY, 'lessons-empty', ['--lessons', ','], ['--lessons']),
    (EMPTY, 'lessons-blank', ['--lessons', ''], ['--lessons']),
    (RANGE, 'timeout-negative', ['--timeout', '-1'], ['--timeout']),
    (NONFINITE, 'timeout-nan', ['--timeout', 'nan'], ['--timeout']),
    (NONFINITE, 'timeout-inf', ['--timeout', 'inf'], ['--timeout']),
    (TYPE, 'timeout-text', ['--timeout', 'soon'], ['--timeout']),
    (MISSING, 'nbs-missing', ['--nbs', '{root}/nope'], ['nbs', 'nope']),
    (MISSING, 'nbs-file', ['--nbs', '{root}/a-file'], ['nbs', 'a-file']),
    (UNWRITABLE, 'out-a-file', ['--out', '{root}/a-file'], ['--out', 'a-file']),
    (UNWRITABLE, 'out-under-a-file', ['--out', '{root}/a-file/results'], ['--out', 'a-file']),
    (UNKNOWN, 'unknown-flag', ['--fast'], ['--fast']),
]


@pytest.mark.parametrize('kind, label, argv, words', RUN_USAGE, ids=[c[1] for c in RUN_USAGE])
def test_run_usage_errors(kind, label, argv, words, photos, capsys):
    nbs = photos.root / 'course'
    if not nbs.exists():
        import nbformat
        from nbformat.v4 import new_code_cell, new_notebook
        nbs.mkdir()
        nbformat.write(new_notebook(cells=[new_code_cell('1 + 1')]), nbs / '00_a.ipynb')
    extra = [] if '--nbs' in argv else ['--nbs', str(nbs)]
    out_dir = photos.root / 'results'
    extra += [] if '--out' in argv else ['--out', str(out_dir)]
    rc, out, err = _cli(capsys, 'run', *extra, *[a.format(**vars(photos)) for a in argv])
    _is_usage_error(rc, err, *words)
    assert not out_dir.exists() and (photos.root / 'a-file').read_text() == 'x'


MAIN_USAGE = [
    (EMPTY, 'no-command', [], ['command']),
    (UNKNOWN, 'unknown-command', ['dance'], ['dance']),
]


@pytest.mark.parametrize('kind, label, argv, words', MAIN_USAGE, ids=[c[1] for c in MAIN_USAGE])
def test_main_usage_errors(kind, label, argv, words, capsys):
    rc, out, err = _cli(capsys, *argv)
    _is_usage_error(rc, err, *words)


def test_runner_reports_exactly_what_happened(tmp_path):
    "A lesson that records a figure and then fails is FAILED with its error; one that calls sys.exit is not ok; an unreadable figures file is reported."
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook
    nbs = tmp_path / 'nbs'; nbs.mkdir()
    cells = {'00_ok': ["from course_lib.core import headline\nheadline('ok', acc=0.5)"],
             '01_fig_then_fail': ["from course_lib.core import headline\nheadline('f', acc=0.5)", "raise RuntimeError('boom 42')"],
             '02_exit': ["import sys\nsys.exit(0)", "print('never')"],
             '03_garbled': ["import os, pathlib\n(pathlib.Path(os.environ['COURSE_RESULTS']) / 'g.json').write_text('{half')"]}
    for name, srcs in cells.items(): nbformat.write(new_notebook(cells=[new_code_cell(s) for s in srcs]), nbs / f'{name}.ipynb')
    out = tmp_path / 'results'
    (out / 'figures' / '09_other').mkdir(parents=True)
    (out / 'figures' / '09_other' / 'x.json').write_text('{"acc": 1}')
    rows = {r['lesson']: r for r in CLI.run_course(nbs, out=out, show=False, timeout=300)}
    assert rows['00_ok']['status'] == 'ok'
    bad = rows['01_fig_then_fail']
    assert bad['status'] == 'FAILED' and 'boom 42' in bad['error'] and bad['figures'] == {'f.acc': 0.5}
    assert rows['02_exit']['status'] != 'ok'
    assert rows['03_garbled']['figures'] == {'g.unreadable': 'g.json'}          # said, not hidden, and no crash
    table = CLI.summary_table(list(rows.values()))
    assert 'boom 42' in table and '2/4 lessons ok' in table
    assert (out / 'figures' / '09_other' / 'x.json').exists()                   # results of lessons it did not run stay


def test_kinds_table(capsys):
    "Prints the count of cases of each kind (for the closing note); every kind is covered."
    counts = Counter(p.values[0] for p in CASES)
    for table in (STYLE_USAGE, FEATVIZ_USAGE, RUN_USAGE, MAIN_USAGE): counts.update(c[0] for c in table)
    kinds = (TYPE, BOOL, RANGE, NONFINITE, DTYPE, SHAPE, EMPTY, ORDER, MODE, MISSING, UNREADABLE, UNWRITABLE, HUGE, UNKNOWN)
    assert set(counts) == set(kinds)
    with capsys.disabled():
        print('\n| kind of bad input | cases |\n|---|---|')
        for k in kinds: print(f'| {k} | {counts[k]} |')
        print(f'| dtype results (every accepted dtype) | {sum(len(c[1]) for c in _dtype_cases())} |')
        print(f'| total of the bad-input cases above | {sum(counts.values())} |')
