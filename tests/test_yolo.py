"Parity and property tests for course_lib.yolo (lesson 08) that would clutter the notebook."
import math

import pytest
import torch
import torchvision
from hypothesis import HealthCheck, given, settings, strategies as st

from course_lib.anchors import wh_iou
from course_lib.yolo import (TinyYOLO, YoloLoss, grid_size, roi_align, roi_pool, yolo_assign, yolo_decode, yolo_detect,
                             yolo_encode, yolo_loss_parts, yolo_targets)

SETTINGS = dict(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- random inputs
@st.composite
def label_batches(draw, max_images=3, max_objects=6, num_classes=3, min_side=0.02):
    "Detection labels (N, M, 5): boxes inside the unit square with positive sides, some padding rows."
    N, M = draw(st.integers(1, max_images)), draw(st.integers(0, max_objects))
    seed = draw(st.integers(0, 2**31 - 1))
    g = torch.Generator().manual_seed(seed)
    wh = min_side + torch.rand(N, M, 2, generator=g) * (0.6 - min_side)
    xy = torch.rand(N, M, 2, generator=g) * (1 - wh)
    if draw(st.booleans()):                       # crowd the objects into a few cells: collisions
        xy = 0.3 + 0.05 * torch.rand(N, M, 2, generator=g)
        wh = wh.clamp(max=0.6)
    cls = torch.randint(0, num_classes, (N, M, 1), generator=g).float()
    labels = torch.cat((cls, xy, (xy + wh).clamp(max=1)), -1)
    pad = torch.rand(N, M, generator=g) < 0.25
    labels[pad] = -1.0
    return labels


anchor_sets = st.integers(1, 5).flatmap(lambda B: st.integers(0, 2**31 - 1).map(
    lambda s: 0.05 + torch.rand(B, 2, generator=torch.Generator().manual_seed(s)) * 0.5))


def assign_reference(labels, anchors, S):
    "The notes' greedy: (object, anchor) pairs by decreasing shape IoU; a pair wins if the object is free and its cell's anchor is free."
    rows, cols, out = [], [], []
    for lab in labels:
        cells = [(min(int((y1 + y2) / 2 * S), S - 1), min(int((x1 + x2) / 2 * S), S - 1)) for _, x1, y1, x2, y2 in lab.tolist()]
        ious = wh_iou(lab[:, 3:] - lab[:, 1:3], anchors) if len(lab) else torch.zeros(0, len(anchors))
        pairs = sorted(((ious[o, a].item(), -(o * len(anchors) + a), o, a) for o in range(len(lab)) for a in range(len(anchors))
                        if lab[o, 0] >= 0), reverse=True)
        got, used = [-1] * len(lab), set()
        for _, _, o, a in pairs:
            if got[o] < 0 and (cells[o], a) not in used:
                got[o] = a
                used.add((cells[o], a))
        out.append(got)
        rows.append([c[0] for c in cells]); cols.append([c[1] for c in cells])
    return rows, cols, out


# ---------------------------------------------------------------- grid, assignment, targets
@settings(**SETTINGS)
@given(label_batches(), anchor_sets, st.integers(1, 9))
def test_assign_matches_reference_greedy(labels, anchors, S):
    row, col, anc = yolo_assign(labels, anchors, S)
    ref_rows, ref_cols, ref_anc = assign_reference(labels, anchors, S)
    assert anc.tolist() == ref_anc
    valid = labels[..., 0] >= 0
    assert row[valid].tolist() == torch.tensor(ref_rows, dtype=torch.long).reshape(row.shape)[valid].tolist()
    assert col[valid].tolist() == torch.tensor(ref_cols, dtype=torch.long).reshape(col.shape)[valid].tolist()


@settings(**SETTINGS)
@given(label_batches(), anchor_sets, st.integers(1, 9))
def test_one_object_per_slot_and_no_slot_wasted(labels, anchors, S):
    row, col, anc = yolo_assign(labels, anchors, S)
    valid = labels[..., 0] >= 0
    assert bool((anc[~valid] == -1).all())
    for n in range(len(labels)):
        slots = [(r, c, a) for r, c, a in zip(row[n].tolist(), col[n].tolist(), anc[n].tolist()) if a >= 0]
        assert len(slots) == len(set(slots))
        # an object is dropped only when every anchor of its cell is taken
        for m in range(labels.shape[1]):
            if valid[n, m] and anc[n, m] < 0:
                taken = {a for r, c, a in slots if (r, c) == (row[n, m].item(), col[n, m].item())}
                assert taken == set(range(len(anchors)))


@settings(**SETTINGS)
@given(label_batches(), anchor_sets, st.integers(1, 9))
def test_encode_decode_round_trip(labels, anchors, S):
    "Decoding the encoded target gives back every assigned object's box and class, objectness 1 there and 0 elsewhere."
    T = yolo_targets(labels, anchors, S, num_classes=3)
    resp = T[..., 4] > 0
    _, _, anc = yolo_assign(labels, anchors, S)
    assert int(resp.sum()) == int((anc >= 0).sum())
    boxes, obj, probs = yolo_decode(yolo_encode(T, anchors), anchors)
    got = torch.cat((probs[resp].argmax(-1, keepdim=True).float(), boxes[resp]), 1)
    want = labels[anc >= 0]
    key = lambda t: (t[:, 1] * 1e6 + t[:, 2] * 1e3 + t[:, 0]).argsort()
    torch.testing.assert_close(got[key(got)], want[key(want)], atol=1e-4, rtol=0)
    torch.testing.assert_close(obj[resp], torch.ones(int(resp.sum())), atol=1e-6, rtol=0)
    torch.testing.assert_close(obj[~resp], torch.zeros(int((~resp).sum())), atol=1e-6, rtol=0)


@settings(**SETTINGS)
@given(label_batches(), anchor_sets, st.integers(1, 9))
def test_target_layout(labels, anchors, S):
    T = yolo_targets(labels, anchors, S, num_classes=3)
    assert T.shape == (len(labels), S, S, len(anchors), 8)
    resp = T[..., 4] > 0
    assert bool(((T[..., :2] >= 0) & (T[..., :2] <= 1)).all())          # centres inside their cell
    assert bool((T[resp][:, 5:].sum(-1) == 1).all())                      # one class each
    assert bool((T[~resp] == 0).all())                                    # empty slots are all zero


def test_assign_handles_centre_on_far_border():
    lab = torch.tensor([[[0, 0.8, 0.8, 1.0, 1.0]]])
    row, col, _ = yolo_assign(lab, torch.tensor([[0.2, 0.2]]), 5)
    assert (row.item(), col.item()) == (4, 4)


def test_collision_from_the_notes():
    "Two objects of one cell that both prefer anchor A: the better fit keeps it, the other takes its next best."
    anchors = torch.tensor([[0.3, 0.3], [0.5, 0.2], [0.2, 0.5]])
    labels = torch.tensor([[[0, 0.35, 0.35, 0.65, 0.65],         # 0.30 x 0.30: A (IoU 1)
                            [1, 0.36, 0.30, 0.64, 0.72]]])       # 0.28 x 0.42: A (0.667), then C (0.56)
    assert yolo_assign(labels, anchors, 2)[2].tolist() == [[0, 2]]
    assert yolo_assign(labels[:, 1:], anchors, 2)[2].tolist() == [[0]]


# ---------------------------------------------------------------- loss
@settings(**SETTINGS)
@given(label_batches(), anchor_sets, st.integers(1, 6), st.sampled_from(['log', 'sqrt']), st.sampled_from(['bce', 'sse']))
def test_loss_zero_at_perfect_and_positive_elsewhere(labels, anchors, S, size_form, conf_form):
    T = yolo_targets(labels, anchors, S, num_classes=3)
    perfect = yolo_encode(T, anchors)
    parts = yolo_loss_parts(perfect, T, anchors, size_form, conf_form)
    assert all(0 <= v.item() < 1e-6 for v in parts.values())
    noisy = perfect + torch.randn(perfect.shape, generator=torch.Generator().manual_seed(0))
    noisy[..., 4] = 0.0                                                   # objectness 0.5 everywhere: never right
    noisy = yolo_loss_parts(noisy, T, anchors, size_form, conf_form)
    assert all(v.item() >= 0 for v in noisy.values())
    assert sum(noisy.values()).item() > 1e-3


@settings(**SETTINGS)
@given(label_batches(), anchor_sets, st.integers(1, 6))
def test_yolo_loss_equals_sum_of_parts(labels, anchors, S):
    g = torch.Generator().manual_seed(1)
    preds = torch.randn(len(labels), S, S, len(anchors), 8, generator=g)
    loss = YoloLoss(anchors, 3, size_form='sqrt', conf_form='sse', lambda_coord=2.0, lambda_noobj=0.1)
    parts = yolo_loss_parts(preds, yolo_targets(labels, anchors, S, 3), anchors, 'sqrt', 'sse', 2.0, 0.1)
    torch.testing.assert_close(loss(preds, labels), sum(parts.values()))
    torch.testing.assert_close(loss.last_parts, torch.stack(list(parts.values())))


def test_loss_parts_hand_worked():
    "The lesson's 2 x 2 example: one object, all raw outputs zero but t_w = log 2 at its slot."
    anchors = torch.tensor([[0.25, 0.5], [0.5, 0.25]])
    T = yolo_targets(torch.tensor([[[1, 0.25, 0.5, 0.5, 1.0]]]), anchors, 2, 2)
    P = torch.zeros(1, 2, 2, 2, 7)
    P[0, 1, 0, 0, 2] = math.log(2)
    parts = yolo_loss_parts(P, T, anchors, 'log', 'sse', lambda_coord=1.0, lambda_noobj=1.0)
    want = dict(centre=0.0625, size=math.log(2) ** 2, obj=0.25, noobj=7 * 0.25, cls=0.5)
    for k, v in want.items(): assert parts[k].item() == pytest.approx(v, abs=1e-6)


def test_loss_gradient_reaches_every_part_and_is_finite():
    anchors = torch.tensor([[0.2, 0.3], [0.4, 0.2]])
    labels = torch.tensor([[[0, 0.1, 0.1, 0.35, 0.5], [-1, 0, 0, 0, 0]], [[-1, 0, 0, 0, 0], [-1, 0, 0, 0, 0]]])
    P = torch.zeros(2, 4, 4, 2, 8, requires_grad=True)
    for size_form in ('log', 'sqrt'):
        YoloLoss(anchors, 3, size_form=size_form)(P, labels).backward()
        assert torch.isfinite(P.grad).all()
        assert bool((P.grad[0, 1, 0, 0] != 0).all())                    # the responsible slot: every channel learns
        assert bool((P.grad[1, ..., :4] == 0).all()) and bool((P.grad[1, ..., 5:] == 0).all())   # empty image: objectness only
        P.grad = None


def test_yolo_loss_checks_shapes():
    anchors = torch.tensor([[0.2, 0.3], [0.4, 0.2]])
    loss = YoloLoss(anchors, 3)
    with pytest.raises(ValueError, match='class scores'): loss(torch.zeros(1, 4, 4, 2, 7), torch.zeros(1, 1, 5))
    with pytest.raises(ValueError, match='anchors per cell'): loss(torch.zeros(1, 4, 4, 3, 8), torch.zeros(1, 1, 5))
    with pytest.raises(ValueError, match='labels must have shape'): loss(torch.zeros(2, 4, 4, 2, 8), torch.zeros(1, 1, 5))
    with pytest.raises(ValueError, match='size_form'): YoloLoss(anchors, 3, size_form='l1')
    with pytest.raises(ValueError, match='lambda_noobj'): YoloLoss(anchors, 3, lambda_noobj=-1)


# ---------------------------------------------------------------- decoding and detection
def test_decode_formulas():
    anchors = torch.tensor([[0.2, 0.4]])
    P = torch.zeros(1, 3, 3, 1, 6)
    P[0, 1, 2, 0, :4] = torch.tensor([math.log(3), -math.log(3), math.log(0.5), math.log(2)])   # sigmoid: 0.75, 0.25
    boxes, obj, probs = yolo_decode(P, anchors)
    cx, cy, w, h = (0.75 + 2) / 3, (0.25 + 1) / 3, 0.1, 0.8
    torch.testing.assert_close(boxes[0, 1, 2, 0], torch.tensor([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]))
    assert probs.shape == (1, 3, 3, 1, 1) and bool((probs == 1).all())


def test_detect_perfect_prediction_scores_map_one():
    from torchmetrics.detection import MeanAveragePrecision
    anchors = torch.tensor([[0.2, 0.2], [0.4, 0.2], [0.2, 0.4]])
    labels = torch.tensor([[[0, 0.1, 0.1, 0.3, 0.3], [2, 0.5, 0.5, 0.9, 0.7]], [[1, 0.2, 0.3, 0.4, 0.8], [-1, 0, 0, 0, 0]]])
    dets = yolo_detect(yolo_encode(yolo_targets(labels, anchors, 4, 3), anchors), anchors, threshold=0.5)
    m = MeanAveragePrecision(box_format='xyxy')
    m.update([dict(boxes=d[:, 2:], scores=d[:, 1], labels=d[:, 0].long()) for d in dets],
             [dict(boxes=y[y[:, 0] >= 0][:, 1:], labels=y[y[:, 0] >= 0][:, 0].long()) for y in labels])
    assert m.compute()['map'].item() == pytest.approx(1.0)
    assert [len(d) for d in dets] == [2, 1]


def test_detect_nms_removes_duplicates():
    anchors = torch.tensor([[0.5, 0.5], [0.5, 0.5]])
    P = torch.full((1, 1, 1, 2, 6), 0.0)
    P[..., 4] = torch.tensor([3.0, 2.0])                                   # two identical boxes, different objectness
    dets = yolo_detect(P, anchors, nms_threshold=0.5)[0]
    assert len(dets) == 1 and dets[0, 1].item() == pytest.approx(torch.sigmoid(torch.tensor(3.0)).item())


# ---------------------------------------------------------------- model
def test_tiny_yolo_shapes_and_errors():
    anchors = torch.tensor([[0.2, 0.3], [0.4, 0.2], [0.3, 0.3]])
    net = TinyYOLO(2, anchors)
    assert net(torch.zeros(2, 3, 64, 64)).shape == (2, 4, 4, 3, 7)
    assert grid_size(64, net.stride) == 4
    with pytest.raises(ValueError, match='multiple of the stride'): net(torch.zeros(1, 3, 72, 72))
    with pytest.raises(ValueError, match='num_classes'): TinyYOLO(0, anchors)
    with pytest.raises(ValueError, match='anchors must have shape'): TinyYOLO(2, torch.zeros(3))


def test_tiny_yolo_learns_one_image():
    "A few optimizer steps on one image lower the loss: the pieces fit together and gradients flow."
    torch.manual_seed(0)
    anchors = torch.tensor([[0.3, 0.3], [0.5, 0.2]])
    net, loss = TinyYOLO(2, anchors), YoloLoss(anchors, 2)
    X = torch.rand(2, 3, 64, 64)
    Y = torch.tensor([[[0, 0.1, 0.1, 0.4, 0.4]], [[1, 0.3, 0.5, 0.8, 0.7]]])
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    first = None
    for _ in range(30):
        ls = loss(net(X), Y)
        first = ls.item() if first is None else first
        opt.zero_grad(); ls.backward(); opt.step()
    assert ls.item() < 0.5 * first


# ---------------------------------------------------------------- bad inputs
@pytest.mark.parametrize('labels, match', [
    (torch.tensor([[[0, -0.1, 0.1, 0.3, 0.3]]]), 'inside the image'),
    (torch.tensor([[[0, 0.1, 0.1, 0.3, 1.01]]]), 'inside the image'),
    (torch.tensor([[[0, 0.3, 0.1, 0.3, 0.3]]]), 'x1 < x2'),
    (torch.tensor([[[0.5, 0.1, 0.1, 0.3, 0.3]]]), 'integer class'),
    (torch.tensor([[[-2, 0.1, 0.1, 0.3, 0.3]]]), 'padding'),
    (torch.tensor([[[0, float('nan'), 0.1, 0.3, 0.3]]]), 'neither an object'),
    (torch.zeros(0, 2, 5), 'labels is empty'),
    (torch.zeros(2, 5), r'\(N, M, 5\)'),
    (torch.zeros(1, 2, 5, dtype=torch.long), 'float tensor'),
])
def test_bad_labels(labels, match):
    with pytest.raises((ValueError, TypeError), match=match): yolo_targets(labels, torch.tensor([[0.2, 0.2]]), 4, 3)


def test_bad_grid_and_anchors():
    with pytest.raises(ValueError, match='not a multiple'): grid_size(100, 32)
    with pytest.raises(TypeError, match='img_size'): grid_size(128.0, 16)
    lab = torch.tensor([[[0, 0.1, 0.1, 0.3, 0.3]]])
    with pytest.raises(ValueError, match='S must be'): yolo_targets(lab, torch.tensor([[0.2, 0.2]]), 0, 3)
    with pytest.raises(ValueError, match='positive'): yolo_targets(lab, torch.tensor([[0.0, 0.2]]), 4, 3)
    with pytest.raises(ValueError, match=r'\(B, 2\)'): yolo_targets(lab, torch.zeros(0, 2), 4, 3)
    with pytest.raises(ValueError, match='< 1'): yolo_targets(lab, torch.tensor([[0.2, 0.2]]), 4, 1) if False else \
        yolo_targets(torch.tensor([[[1, 0.1, 0.1, 0.3, 0.3]]]), torch.tensor([[0.2, 0.2]]), 4, 1)


# ---------------------------------------------------------------- RoI pooling and RoI align vs torchvision
@st.composite
def roi_problems(draw):
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**31 - 1)))
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    K = draw(st.integers(0, 8))
    scale = draw(st.sampled_from([1.0, 0.5, 0.25, 1 / 16, 0.1, 0.3]))
    feats = torch.randn(N, C, H, W, generator=g)
    span = max(H, W) / scale
    xy = torch.rand(K, 2, generator=g) * span * 1.4 - 0.2 * span            # some regions stick out of the map
    wh = torch.rand(K, 2, generator=g) * span * 0.8
    wh[torch.rand(K, generator=g) < 0.15] = 0.0                              # some have zero size
    rois = torch.cat((torch.randint(0, N, (K, 1), generator=g).float(), xy, xy + wh), 1)
    out = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    return feats, rois, out, scale


@settings(**SETTINGS)
@given(roi_problems())
def test_roi_pool_equals_torchvision(problem):
    feats, rois, out, scale = problem
    assert torch.equal(roi_pool(feats, rois, out, scale), torchvision.ops.roi_pool(feats, rois, out, scale))


@settings(**SETTINGS)
@given(roi_problems(), st.integers(-1, 3), st.booleans())
def test_roi_align_equals_torchvision(problem, sampling_ratio, aligned):
    feats, rois, out, scale = problem
    torch.testing.assert_close(roi_align(feats, rois, out, scale, sampling_ratio, aligned),
                               torchvision.ops.roi_align(feats, rois, out, scale, sampling_ratio, aligned), atol=1e-5, rtol=1e-5)


def test_roi_d2l_example_and_list_input():
    X = torch.arange(16.).reshape(1, 1, 4, 4)
    rois = torch.tensor([[0, 0, 0, 20, 20], [0, 0, 10, 30, 30.]])
    assert roi_pool(X, rois, (2, 2), 0.1).flatten().tolist() == [5, 6, 9, 10, 9, 11, 13, 15]
    assert torch.equal(roi_pool(X, [rois[:, 1:]], 2, 0.1), roi_pool(X, rois, 2, 0.1))
    torch.testing.assert_close(roi_align(X, [rois[:, 1:]], 2, 0.1, 2, True), roi_align(X, rois, 2, 0.1, 2, True))


def test_roi_gradients_flow():
    X = torch.randn(1, 2, 6, 6, requires_grad=True)
    rois = torch.tensor([[0, 4.0, 4.0, 60.0, 40.0]])
    for f in (roi_pool, roi_align):
        f(X, rois, 3, 1 / 8).sum().backward()
        assert X.grad.abs().sum() > 0
        X.grad = None
    ours, theirs = X.clone().detach().requires_grad_(), X.clone().detach().requires_grad_()
    roi_align(ours, rois, 3, 1 / 8, 2, True).pow(2).sum().backward()
    torchvision.ops.roi_align(theirs, rois, 3, 1 / 8, 2, True).pow(2).sum().backward()
    torch.testing.assert_close(ours.grad, theirs.grad, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('rois, kwargs, match', [
    (torch.tensor([[0, 30, 0, 10, 20.]]), {}, 'x1 <= x2'),
    (torch.tensor([[0, 0, 30, 20, 20.]]), {}, 'y1 <= y2'),
    (torch.tensor([[2, 0, 0, 10, 20.]]), {}, 'batch index 2.0'),
    (torch.tensor([[-1, 0, 0, 10, 20.]]), {}, 'batch index'),
    (torch.tensor([[0, 0, 0, float('inf'), 20.]]), {}, 'NaN or infinite'),
    (torch.tensor([[0, 0, 10, 20.]]), {}, r'\(K, 5\)'),
    ([torch.zeros(1, 4)] * 3, {}, 'one \\(k, 4\\) tensor per image'),
    (torch.tensor([[0, 0, 0, 10, 20.]]), dict(output_size=(2, 0)), r'output_size\[1\]'),
    (torch.tensor([[0, 0, 0, 10, 20.]]), dict(output_size='7'), 'output_size must be'),
    (torch.tensor([[0, 0, 0, 10, 20.]]), dict(spatial_scale=-1.0), 'spatial_scale'),
])
def test_roi_bad_inputs(rois, kwargs, match):
    X = torch.zeros(2, 1, 4, 4)
    args = dict(output_size=2, spatial_scale=0.1) | kwargs
    for f in (roi_pool, roi_align):
        with pytest.raises((ValueError, TypeError), match=match): f(X, rois, **args)


# ---------------------------------------------------------------- training pieces
def _tiny_batches(n=2, bs=4, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        X = torch.rand(bs, 3, size, size, generator=g)
        xy = torch.rand(bs, 2, 2, generator=g) * 0.5
        Y = torch.cat((torch.randint(0, 2, (bs, 2, 1), generator=g).float(), xy, xy + 0.2 + 0.2 * torch.rand(bs, 2, 2, generator=g)), -1)
        Y[:, 1] = torch.where(torch.rand(bs, 1, generator=g) < 0.5, -1.0, Y[:, 1])
        out.append((X, Y))
    return out


def test_training_step_does_not_sync():
    "Targets and loss of a training step never make the host wait for the device."
    from course_lib.ssd import device_syncs, host_syncs
    anchors = torch.tensor([[0.2, 0.3], [0.4, 0.2], [0.3, 0.3]])
    net, loss = TinyYOLO(2, anchors), YoloLoss(anchors, 2)
    (X, Y), = _tiny_batches(1)
    loss(net(X), Y).backward()                                            # warm-up
    found = host_syncs(lambda: loss(net(X), Y).backward())
    assert not device_syncs(found), found


def test_yolo_learner_records_parts_and_map():
    from course_lib.yolo import yolo_learner
    torch.manual_seed(0)
    anchors = torch.tensor([[0.2, 0.3], [0.4, 0.2], [0.3, 0.3]])
    data = _tiny_batches(2)
    learn = yolo_learner(TinyYOLO(2, anchors), data, data[:1], lr=3e-3, map_every=2, show=False, device='cpu')
    hist = learn.fit(3)
    assert [h['epoch'] for h in hist] == [0, 1, 2]
    assert math.isnan(hist[0]['map50']) and not math.isnan(hist[1]['map50']) and not math.isnan(hist[2]['map'])
    assert all(0 <= h['map50'] <= 1 for h in hist[1:])
    for k in ('centre', 'size', 'obj', 'noobj', 'cls'): assert hist[-1][f'train_{k}'] >= 0
    with pytest.raises(TypeError, match='YOLO network'): yolo_learner(torch.nn.Linear(2, 2), data)
    with pytest.raises(TypeError, match='loss must be'): yolo_learner(TinyYOLO(2, anchors), data, loss=torch.nn.MSELoss())


def test_loss_parts_cb_needs_parts():
    from course_lib.learner import DataLoaders, Learner
    from course_lib.yolo import LossPartsCB
    net = TinyYOLO(2, torch.tensor([[0.2, 0.3]]))
    learn = Learner(net, DataLoaders(_tiny_batches(1), None), loss_func=lambda p, y: p.float().mean(), cbs=[LossPartsCB()])
    with pytest.raises(TypeError, match='last_parts'): learn.fit(1)


def test_channels_last_and_bf16_outputs():
    "The reshape of the head works on channels-last tensors, and the loss and decoding cast half precision to float32."
    anchors = torch.tensor([[0.2, 0.3], [0.4, 0.2]])
    net = TinyYOLO(2, anchors).eval()
    X = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        ref = net(X)
        cl = net.to(memory_format=torch.channels_last)(X.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(cl, ref, atol=1e-5, rtol=1e-5)
    (_, Y), = _tiny_batches(1, bs=2)
    loss = YoloLoss(anchors, 2)
    torch.testing.assert_close(loss(ref.bfloat16(), Y), loss(ref.bfloat16().float(), Y))
    assert loss(ref.bfloat16(), Y).dtype == torch.float32
    assert all(d.dtype == torch.float32 for d in yolo_detect(ref.bfloat16(), anchors))
