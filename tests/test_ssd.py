"Property and format tests for course_lib.ssd (lesson 07) that would clutter the notebook."
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings, strategies as st
from PIL import Image

from course_lib import datasets
from course_lib.anchors import multibox_prior, multibox_target
from course_lib.ssd import (LABEL_COLUMNS, SSD_RATIOS, SSD_SIZES, SYNTH_CLASSES, BananasDataset, TinySSD,
                            bbox_mae, calc_loss, class_error, concat_preds, detect, detection_classes,
                            flatten_pred, load_data_bananas, make_synthetic_detection, read_data_bananas)


def _files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob('*')) if p.is_file()}


@pytest.fixture(scope='module')
def synth(tmp_path_factory) -> Path:
    return make_synthetic_detection(tmp_path_factory.mktemp('synth'), n_train=12, n_val=4, size=64, seed=3)


def _real_format_folder(root: Path, rows: dict) -> Path:
    "A hand-made folder in d2l's real banana format: one row per image, 256x256 PNGs."
    for split, split_rows in rows.items():
        (root / split / 'images').mkdir(parents=True)
        lines = ['img_name,label,xmin,ymin,xmax,ymax']
        for name, box in split_rows:
            Image.new('RGB', (256, 256), (200, 180, 40)).save(root / split / 'images' / name)
            lines.append(f'{name},0,' + ','.join(str(v) for v in box))
        (root / split / 'label.csv').write_text('\n'.join(lines) + '\n')
    return root


# ---------------------------------------------------------------- model shapes
def test_anchor_count_256():
    anchors, cls_preds, bbox_preds = TinySSD(num_classes=1)(torch.zeros(2, 3, 256, 256))
    assert anchors.shape == (1, 5444, 4)
    assert cls_preds.shape == (2, 5444, 2)
    assert bbox_preds.shape == (2, 5444 * 4)


@pytest.mark.parametrize('size', [64, 128, 192])
def test_anchor_count_follows_input_size(size):
    net = TinySSD(num_classes=3)
    anchors, cls_preds, bbox_preds = net(torch.zeros(1, 3, size, size))
    maps = [size // 8, size // 16, size // 32, size // 64, 1]
    n = sum(m * m for m in maps) * 4
    assert anchors.shape == (1, n, 4) and cls_preds.shape == (1, n, 4) and bbox_preds.shape == (1, 4 * n)


def test_flatten_order_matches_multibox_prior():
    "Row k of the flattened predictions belongs to anchor k of multibox_prior on the same map."
    h, w, a = 3, 5, 4
    fmap = torch.zeros(1, 8, h, w)
    anchors = multibox_prior(fmap, SSD_SIZES[0], SSD_RATIOS[0])[0]      # (h*w*a, 4)
    # encode each anchor's centre in the 4 "box" channels of its slot and flatten like the predictors' output
    cy, cx = torch.meshgrid((torch.arange(h) + 0.5) / h, (torch.arange(w) + 0.5) / w, indexing='ij')
    pred = torch.stack([cx, cy] * 2).repeat(a, 1, 1)[None]                # (1, a*4, h, w)
    flat = flatten_pred(pred).reshape(-1, 4)
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    torch.testing.assert_close(flat[:, :2], centres, atol=1e-6, rtol=0)
    assert concat_preds([pred, pred[..., :2, :2]]).shape == (1, (h * w + 4) * a * 4)


def test_tinyssd_bad_args():
    with pytest.raises(ValueError, match='num_classes'): TinySSD(0)
    with pytest.raises(ValueError, match='sizes'): TinySSD(1, sizes=SSD_SIZES[:4])
    with pytest.raises(ValueError, match='channels'): TinySSD(1, channels=(8, 16))


# ---------------------------------------------------------------- synthetic data
def test_synthetic_is_deterministic(tmp_path, synth):
    again = make_synthetic_detection(tmp_path / 'again', n_train=12, n_val=4, size=64, seed=3)
    other = make_synthetic_detection(tmp_path / 'other', n_train=12, n_val=4, size=64, seed=4)
    assert _files(synth) == _files(again)
    assert _files(synth) != _files(other)


def test_synthetic_matches_banana_layout(synth):
    for split, n in (('bananas_train', 12), ('bananas_val', 4)):
        df = pd.read_csv(synth / split / 'label.csv')
        assert tuple(df.columns) == LABEL_COLUMNS
        images = sorted(p.name for p in (synth / split / 'images').iterdir())
        assert images == sorted(f'{i}.png' for i in range(n))
        assert set(df.img_name) == set(images)
        assert df.groupby('img_name').size().between(1, 3).all()
        assert df.label.isin(range(len(SYNTH_CLASSES))).all()
        assert ((df.xmin >= 0) & (df.ymin >= 0) & (df.xmax <= 64) & (df.ymax <= 64)).all()
        assert ((df.xmax > df.xmin) & (df.ymax > df.ymin)).all()
        for name in images[:3]:
            img = Image.open(synth / split / 'images' / name)
            assert img.size == (64, 64) and img.mode == 'RGB'
    assert detection_classes(synth) == list(SYNTH_CLASSES)


def test_synthetic_objects_do_not_overlap(synth):
    df = pd.read_csv(synth / 'bananas_train' / 'label.csv')
    for _, g in df.groupby('img_name'):
        b = torch.tensor(g[['xmin', 'ymin', 'xmax', 'ymax']].to_numpy(), dtype=torch.float32)
        lt, rb = torch.maximum(b[:, None, :2], b[None, :, :2]), torch.minimum(b[:, None, 2:], b[None, :, 2:])
        inter = (rb - lt).clamp(min=0).prod(-1)
        assert (inter.fill_diagonal_(0) == 0).all()


def test_synthetic_bad_args(tmp_path):
    with pytest.raises(ValueError, match='n_val'): make_synthetic_detection(tmp_path, n_val=0)
    with pytest.raises(TypeError, match='seed'): make_synthetic_detection(tmp_path, seed=1.5)
    with pytest.raises(TypeError, match='dest'): make_synthetic_detection(3)


def test_synthetic_failure_leaves_nothing_half_written(tmp_path, monkeypatch):
    "A build that fails part-way removes what it wrote: a new dest disappears, an existing one is left as it was."
    from course_lib import ssd
    real, calls = ssd._synthetic_image, []
    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5: raise RuntimeError('disk full')
        return real(*args, **kwargs)
    monkeypatch.setattr(ssd, '_synthetic_image', flaky)
    new = tmp_path / 'new' / 'set'
    with pytest.raises(RuntimeError, match='disk full'): make_synthetic_detection(new, n_train=6, n_val=2, size=64)
    assert not new.exists()
    old = tmp_path / 'old'
    old.mkdir(); (old / 'keep.txt').write_text('mine')
    calls.clear()
    with pytest.raises(RuntimeError, match='disk full'): make_synthetic_detection(old, n_train=6, n_val=2, size=64)
    assert sorted(p.name for p in old.iterdir()) == ['keep.txt']
    monkeypatch.setattr(ssd, '_synthetic_image', real)                    # and a good build leaves no temporary folder
    make_synthetic_detection(old, n_train=2, n_val=1, size=64)
    assert sorted(p.name for p in old.iterdir()) == ['bananas_train', 'bananas_val', 'classes.txt', 'keep.txt']


def test_registered_as_banana_fallback():
    assert datasets.DATA_SOURCES['banana'].fallback is make_synthetic_detection


# ---------------------------------------------------------------- reading
def test_read_real_format(tmp_path):
    root = _real_format_folder(tmp_path, {'bananas_train': [('0.png', (104, 20, 143, 58)), ('1.png', (68, 175, 118, 223))],
                                          'bananas_val': [('0.png', (0, 0, 256, 256))]})
    X, Y = read_data_bananas(root, is_train=True)
    assert X.shape == (2, 3, 256, 256) and X.dtype == torch.uint8
    assert Y.shape == (2, 1, 5)
    torch.testing.assert_close(Y[1, 0], torch.tensor([0, 68 / 256, 175 / 256, 118 / 256, 223 / 256]))
    X, Y = read_data_bananas(root, is_train=False, size=32)
    assert X.shape == (1, 3, 32, 32)
    torch.testing.assert_close(Y[0, 0], torch.tensor([0., 0., 0., 1., 1.]))
    assert detection_classes(root) == ['banana']
    ds = BananasDataset(root, is_train=True, size=64)
    img, lab = ds[0]
    assert img.dtype == torch.float32 and img.shape == (3, 64, 64) and 0 <= img.min() <= img.max() <= 1
    assert lab.shape == (1, 5)


def test_read_synthetic_pads_with_minus_one(synth):
    X, Y = read_data_bananas(synth, is_train=True, size=32)
    df = pd.read_csv(synth / 'bananas_train' / 'label.csv')
    counts = df.groupby('img_name', sort=False).size().to_numpy()
    assert X.shape == (12, 3, 32, 32) and Y.shape == (12, counts.max(), 5)
    for i, c in enumerate(counts):
        assert (Y[i, :c, 0] >= 0).all() and (Y[i, c:, 0] == -1).all()
    real = Y[Y[..., 0] >= 0][:, 1:]
    assert ((real >= 0) & (real <= 1)).all()
    _, Y5 = read_data_bananas(synth, is_train=True, n=5, max_objects=6)
    assert Y5.shape == (5, 6, 5)


def test_loaders(synth):
    train_iter, val_iter = load_data_bananas(4, synth, size=64, n_train=8)
    X, Y = next(iter(train_iter))
    assert X.shape == (4, 3, 64, 64) and Y.shape[0] == 4 and Y.shape[2] == 5
    assert len(train_iter.dataset) == 8 and len(val_iter.dataset) == 4


def test_read_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match='label.csv'): read_data_bananas(tmp_path)
    root = _real_format_folder(tmp_path / 'a', {'bananas_train': [('0.png', (50, 50, 40, 60))]})
    with pytest.raises(ValueError, match='xmin <= xmax'): read_data_bananas(root)
    root = _real_format_folder(tmp_path / 'b', {'bananas_train': [('0.png', (1, 2, 3, 4))]})
    (root / 'bananas_train' / 'label.csv').write_text('img_name,label,xmin,ymin\n0.png,0,1,2\n')
    with pytest.raises(ValueError, match='xmax'): read_data_bananas(root)
    root = _real_format_folder(tmp_path / 'c', {'bananas_train': [('0.png', (1, 2, 3, 4))]})
    with pytest.raises(ValueError, match='max_objects'):
        (root / 'bananas_train' / 'label.csv').write_text('img_name,label,xmin,ymin,xmax,ymax\n0.png,0,1,2,3,4\n0.png,0,5,6,7,8\n')
        read_data_bananas(root, max_objects=1)
    (root / 'bananas_train' / 'images' / '0.png').unlink()
    with pytest.raises(FileNotFoundError, match='0.png'): read_data_bananas(root)


# ---------------------------------------------------------------- loss and metrics
def _random_case(seed: int, B: int = 2, A: int = 50, C: int = 4):
    g = torch.Generator().manual_seed(seed)
    cls_preds = torch.randn(B, A, C, generator=g) * 3
    cls_labels = torch.randint(0, C, (B, A), generator=g) * (torch.rand(B, A, generator=g) < 0.2)
    cls_labels[:, 0] = 1                                                   # at least one positive per image
    mask = (cls_labels > 0).float().repeat_interleave(4, dim=1)
    bbox_labels = torch.randn(B, A * 4, generator=g) * mask
    bbox_preds = torch.randn(B, A * 4, generator=g)
    return cls_preds, cls_labels, bbox_preds, bbox_labels, mask


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), neg_ratio=st.sampled_from([None, 1.0, 3.0]))
def test_loss_finite_and_masked(seed, neg_ratio):
    cp, cl, bp, bl, bm = _random_case(seed)
    loss = calc_loss(cp, cl, bp, bl, bm, neg_ratio)
    assert loss.shape == (2,) and torch.isfinite(loss).all() and (loss >= 0).all()
    noise = torch.randn_like(bp) * 100 * (1 - bm)                          # change only masked-out offsets
    torch.testing.assert_close(calc_loss(cp, cl, bp + noise, bl, bm, neg_ratio), loss)
    bumped = calc_loss(cp, cl, bp + bm * 5, bl, bm, neg_ratio)               # change masked-in offsets
    assert (bumped != loss).all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_hard_negative_mining_keeping_all_equals_plain_sum(seed):
    "With every negative kept, the mined loss times #positives equals the plain loss times #anchors."
    cp, cl, bp, bl, bm = _random_case(seed)
    A = cl.shape[1]
    n_pos = (cl > 0).sum(1).float()
    mined = calc_loss(cp, cl, bp, bl, bm, neg_ratio=float(A))
    plain = calc_loss(cp, cl, bp, bl, bm, neg_ratio=None)
    # plain averages the L1 over all A*4 offsets, mined over the 4*n_pos masked ones: same sums
    torch.testing.assert_close(mined * n_pos, plain * A, rtol=1e-5, atol=1e-4)


def test_hard_negatives_are_the_hardest():
    cp = torch.zeros(1, 6, 2)
    cp[0, 4, 1] = 5.0                                                       # the hardest negative
    cp[0, 2, 1] = 1.0                                                       # the second hardest
    cl = torch.tensor([[1, 0, 0, 0, 0, 0]])
    z = torch.zeros(1, 24)
    ce = lambda logits, y: torch.nn.functional.cross_entropy(logits[None], torch.tensor([y]))
    expected = ce(cp[0, 0], 1) + ce(cp[0, 4], 0) + ce(cp[0, 2], 0)
    torch.testing.assert_close(calc_loss(cp, cl, z, z, z, neg_ratio=2)[0], expected)


def test_loss_near_zero_for_perfect_predictions():
    anchors = multibox_prior(torch.zeros(1, 1, 8, 8), SSD_SIZES[0], SSD_RATIOS[0])
    labels = torch.tensor([[[0, 0.1, 0.1, 0.4, 0.5], [1, 0.5, 0.5, 0.9, 0.7], [-1, 0, 0, 0, 0]]])
    bl, bm, cl = multibox_target(anchors, labels)
    cp = torch.nn.functional.one_hot(cl, 3).float() * 50
    for neg_ratio in (None, 3.0):
        assert calc_loss(cp, cl, bl, bl, bm, neg_ratio).item() < 1e-6
    assert class_error(cp, cl) == 0 and bbox_mae(bl, bl, bm) == 0


def test_loss_bad_shapes():
    cp, cl, bp, bl, bm = _random_case(0)
    with pytest.raises(ValueError, match='cls_labels'): calc_loss(cp, cl[:, 1:], bp, bl, bm)
    with pytest.raises(ValueError, match='bbox_masks'): calc_loss(cp, cl, bp, bl, bm[:, 4:])
    with pytest.raises(ValueError, match='neg_ratio'): calc_loss(cp, cl, bp, bl, bm, neg_ratio=-1)


def test_detect_shapes_and_order():
    torch.manual_seed(0)
    net = TinySSD(num_classes=2)
    dets = detect(net, torch.rand(3, 3, 64, 64), threshold=0.0, max_det=20)
    assert len(dets) == 3
    for d in dets:
        assert d.ndim == 2 and d.shape[1] == 6 and len(d) <= 20
        assert ((d[:, 0] >= 0) & (d[:, 0] < 2)).all() and (d[:, 1].diff() <= 0).all()
