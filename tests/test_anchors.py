"Parity and property tests for course_lib.anchors (lesson 06): torchvision.ops as the reference, hypothesis for inputs."
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from torchvision.ops import box_convert, box_iou as tv_box_iou, nms as tv_nms

from course_lib.anchors import (assign_anchor_to_bbox, box_center_to_corner, box_corner_to_center, box_iou,
                                kmeans_anchors, multibox_detection, multibox_prior, multibox_target, nms,
                                offset_boxes, offset_inverse, wh_iou)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- strategies
@st.composite
def corner_boxes(draw, min_n=0, max_n=40, integer=None, dtype=torch.float32, min_side=0.0):
    "Corner boxes (N, 4): on a small integer grid (exact IoUs, many ties with thresholds) or continuous."
    n = draw(st.integers(min_n, max_n))
    integer = draw(st.booleans()) if integer is None else integer
    if integer:
        vals = draw(st.lists(st.integers(0, 12), min_size=4 * n, max_size=4 * n))
    else:
        vals = draw(st.lists(st.floats(0, 100, allow_nan=False, width=32), min_size=4 * n, max_size=4 * n))
    b = torch.tensor(vals, dtype=dtype).reshape(n, 4)
    lo, hi = torch.minimum(b[:, :2], b[:, 2:]), torch.maximum(b[:, :2], b[:, 2:])
    return torch.cat((lo, torch.maximum(hi, lo + min_side)), 1)


thresholds = st.floats(0, 1, allow_nan=False)


# ---------------------------------------------------------------- box formats
@SETTINGS
@given(corner_boxes(), st.sampled_from([torch.float32, torch.float64]))
def test_box_convert_parity(b, dtype):
    b = b.to(dtype)
    torch.testing.assert_close(box_corner_to_center(b), box_convert(b, 'xyxy', 'cxcywh'), rtol=0, atol=0)
    c = box_corner_to_center(b)
    torch.testing.assert_close(box_center_to_corner(c), box_convert(c, 'cxcywh', 'xyxy'), rtol=0, atol=0)
    torch.testing.assert_close(box_center_to_corner(c), b, rtol=1e-6, atol=1e-5)


def test_box_convert_keeps_leading_dims():
    b = torch.rand(2, 3, 4); b[..., 2:] += b[..., :2]
    assert box_corner_to_center(b).shape == (2, 3, 4)
    assert box_center_to_corner(torch.zeros(5, 0, 4)).shape == (5, 0, 4)


# ---------------------------------------------------------------- IoU
@SETTINGS
@given(corner_boxes(), corner_boxes(), st.sampled_from([torch.float32, torch.float64]))
def test_box_iou_parity_with_torchvision(b1, b2, dtype):
    b1, b2 = b1.to(dtype), b2.to(dtype)
    ours, ref = box_iou(b1, b2), tv_box_iou(b1, b2)
    assert ours.shape == (len(b1), len(b2))
    # torchvision gives 0/0 = NaN when both boxes have zero area; we define that IoU as 0
    torch.testing.assert_close(ours, ref.nan_to_num(0.0), rtol=0, atol=0)


@SETTINGS
@given(corner_boxes(), corner_boxes())
def test_box_iou_symmetry_and_bounds(b1, b2):
    x = box_iou(b1, b2)
    assert not x.isnan().any()
    assert ((x >= 0) & (x <= 1)).all()
    torch.testing.assert_close(x, box_iou(b2, b1).T, rtol=0, atol=0)
    pos = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1]) > 0     # positive area (sides can underflow to area 0)
    torch.testing.assert_close(box_iou(b1, b1).diagonal()[pos], torch.ones(int(pos.sum())))


@SETTINGS
@given(corner_boxes(min_n=1, max_n=10), corner_boxes(min_n=1, max_n=10))
def test_box_iou_batched_equals_pairwise(b1, b2):
    batch1, batch2 = torch.stack((b1, b1 * 2)), torch.stack((b2, b2 * 2))
    x = box_iou(batch1, batch2)
    torch.testing.assert_close(x[0], box_iou(b1, b2)); torch.testing.assert_close(x[1], box_iou(b1 * 2, b2 * 2))


def test_zero_area_boxes_never_nan():
    pts = torch.tensor([[1., 1., 1., 1.], [1., 1., 1., 3.], [0., 2., 4., 2.], [0., 0., 2., 2.]])
    x = box_iou(pts, pts)
    assert not x.isnan().any()
    assert (x[:3, :3] == 0).all() and x[3, 3] == 1
    assert len(nms(pts, torch.tensor([0.1, 0.2, 0.3, 0.4]), 0.0)) == 4      # IoU 0 suppresses nothing


# ---------------------------------------------------------------- bad input
def test_bad_inputs_raise_clear_errors():
    good = torch.tensor([[0., 0., 1., 1.]])
    cases = [
        (lambda: box_iou(good, torch.zeros(2, 5)), ValueError, 'boxes2 must have shape (..., 4)'),
        (lambda: box_iou(torch.zeros(2, 3), good), ValueError, 'boxes1 must have shape (..., 4)'),
        (lambda: box_iou(good, torch.tensor([[2., 0., 1., 1.]])), ValueError, 'x1 <= x2'),
        (lambda: box_iou(good, torch.tensor([[0., 2., 1., 1.]])), ValueError, 'y1 <= y2'),
        (lambda: box_iou(good, torch.tensor([[0., float('nan'), 1., 1.]])), ValueError, 'boxes2 contains NaN'),
        (lambda: box_iou(good, torch.tensor([[0., 0., float('inf'), 1.]])), ValueError, 'infinite'),
        (lambda: box_iou(good, good.double()), TypeError, 'boxes2 has dtype torch.float64'),
        (lambda: box_iou(good, good.to('meta')), ValueError, 'boxes2 is on meta'),
        (lambda: box_iou(good.long(), good), TypeError, 'boxes1 must be a floating-point tensor'),
        (lambda: box_iou([[0, 0, 1, 1]], good), TypeError, 'boxes1 must be a torch.Tensor'),
        (lambda: box_corner_to_center(torch.tensor([[0., 0., -1., 1.]])), ValueError, 'x1 <= x2'),
        (lambda: box_center_to_corner(torch.tensor([[0., 0., 1., float('nan')]])), ValueError, 'NaN'),
        (lambda: nms(good, torch.tensor([0.5, 0.4]), 0.5), ValueError, 'scores must have shape (1,)'),
        (lambda: nms(good, torch.tensor([float('nan')]), 0.5), ValueError, 'scores contains NaN'),
        (lambda: nms(torch.tensor([[1., 0., 0., 1.]]), torch.tensor([0.5]), 0.5), ValueError, 'x1 <= x2'),
        (lambda: nms(good, torch.tensor([0.5]), -0.1), ValueError, 'iou_threshold must be'),
        (lambda: nms(good, torch.tensor([0.5]).to('meta'), 0.5), ValueError, 'scores is on meta'),
        (lambda: offset_boxes(good, good.double()), TypeError, 'assigned_bb has dtype'),
        (lambda: offset_boxes(torch.tensor([[0., 0., 0., 1.]]), good), ValueError, 'positive width'),
        (lambda: offset_inverse(good, torch.tensor([[0., 0., float('nan'), 0.]])), ValueError, 'offset_preds contains NaN'),
        (lambda: offset_inverse(good, torch.zeros(1, 3)), ValueError, 'offset_preds must have shape (..., 4)'),
        (lambda: assign_anchor_to_bbox(good, good.to('meta')), ValueError, 'ground_truth is on cpu'),
        (lambda: multibox_prior(torch.zeros(3), [0.5], [1]), ValueError, 'data must have at least 2 dims'),
        (lambda: multibox_prior(torch.zeros(3, 3), [0.5, float('nan')], [1]), ValueError, 'sizes[1] must be a finite number'),
        (lambda: multibox_prior(torch.zeros(3, 3), [0.5], [1, '2']), TypeError, 'ratios[1] must be a number'),
        (lambda: multibox_prior(torch.zeros(3, 3), [0.5], [0]), ValueError, 'ratios[0] must be > 0'),
        (lambda: multibox_prior(torch.zeros(3, 3), '0.5', [1]), ValueError, 'sizes must be a non-empty list'),
        (lambda: multibox_prior(torch.zeros(3, 3), [0.5], 1.0), ValueError, 'ratios must be'),
        (lambda: multibox_target(good, torch.zeros(1, 2, 4)), ValueError, 'labels must have shape (..., 5)'),
        (lambda: multibox_target(good[None, None], torch.zeros(1, 2, 5)), ValueError, 'anchors must have shape (A, 4)'),
        (lambda: multibox_target(good, torch.tensor([[[0., 1., 0., 0., 1.]]])), ValueError, 'labels[0, 0]'),
        (lambda: multibox_target(good, torch.tensor([[[0., 0., 0., 1., 1.], [float('nan'), 0., 0., 1., 1.]]])), ValueError, 'labels[0, 1]'),
        (lambda: multibox_target(good, torch.tensor([[[-2., 0., 0., 1., 1.]]])), ValueError, 'nor padding (class -1)'),
        (lambda: multibox_target(good, torch.zeros(1, 1, 5), iou_threshold=float('nan')), ValueError, 'iou_threshold must be'),
        (lambda: wh_iou(torch.tensor([[1., -1.]]), torch.ones(1, 2)), ValueError, 'wh1 must hold'),
        (lambda: kmeans_anchors(torch.ones(3, 2), 4), ValueError, 'need at least 4 boxes'),
        (lambda: kmeans_anchors(torch.ones(3, 2), 0), ValueError, 'k must be >= 1'),
        (lambda: kmeans_anchors(torch.ones(3, 2), 2.0), TypeError, 'k must be an int'),
        (lambda: kmeans_anchors(torch.ones(3, 2), 2, iters=0), ValueError, 'iters must be >= 1'),
        (lambda: kmeans_anchors(torch.ones(3, 2), 2, seed=-1), ValueError, 'seed must be >= 0'),
        (lambda: kmeans_anchors(torch.ones(3, 2), 2, seed=True), TypeError, 'seed must be an int'),
        (lambda: nms(good, torch.tensor([0.5]), '0.5'), TypeError, 'iou_threshold must be a number'),
        (lambda: nms(good, torch.tensor([0.5]), float('inf')), ValueError, 'iou_threshold must be a finite number'),
        (lambda: multibox_detection(torch.ones(1, 2, 1), torch.zeros(1, 4), good, nms_threshold=1.5), ValueError, 'nms_threshold must be <= 1'),
        (lambda: multibox_detection(torch.ones(1, 2, 1), torch.zeros(1, 4), good, pos_threshold=None), TypeError, 'pos_threshold must be a number'),
        (lambda: offset_boxes(good, good, eps=0), ValueError, 'eps must be > 0'),
        (lambda: assign_anchor_to_bbox(good, good, device='gpu7'), ValueError, 'device must be None'),
        (lambda: assign_anchor_to_bbox(good, good, iou_threshold=-0.5), ValueError, 'iou_threshold must be >= 0'),
    ]
    for fn, exc, msg in cases:
        with pytest.raises(exc) as info: fn()
        assert msg in str(info.value), (msg, str(info.value))


def test_empty_inputs_give_empty_outputs():
    e, b = torch.zeros(0, 4), torch.tensor([[0., 0., 1., 1.]])
    assert box_iou(e, b).shape == (0, 1) and box_iou(b, e).shape == (1, 0) and box_iou(e, e).shape == (0, 0)
    assert nms(e, torch.zeros(0), 0.5).shape == (0,) and nms(e, torch.zeros(0), 0.5).dtype == torch.long
    assert box_corner_to_center(e).shape == (0, 4) and box_center_to_corner(e).shape == (0, 4)
    assert offset_boxes(e, e).shape == (0, 4) and offset_inverse(e, e).shape == (0, 4)
    assert assign_anchor_to_bbox(e, b).tolist() == [-1] and assign_anchor_to_bbox(b, e).shape == (0,)
    assert multibox_prior(torch.zeros(0, 7), [0.5], [1, 2]).shape == (1, 0, 4)
    off, mask, cls = multibox_target(b, torch.zeros(3, 0, 5))
    assert off.shape == mask.shape == (3, 4) and cls.tolist() == [[0]] * 3 and not off.any()
    assert [t.shape for t in multibox_target(e, torch.zeros(2, 1, 5))] == [(2, 0), (2, 0), (2, 0)]
    assert multibox_detection(torch.zeros(2, 3, 0), torch.zeros(2, 0), e).shape == (2, 0, 6)
    assert wh_iou(torch.zeros(0, 2), torch.ones(3, 2)).shape == (0, 3)


def test_thresholds_are_checked_before_any_work():
    # a bad threshold is reported even when the boxes are bad too: the cheap argument check comes first
    bad_boxes = torch.tensor([[1., 0., 0., 1.]])
    with pytest.raises(ValueError, match='iou_threshold'): nms(bad_boxes, torch.tensor([0.5]), 2.0)
    with pytest.raises(ValueError, match='iou_threshold'): multibox_target(bad_boxes, torch.zeros(1, 1, 5), iou_threshold=2.0)
    with pytest.raises(ValueError, match='nms_threshold'): multibox_detection(None, None, bad_boxes, nms_threshold=2.0)


# ---------------------------------------------------------------- half precision (issue 16)
@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_box_iou_low_precision_pixel_boxes(dtype):
    # areas of a few hundred pixels squared overflow float16 (max 65,504): identical boxes must still have IoU 1
    b = torch.tensor([[0., 0., 300., 300.], [0., 0., 300., 300.], [50., 40., 420., 380.]], dtype=dtype)
    iou = box_iou(b, b)
    assert iou.dtype == torch.float32 and not iou.isnan().any()
    torch.testing.assert_close(iou, box_iou(b.float(), b.float()), rtol=0, atol=0)   # upcasting is exact
    assert (iou.diagonal() == 1).all() and iou[0, 1] == 1
    torch.testing.assert_close(iou, tv_box_iou(b, b), rtol=0, atol=1e-3)
    assert wh_iou(b[:, 2:], b[:, 2:]).diagonal().eq(1).all()


@SETTINGS
@given(st.integers(1, 200), thresholds, st.integers(0, 2**31 - 1), st.sampled_from([torch.float16, torch.bfloat16]))
def test_nms_low_precision_equals_float32(n, thr, seed, dtype):
    # pixel-sized clusters with exact duplicates: float16 nms must keep no duplicate and equal torchvision on float32
    g = torch.Generator().manual_seed(seed)
    ctr = 600 * torch.rand(6, 2, generator=g)[torch.randint(0, 6, (n,), generator=g)]
    wh = 200 + 200 * torch.rand(n, 2, generator=g)
    boxes = torch.cat((ctr, ctr + wh), 1).round().to(dtype)          # integers: exact in float16 up to 2048
    boxes = torch.cat((boxes, boxes))                                  # every box twice
    scores = torch.randperm(2 * n, generator=g).to(torch.float32)
    keep = nms(boxes, scores, thr)
    torch.testing.assert_close(keep, tv_nms(boxes.float(), scores, thr), rtol=0, atol=0)
    kept = boxes[keep].float()
    if thr < 1: assert len(torch.unique(kept, dim=0)) == len(kept)    # no duplicates survive (IoU 1 > thr)


def test_multibox_target_and_detection_in_half_precision():
    anchors = multibox_prior(torch.zeros(6, 6), [0.3, 0.15], [1, 2, 0.5])[0]
    labels = torch.tensor([[[0., 0.1, 0.1, 0.5, 0.6], [1., 0.5, 0.4, 0.9, 0.9]]])
    ref = multibox_target(anchors.half().float(), labels.half().float())   # the same numbers, in float32
    got = multibox_target(anchors.half(), labels.half())
    assert torch.equal(got[2], ref[2])
    torch.testing.assert_close(got[0].float(), ref[0], rtol=0, atol=2e-2)
    probs = torch.rand(1, 3, len(anchors), generator=torch.Generator().manual_seed(0)).softmax(1)
    out = multibox_detection(probs.half(), torch.zeros(1, len(anchors) * 4, dtype=torch.float16), anchors.half())
    assert out.dtype == torch.float16 and not out.isnan().any()
    c16, m16 = kmeans_anchors((anchors[:, 2:] - anchors[:, :2]).half() * 400, 3)
    assert c16.dtype == torch.float16 and 0 < m16 <= 1


# ---------------------------------------------------------------- NMS
@SETTINGS
@given(corner_boxes(max_n=60), thresholds, st.randoms(use_true_random=False))
def test_nms_keep_set_equals_torchvision(boxes, thr, rnd):
    # distinct scores: with ties the order among equal scores is implementation-defined (torchvision's sort is unstable)
    perm = list(range(len(boxes))); rnd.shuffle(perm)
    scores = torch.tensor(perm, dtype=boxes.dtype) / max(len(boxes), 1)
    keep = nms(boxes, scores, thr)
    torch.testing.assert_close(keep, tv_nms(boxes, scores, thr), rtol=0, atol=0)


@SETTINGS
@given(st.integers(1, 400), thresholds, st.integers(0, 2**31 - 1), st.sampled_from([torch.float32, torch.float64]))
def test_nms_clusters_equals_torchvision(n, thr, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    ctr = torch.rand(8, 2, generator=g)[torch.randint(0, 8, (n,), generator=g)] + 0.03 * torch.randn(n, 2, generator=g)
    wh = 0.05 + 0.2 * torch.rand(n, 2, generator=g)
    boxes = torch.cat((ctr - wh / 2, ctr + wh / 2), 1).to(dtype)
    scores = torch.rand(n, generator=g, dtype=dtype)
    assume(len(scores.unique()) == n)
    torch.testing.assert_close(nms(boxes, scores, thr), tv_nms(boxes, scores, thr), rtol=0, atol=0)


def test_nms_ties_are_stable():
    boxes = torch.tensor([[0., 0., 1., 1.], [0., 0., 1., 1.], [5., 5., 6., 6.]])
    assert nms(boxes, torch.tensor([0.5, 0.5, 0.5]), 0.5).tolist() == [0, 2]


def test_nms_threshold_is_exact():
    # IoU = 1/3 exactly in float32 arithmetic? compare with float64 threshold just below/above the float32 value
    b = torch.tensor([[0., 0., 2., 2.], [1., 0., 3., 2.]])
    s = torch.tensor([0.9, 0.8])
    iou32 = box_iou(b[:1], b[1:]).item()
    for thr in (iou32, math.nextafter(iou32, 0), math.nextafter(iou32, 1), 1 / 3):
        assert nms(b, s, thr).tolist() == tv_nms(b, s, thr).tolist(), thr


# ---------------------------------------------------------------- offsets
@SETTINGS
@given(st.integers(0, 30), st.integers(0, 2**31 - 1), st.sampled_from([torch.float32, torch.float64]))
def test_offset_round_trip(n, seed, dtype):
    g = torch.Generator().manual_seed(seed)
    def rand_boxes():
        c, wh = torch.rand(n, 2, generator=g), 0.02 + torch.rand(n, 2, generator=g)
        return torch.cat((c - wh / 2, c + wh / 2), 1).to(dtype)
    anchors, b = rand_boxes(), rand_boxes()
    torch.testing.assert_close(offset_inverse(anchors, offset_boxes(anchors, b)), b, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(offset_inverse(anchors, torch.zeros_like(anchors)), anchors)


def test_offsets_use_sigma_01_02():
    a = torch.tensor([0., 0., 1., 2.])          # centre (0.5, 1), 1 x 2
    b = torch.tensor([0.1, 0.2, 1.1, 4.2])      # centre (0.6, 2.2), 1 x 4
    expected = torch.tensor([0.1 / 1 / 0.1, 1.2 / 2 / 0.1, math.log(1) / 0.2, math.log(2) / 0.2])
    torch.testing.assert_close(offset_boxes(a, b), expected, rtol=1e-5, atol=1e-4)


# ---------------------------------------------------------------- anchors and targets
@SETTINGS
@given(st.integers(1, 9), st.integers(1, 9), st.lists(st.floats(0.05, 1), min_size=1, max_size=4),
       st.lists(st.floats(0.25, 4), min_size=1, max_size=4))
def test_multibox_prior_shapes_and_centres(h, w, sizes, ratios):
    k = len(sizes) + len(ratios) - 1
    a = multibox_prior(torch.zeros(2, 3, h, w), sizes, ratios)
    assert a.shape == (1, h * w * k, 4)
    c = box_corner_to_center(a[0]).reshape(h, w, k, 4)
    torch.testing.assert_close(c[..., 0], ((torch.arange(w) + 0.5) / w)[None, :, None].expand(h, w, k))
    torch.testing.assert_close(c[..., 1], ((torch.arange(h) + 0.5) / h)[:, None, None].expand(h, w, k))
    # in pixels: area (h*s)^2 and aspect ratio r, in the documented order
    s = torch.tensor(sizes + [sizes[0]] * (len(ratios) - 1)); r = torch.tensor([ratios[0]] * len(sizes) + ratios[1:])
    wpix, hpix = c[0, 0, :, 2] * w, c[0, 0, :, 3] * h
    torch.testing.assert_close(wpix / hpix, r, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(wpix * hpix, (h * s) ** 2, rtol=1e-4, atol=1e-6)


def test_multibox_prior_d2l_count():
    assert multibox_prior(torch.zeros(1, 3, 561, 728), [0.75, 0.5, 0.25], [1, 2, 0.5]).shape == (1, 2_042_040, 4)


def _reference_target(anchors, labels, thr=0.5):
    "Independent reference: one image at a time, greedy step as a Python loop over ground-truth boxes."
    # same float32 IoUs as the code under test (torchvision's box_iou is bit-identical, see the parity test):
    # exact ties between anchors are common (a small box inside two equal anchors), and ties break by lowest index
    anchors, labels = anchors.numpy(), labels.numpy()
    A = len(anchors)
    out_cls, out_match = [], []
    for lab in labels:
        lab = lab[lab[:, 0] >= 0]
        match = -np.ones(A, dtype=np.int64)
        if len(lab):
            X = tv_box_iou(torch.from_numpy(anchors), torch.from_numpy(lab[:, 1:])).numpy().copy()
            best = X.max(1)
            match[best >= thr] = X.argmax(1)[best >= thr]
            for _ in range(min(len(lab), A)):
                a, m = divmod(int(X.argmax()), len(lab))
                match[a] = m; X[a, :] = -1; X[:, m] = -1
        cls = np.zeros(A, dtype=np.int64)
        cls[match >= 0] = lab[match[match >= 0], 0].astype(np.int64) + 1
        out_cls.append(cls); out_match.append((match, lab))
    return np.stack(out_cls), out_match


@SETTINGS
@given(st.integers(1, 6), st.integers(0, 5), st.integers(0, 2**31 - 1), st.floats(0.3, 0.7))
def test_multibox_target_matches_reference(n_img, max_obj, seed, thr):
    g = torch.Generator().manual_seed(seed)
    anchors = multibox_prior(torch.zeros(6, 6), [0.3, 0.15], [1, 2, 0.5])
    n = torch.randint(0, max_obj + 1, (n_img,), generator=g)
    xy = torch.rand(n_img, max_obj, 2, generator=g) * 0.7
    boxes = torch.cat((xy, xy + 0.05 + 0.3 * torch.rand(n_img, max_obj, 2, generator=g)), -1)
    labels = torch.cat((torch.randint(0, 4, (n_img, max_obj, 1), generator=g).float(), boxes), -1)
    pad = torch.arange(max_obj)[None] >= n[:, None]
    labels[pad] = torch.tensor([-1., 7., 7., -3., float('nan')])     # padding content must not matter
    off, mask, cls = multibox_target(anchors, labels, iou_threshold=thr)
    ref_cls, ref_match = _reference_target(anchors[0], labels, thr)
    assert cls.tolist() == ref_cls.tolist()
    assert torch.equal(mask.reshape(n_img, -1, 4), (cls > 0)[..., None].expand(-1, -1, 4).float())
    assert not off.isnan().any()
    for i, (match, lab) in enumerate(ref_match):
        pos = match >= 0
        if pos.any():
            want = offset_boxes(anchors[0][torch.from_numpy(pos)], torch.from_numpy(lab[match[pos], 1:]).float())
            torch.testing.assert_close(off.reshape(n_img, -1, 4)[i][torch.from_numpy(pos)], want, rtol=1e-5, atol=1e-5)
        # every real object gets at least one anchor
        assert len(set(match[pos].tolist())) == min(len(lab), len(match))


def test_assign_matches_batched_target():
    gt = torch.tensor([[0.1, 0.1, 0.5, 0.5], [0.6, 0.2, 0.9, 0.8]])
    anchors = multibox_prior(torch.zeros(5, 5), [0.4, 0.2], [1, 2])[0]
    m = assign_anchor_to_bbox(gt, anchors, 'cpu')
    cls = multibox_target(anchors, torch.cat((torch.tensor([[0.], [1.]]), gt), 1)[None])[2][0]
    assert torch.equal(cls, torch.where(m >= 0, m + 1, 0))


# ---------------------------------------------------------------- detection decoding
@SETTINGS
@given(st.integers(1, 3), st.integers(1, 60), st.integers(1, 3), st.integers(0, 2**31 - 1), thresholds, st.floats(0, 0.6))
def test_multibox_detection_consistent_with_nms(B, A, q, seed, nms_thr, pos_thr):
    g = torch.Generator().manual_seed(seed)
    c, wh = torch.rand(A, 2, generator=g), 0.05 + 0.3 * torch.rand(A, 2, generator=g)
    anchors = torch.cat((c - wh / 2, c + wh / 2), 1)
    probs = torch.rand(B, q + 1, A, generator=g).softmax(1)
    offs = 0.5 * torch.randn(B, A * 4, generator=g)
    out = multibox_detection(probs, offs, anchors[None], nms_threshold=nms_thr, pos_threshold=pos_thr)
    assert out.shape == (B, A, 6)
    for i in range(B):
        conf, cls = probs[i, 1:].max(0)
        boxes = offset_inverse(anchors, offs[i].reshape(A, 4))
        cand = torch.nonzero(conf >= pos_thr).squeeze(1)
        keep = cand[tv_nms(boxes[cand], conf[cand], nms_thr)]
        det = out[i][out[i, :, 0] >= 0]
        assert len(det) == len(keep)
        torch.testing.assert_close(det[:, 0], cls[keep].float())
        torch.testing.assert_close(det[:, 1], conf[keep])
        torch.testing.assert_close(det[:, 2:], boxes[keep])
        assert (out[i, len(keep):, 0] == -1).all()
        # every anchor appears exactly once
        assert sorted(map(tuple, out[i, :, 2:].tolist())) == sorted(map(tuple, boxes.tolist()))


# ---------------------------------------------------------------- k-means anchor shapes
def test_kmeans_anchors_properties():
    g = torch.Generator().manual_seed(0)
    wh = 0.02 + torch.rand(500, 2, generator=g) * 0.5
    c1, m1 = kmeans_anchors(wh, 4, seed=3)
    c2, m2 = kmeans_anchors(wh, 4, seed=3)
    assert torch.equal(c1, c2) and m1 == m2                                   # deterministic for a seed
    assert c1.shape == (4, 2) and 0 < m1 <= 1
    areas = c1[:, 0] * c1[:, 1]
    assert (areas[1:] >= areas[:-1]).all()                                    # sorted by area
    assert math.isclose(m1, wh_iou(wh, c1).max(1).values.mean().item(), rel_tol=1e-6)
    assert kmeans_anchors(wh[:6], 6)[1] == 1.0                                # one centre per box
    assert m1 > kmeans_anchors(wh, 1)[1]                                       # more shapes fit better
