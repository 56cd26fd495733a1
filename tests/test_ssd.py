"Property and format tests for course_lib.ssd (lesson 07) that would clutter the notebook."
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings, strategies as st
from PIL import Image

import torch.nn.functional as F
from torch.utils.data import DataLoader

from course_lib.anchors import multibox_detection, multibox_prior, multibox_target
from course_lib.datasets import LABEL_COLUMNS, SYNTH_CLASSES, make_synthetic_detection
from course_lib.ssd import (SSD_RATIOS, SSD_SIZES, BananasDataset, DetectionBatches, DetectionScores, TinySSD,
                            bbox_mae, calc_loss, class_error, concat_preds, decode_batch, detect, detection_classes,
                            device_syncs, evaluate_ssd, flatten_pred, host_syncs, load_data_bananas, read_data_bananas, ssd_loss,
                            ssd_targets)


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


# ---------------------------------------------------------------- synthetic data (built by course_lib.datasets, read here)
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


# ---------------------------------------------------------------- batches prepared once
def test_batches_equal_a_dataloader(synth):
    ds = BananasDataset(synth, is_train=True, size=32)
    batches = DetectionBatches(ds, 5, device='cpu')
    assert len(batches) == 3
    for (Xa, Ya), (Xb, Yb) in zip(batches, DataLoader(ds, 5), strict=True):
        torch.testing.assert_close(Xa, Xb, rtol=0, atol=0)
        torch.testing.assert_close(Ya, Yb, rtol=0, atol=0)


def test_shuffled_batches_are_a_permutation(synth):
    ds = BananasDataset(synth, is_train=True, size=32)
    batches = DetectionBatches(ds, 5, shuffle=True, drop_last=True, device='cpu', seed=1)
    assert len(batches) == 2
    key = {bytes(ds.features[i].numpy()): i for i in range(len(ds))}
    orders = [[key[bytes((x * 255).round().byte().numpy())] for X, _ in batches for x in X] for _ in range(3)]
    for o in orders: assert len(o) == 10 and len(set(o)) == 10          # drop_last: 2 full batches of distinct images
    assert orders[0] != orders[1]
    again = DetectionBatches(ds, 5, shuffle=True, drop_last=True, device='cpu', seed=1)   # same seed, same order
    assert [key[bytes((x * 255).round().byte().numpy())] for X, _ in again for x in X] == orders[0]


def test_batches_bad_input(synth):
    ds = BananasDataset(synth, is_train=False, size=32)
    with pytest.raises(TypeError, match='dataset'): DetectionBatches(ds.features, 2)
    with pytest.raises(ValueError, match='batch_size'): DetectionBatches(ds, 0)
    with pytest.raises(TypeError, match='shuffle'): DetectionBatches(ds, 2, shuffle=1)
    with pytest.raises(TypeError, match='seed'): DetectionBatches(ds, 2, seed=0.5)
    ds.labels = ds.labels.clone(); ds.labels[1, 0, 0] = 0.5                 # not an integer class
    with pytest.raises(ValueError, match=r'dataset.labels\[1, 0\]'): DetectionBatches(ds, 2, device='cpu')
    ds.labels[1, 0, 0] = 0; ds.labels[1, 0, 1] = float('nan')
    with pytest.raises(ValueError, match='finite corners'): DetectionBatches(ds, 2, device='cpu')


# ---------------------------------------------------------------- sync-free targets and loss
def _random_labels(g, B, M):
    "Random label rows (class, corners in [0, 1]) with random padding rows (class -1)."
    xy = torch.rand(B, M, 2, generator=g) * 0.7
    wh = 0.05 + torch.rand(B, M, 2, generator=g) * 0.3
    cls = torch.randint(0, 3, (B, M, 1), generator=g).float()
    labels = torch.cat((cls, xy, xy + wh), -1)
    pad = torch.rand(B, M, generator=g) < 0.3
    labels[pad] = -1.0
    return labels


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), B=st.integers(1, 4), M=st.integers(0, 5), hw=st.integers(2, 6),
       iou=st.sampled_from([0.3, 0.5, 0.7]))
def test_ssd_targets_equal_multibox_target(seed, B, M, hw, iou):
    g = torch.Generator().manual_seed(seed)
    anchors = multibox_prior(torch.zeros(1, 1, hw, hw + 1), SSD_SIZES[1], SSD_RATIOS[1])
    labels = _random_labels(g, B, M)
    for a, b in zip(ssd_targets(anchors, labels, iou), multibox_target(anchors, labels, iou)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_ssd_loss_is_mean_calc_loss():
    g = torch.Generator().manual_seed(0)
    net = TinySSD(3)
    X, labels = torch.rand(2, 3, 64, 64, generator=g), _random_labels(g, 2, 3)
    preds = net(X)
    bl, bm, cl = multibox_target(preds[0], labels)
    for nr in (None, 3.0):
        torch.testing.assert_close(ssd_loss(preds, labels, nr), calc_loss(preds[1], cl, preds[2], bl, bm, nr).mean())


def test_training_step_has_no_host_syncs():
    "One forward/backward/step with ssd_loss: the profiler finds no op that would make a GPU host wait."
    torch.manual_seed(0)
    net = TinySSD(3)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    X, labels = torch.rand(4, 3, 64, 64), _random_labels(torch.Generator().manual_seed(1), 4, 3)
    def step():
        loss = ssd_loss(net(X), labels)
        loss.backward(); opt.step(); opt.zero_grad()
    step()                                                                   # warm-up: anchors cached, optimizer state
    found = host_syncs(step)
    assert device_syncs(found) == {}
    assert found == {'optimizer: aten::_local_scalar_dense': len(list(net.parameters()))}   # AdamW's CPU step counters
    def old_step():                                                         # the textbook step does sync
        anchors, cp, bp = net(X)
        bl, bm, cl = multibox_target(anchors, labels)
        loss = calc_loss(cp, cl, bp, bl, bm, 3.0).mean()
        loss.backward(); opt.step(); opt.zero_grad()
        return loss.item()
    assert sum(device_syncs(host_syncs(old_step)).values()) >= 3


def test_host_syncs_sees_each_kind():
    x = torch.randn(10)
    found = host_syncs(lambda: (x.sum().item(), bool((x > 0).any()), torch.nonzero(x), torch.equal(x, x)))
    assert found['aten::_local_scalar_dense'] >= 2 and found['aten::nonzero'] >= 1 and found['aten::equal'] == 1
    with pytest.raises(TypeError, match='fn'): host_syncs(3)


# ---------------------------------------------------------------- batched decoding and scoring
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), B=st.integers(1, 3), nms=st.sampled_from([0.3, 0.5, 0.8]), scale=st.sampled_from([1.0, 4.0]))
def test_decode_batch_equals_multibox_detection(seed, B, nms, scale):
    g = torch.Generator().manual_seed(seed)
    anchors = multibox_prior(torch.zeros(1, 1, 4, 5), SSD_SIZES[0], SSD_RATIOS[0])
    A = anchors.shape[1]
    cp, bp = torch.randn(B, A, 3, generator=g) * scale, torch.randn(B, A * 4, generator=g)
    ref = multibox_detection(F.softmax(cp, dim=2).permute(0, 2, 1), bp, anchors, nms_threshold=nms)
    got = decode_batch(cp, bp, anchors, nms_threshold=nms, pre_nms_top_k=A, max_det=A)
    for r, d in zip(ref, got):
        torch.testing.assert_close(d[d[:, 0] >= 0], r[r[:, 0] >= 0], rtol=1e-5, atol=1e-6)
        assert (d[d[:, 0] < 0] == torch.tensor([-1.0, 0, 0, 0, 0, 0])).all()


def test_decode_batch_bad_input():
    anchors = multibox_prior(torch.zeros(1, 1, 2, 2), SSD_SIZES[0], SSD_RATIOS[0])
    A = anchors.shape[1]
    cp, bp = torch.randn(1, A, 3), torch.randn(1, A * 4)
    with pytest.raises(ValueError, match='nms_threshold'): decode_batch(cp, bp, anchors, nms_threshold=1.5)
    with pytest.raises(ValueError, match='max_det'): decode_batch(cp, bp, anchors, max_det=0)
    with pytest.raises(TypeError, match='cls_preds'): decode_batch(cp.long(), bp, anchors)
    with pytest.raises(ValueError, match='anchors'): decode_batch(cp, bp, anchors[:, :-1])
    with pytest.raises(ValueError, match='NaN'): decode_batch(cp * float('nan'), bp, anchors)


def test_evaluate_runs_the_network_once_per_batch(synth):
    torch.manual_seed(0)
    net = TinySSD(3)
    calls = []
    net.register_forward_hook(lambda *_: calls.append(1))
    val = DetectionBatches(BananasDataset(synth, is_train=False, size=64), 2, device='cpu')
    res = evaluate_ssd(net, val)
    assert len(calls) == len(val) == 2
    assert set(res) == {'valid_loss', 'class_err', 'bbox_mae', 'map50', 'map'} and 0 <= res['map50'] <= 1
    assert net.training                                                    # evaluation restores the mode
    no_map = evaluate_ssd(net, val, with_map=False)
    assert set(no_map) == {'valid_loss', 'class_err', 'bbox_mae'}
    assert no_map['valid_loss'] == pytest.approx(res['valid_loss'], rel=1e-6)


def test_detection_scores_loss_is_the_mean_over_images(synth):
    torch.manual_seed(0)
    net = TinySSD(3).eval()
    X, Y = next(iter(DetectionBatches(BananasDataset(synth, is_train=False, size=64), 4, device='cpu')))
    scores = DetectionScores(neg_ratio=None, with_map=False)
    with torch.no_grad():
        preds = net(X)
        scores.update(preds, Y)
        expected = ssd_loss(preds, Y, neg_ratio=None).item()
    assert scores.compute()['valid_loss'] == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------------- bad input everywhere else
@pytest.mark.parametrize('call, exc, name', [
    (lambda cp, cl, bp, bl, bm: calc_loss(cp, cl.float(), bp, bl, bm), TypeError, 'cls_labels'),
    (lambda cp, cl, bp, bl, bm: calc_loss(cp.long(), cl, bp, bl, bm), TypeError, 'cls_preds'),
    (lambda cp, cl, bp, bl, bm: calc_loss(cp, cl, bp, bl.int(), bm), TypeError, 'bbox_labels'),
    (lambda cp, cl, bp, bl, bm: calc_loss(cp[..., :1], cl, bp, bl, bm), ValueError, 'cls_preds'),
    (lambda cp, cl, bp, bl, bm: calc_loss(cp, cl, bp, bl, bm, neg_ratio='3'), TypeError, 'neg_ratio'),
    (lambda cp, cl, bp, bl, bm: calc_loss(list(cp), cl, bp, bl, bm), TypeError, 'cls_preds'),
    (lambda cp, cl, bp, bl, bm: class_error(cp, cl[:, :3]), ValueError, 'cls_labels'),
    (lambda cp, cl, bp, bl, bm: class_error(cp[0], cl), ValueError, 'cls_preds'),
    (lambda cp, cl, bp, bl, bm: bbox_mae(bp, bl, bm[:, :8]), ValueError, 'same shape'),
    (lambda cp, cl, bp, bl, bm: bbox_mae(bp, bl, bm.bool()), TypeError, 'bbox_masks'),
    (lambda cp, cl, bp, bl, bm: ssd_targets(bp, cl), ValueError, 'anchors'),
    (lambda cp, cl, bp, bl, bm: ssd_targets(torch.rand(5, 4), torch.rand(2, 3, 5), iou_threshold=2), ValueError, 'iou_threshold'),
    (lambda cp, cl, bp, bl, bm: ssd_loss(cp, cl), TypeError, 'preds'),
])
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=name): call(*_random_case(0))


def test_detect_and_evaluate_bad_input(synth):
    net = TinySSD(3)
    with pytest.raises(ValueError, match='threshold'): detect(net, torch.rand(1, 3, 64, 64), threshold=1.5)
    with pytest.raises(TypeError, match='X'): detect(net, torch.zeros(1, 3, 64, 64, dtype=torch.uint8))
    with pytest.raises(ValueError, match='X'): detect(net, torch.rand(3, 64, 64))
    with pytest.raises(TypeError, match='net'): evaluate_ssd(lambda x: x, [])
    with pytest.raises(ValueError, match='empty'): evaluate_ssd(net, [])
    bad = [(torch.rand(1, 3, 64, 64), torch.tensor([[[0.5, 0.1, 0.1, 0.2, 0.2]]]))]       # class 0.5
    with pytest.raises(ValueError, match='labels'): evaluate_ssd(net, bad)
    with pytest.raises(TypeError, match='path'): read_data_bananas(3)
    with pytest.raises(TypeError, match='is_train'): read_data_bananas(synth, is_train='yes')
    with pytest.raises(TypeError, match='with_map'): DetectionScores(with_map=1)


def test_unreadable_image_is_named(tmp_path):
    root = _real_format_folder(tmp_path, {'bananas_train': [('0.png', (1, 2, 30, 40))]})
    png = root / 'bananas_train' / 'images' / '0.png'
    png.write_bytes(png.read_bytes()[:60])                                  # truncated
    with pytest.raises(OSError, match='0.png'): read_data_bananas(root)


def test_non_integer_class_in_csv(tmp_path):
    root = _real_format_folder(tmp_path, {'bananas_train': [('0.png', (1, 2, 30, 40))]})
    (root / 'bananas_train' / 'label.csv').write_text('img_name,label,xmin,ymin,xmax,ymax\n0.png,0.5,1,2,30,40\n')
    with pytest.raises(ValueError, match='integer label'): read_data_bananas(root)


def test_anchor_cache_per_input_size():
    net = TinySSD(2)
    with torch.no_grad():
        a64, a96 = net(torch.zeros(1, 3, 64, 64))[0], net(torch.zeros(1, 3, 96, 96))[0]
        assert net(torch.zeros(2, 3, 64, 64))[0] is a64 and a64.shape != a96.shape
    x, ref = torch.zeros(1, 3, 96, 96), []
    for blk, s, r in zip(net.blks, net.sizes, net.ratios):
        x = blk(x); ref.append(multibox_prior(x, s, r))
    torch.testing.assert_close(a96, torch.cat(ref, 1), rtol=0, atol=0)
    assert not any('anchor' in k for k in net.state_dict())                 # the cache is not part of the weights


# ---------------------------------------------------------------- training through the Learner
def test_train_ssd_history_and_map_every(synth):
    from course_lib.ssd import train_ssd
    torch.manual_seed(0)
    train = DetectionBatches(BananasDataset(synth, is_train=True, size=64), 4, shuffle=True, device='cpu')
    val = DetectionBatches(BananasDataset(synth, is_train=False, size=64), 4, device='cpu')
    hist = train_ssd(TinySSD(3), train, val, epochs=3, map_every=2, show=False)
    assert [h['epoch'] for h in hist] == [0, 1, 2]
    assert {'train_loss', 'valid_loss', 'class_err', 'bbox_mae', 'map50', 'map', 'seconds', 'images_per_s'} <= set(hist[0])
    measured = [not np.isnan(h['map50']) for h in hist]
    assert measured == [False, True, True]                        # every 2nd epoch, and always the last


def test_metrics_callback_equals_evaluate_ssd(synth):
    "The callback's figures on the Learner's validation pass equal evaluate_ssd's separate pass."
    from course_lib.ssd import ssd_learner
    torch.manual_seed(0)
    train = DetectionBatches(BananasDataset(synth, is_train=True, size=64), 4, shuffle=True, device='cpu')
    val = DetectionBatches(BananasDataset(synth, is_train=False, size=64), 2, device='cpu')
    net = TinySSD(3)
    learn = ssd_learner(net, train, val, show=False, neg_ratio=2.0)
    learn.fit(1)
    rec = learn.validate()
    ref = evaluate_ssd(net, val, neg_ratio=2.0)
    for k in ('valid_loss', 'class_err', 'bbox_mae', 'map50', 'map'):
        assert rec[k] == pytest.approx(ref[k], rel=1e-5, abs=1e-7), k


def test_ssd_learner_bad_args(synth):
    from course_lib.ssd import DetectionMetricsCB, ssd_learner, train_ssd
    val = DetectionBatches(BananasDataset(synth, is_train=False, size=64), 2, device='cpu')
    with pytest.raises(TypeError, match='net'): ssd_learner('net', val)
    with pytest.raises(TypeError, match='show'): ssd_learner(TinySSD(3), val, show='yes')
    with pytest.raises(ValueError, match='neg_ratio'): ssd_learner(TinySSD(3), val, neg_ratio=0)
    with pytest.raises(ValueError, match='weight_decay'): ssd_learner(TinySSD(3), val, weight_decay=-1)
    with pytest.raises(ValueError, match='map_every'): DetectionMetricsCB(map_every=0)
    with pytest.raises(ValueError, match='epochs'): train_ssd(TinySSD(3), val, val, epochs=0)


@pytest.mark.parametrize('call, exc, name', [
    (lambda: TinySSD(3)(torch.zeros(1, 3, 32, 32)), ValueError, '64 pixels'),
    (lambda: TinySSD(3)(torch.zeros(1, 1, 64, 64)), ValueError, r'X must have shape \(B, 3'),
    (lambda: TinySSD(3)(torch.zeros(1, 3, 64, 64, dtype=torch.uint8)), TypeError, 'X must be a float'),
    (lambda: TinySSD(3).anchors_for([(2, 2)], 'cpu'), ValueError, 'shapes'),
    (lambda: flatten_pred(torch.zeros(2, 3)), ValueError, 'pred'),
    (lambda: concat_preds(torch.zeros(2, 3, 4, 4)), TypeError, 'preds'),
    (lambda: concat_preds([torch.zeros(2, 3, 4, 4), torch.zeros(1, 3, 2, 2)]), ValueError, 'batch size'),
    (lambda: DetectionBatches.__init__(object.__new__(DetectionBatches), None, 2), TypeError, 'dataset'),
    (lambda: device_syncs([1]), TypeError, 'found'),
])
def test_model_pieces_bad_input(call, exc, name):
    with pytest.raises(exc, match=name): call()


def test_builders_bad_input(synth):
    from course_lib.ssd import base_net, bbox_predictor, cls_predictor, down_sample_blk, get_blk, ssd_learner
    with pytest.raises(ValueError, match='num_anchors'): cls_predictor(8, 0, 3)
    with pytest.raises(TypeError, match='num_inputs'): bbox_predictor(8.0, 4)
    with pytest.raises(ValueError, match='out_channels'): down_sample_blk(3, 0)
    with pytest.raises(TypeError, match='channels'): base_net('16')
    with pytest.raises(ValueError, match='i must be <= 4'): get_blk(5)
    val = DetectionBatches(BananasDataset(synth, is_train=False, size=64), 2, device='cpu')
    with pytest.raises(ValueError, match='device'): DetectionBatches(val.dataset, 2, device='gpu7')
    with pytest.raises(ValueError, match='device'): ssd_learner(TinySSD(3), val, device='nowhere')


def test_detection_grid_with_empty_images():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from course_lib.ssd import show_detection_grid
    imgs = torch.rand(2, 3, 64, 64)
    dets = [torch.zeros(0, 6), torch.tensor([[1, 0.9, 0.1, 0.1, 0.5, 0.5]])]
    fig, axes = show_detection_grid(imgs, dets, ['a', 'b'])
    assert len(axes[0].patches) == 0 and len(axes[1].patches) == 1
    with pytest.raises(ValueError, match='boxes'): show_detection_grid(imgs, [torch.zeros(1, 3)] * 2)
    plt.close(fig)
