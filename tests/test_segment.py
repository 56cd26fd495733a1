"Parity and property tests for course_lib.segment (lesson 09): PyTorch, torchmetrics and scikit-learn as references, hypothesis for inputs."
import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision
from hypothesis import HealthCheck, assume, given, settings, strategies as st
from PIL import Image
from sklearn.metrics import confusion_matrix as sk_confusion_matrix, jaccard_score
from torch import nn

from course_lib.datasets import VOC_COLORMAP, VOID, save_voc_mask
from course_lib.learner import DataLoaders, Learner, MetricsCB
from course_lib.segment import (VOCSegDataset, bilinear_kernel, check_mask, conv_matrix, evaluate_segmentation,
                                fcn_resnet, label_to_rgb, load_data_voc, predict_tiled, read_voc_images, seg_loss,
                                seg_metrics, show_segmentation, tile_starts, trans_conv, voc_rand_crop, voc_split_names,
                                TiledPredictor)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- transposed convolution
@SETTINGS
@given(c_in=st.integers(1, 3), c_out=st.integers(1, 3), h=st.integers(1, 6), w=st.integers(1, 6),
       kh=st.integers(1, 4), kw=st.integers(1, 4), stride=st.integers(1, 3), padding=st.integers(0, 2),
       seed=st.integers(0, 2**16))
def test_trans_conv_parity(c_in, c_out, h, w, kh, kw, stride, padding, seed):
    H, W = stride * (h - 1) + kh, stride * (w - 1) + kw
    assume(min(H, W) - 2 * padding >= 1)
    g = torch.Generator().manual_seed(seed)
    X, K = torch.randn(c_in, h, w, generator=g, dtype=torch.float64), torch.randn(c_in, c_out, kh, kw, generator=g, dtype=torch.float64)
    ref = F.conv_transpose2d(X[None], K, stride=stride, padding=padding)[0]
    torch.testing.assert_close(trans_conv(X, K, stride, padding), ref)
    if c_in == c_out == 1:
        torch.testing.assert_close(trans_conv(X[0], K[0, 0], stride, padding), ref[0])


@SETTINGS
@given(n=st.integers(1, 40), k=st.integers(1, 7), stride=st.integers(1, 4), padding=st.integers(0, 3))
def test_shape_round_trip(n, k, stride, padding):
    "A transposed conv with a conv's kernel, stride and padding restores the conv input's size exactly when (n + 2p - k) % s == 0; output_padding covers the rest."
    assume(n + 2 * padding >= k)                            # the conv has an output
    assume(n - (n + 2 * padding - k) % stride >= 1)         # and the transposed conv one too
    conv = nn.Conv2d(1, 2, k, stride=stride, padding=padding)
    tconv = nn.ConvTranspose2d(2, 1, k, stride=stride, padding=padding)
    with torch.no_grad():
        Y = conv(torch.zeros(1, 1, n, n))
        back = tconv(Y).shape[-1]
        op = (n + 2 * padding - k) % stride
        assert (back == n) == (op == 0)
        assert back == n - op
        assert F.conv_transpose2d(Y, tconv.weight, stride=stride, padding=padding, output_padding=op).shape[-2:] == (n, n)
    # our from-scratch version follows the same formula
    assert trans_conv(torch.zeros(Y.shape[-2:]), torch.zeros(k, k), stride, padding).shape == (n - op, n - op)


@SETTINGS
@given(h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4), stride=st.integers(1, 3),
       padding=st.integers(0, 2), seed=st.integers(0, 2**16))
def test_conv_matrix(h, w, kh, kw, stride, padding, seed):
    assume(kh <= h + 2 * padding and kw <= w + 2 * padding and padding < min(kh, kw))
    g = torch.Generator().manual_seed(seed)
    K, X = torch.randn(kh, kw, generator=g, dtype=torch.float64), torch.randn(h, w, generator=g, dtype=torch.float64)
    W = conv_matrix(K, (h, w), stride, padding)
    Y = F.conv2d(X[None, None], K[None, None], stride=stride, padding=padding)[0, 0]
    torch.testing.assert_close(W @ X.flatten(), Y.flatten())
    op = ((h + 2 * padding - kh) % stride, (w + 2 * padding - kw) % stride)
    back = F.conv_transpose2d(Y[None, None], K[None, None], stride=stride, padding=padding, output_padding=op)[0, 0]
    torch.testing.assert_close((W.T @ Y.flatten()).reshape(h, w), back)


def test_trans_conv_errors():
    X, K = torch.ones(2, 2), torch.ones(2, 2)
    with pytest.raises(ValueError, match='kernel size'): trans_conv(X, torch.ones(2, 0))
    with pytest.raises(ValueError, match='stride'): trans_conv(X, K, stride=0)
    with pytest.raises(TypeError, match='stride'): trans_conv(X, K, stride=1.0)
    with pytest.raises(ValueError, match='padding'): trans_conv(X, K, padding=2)
    with pytest.raises(ValueError, match='input channels'): trans_conv(torch.ones(3, 2, 2), torch.ones(2, 1, 2, 2))
    with pytest.raises(TypeError, match='X must be a torch.Tensor'): trans_conv([[1.]], K)
    with pytest.raises(ValueError, match='in_shape'): conv_matrix(K, (3,))


def test_trans_conv_integer_inputs_give_floats():
    Y = trans_conv(torch.tensor([[0, 1], [2, 3]]), torch.tensor([[0, 1], [2, 3]]))
    assert Y.dtype == torch.get_default_dtype()
    torch.testing.assert_close(Y, torch.tensor([[0., 0., 1.], [0., 4., 6.], [4., 12., 9.]]))


# ---------------------------------------------------------------- bilinear kernel
@SETTINGS
@given(f=st.sampled_from([2, 4, 6, 8, 16, 32]), h=st.integers(2, 9), w=st.integers(2, 9), seed=st.integers(0, 2**16))
def test_bilinear_kernel_matches_interpolate_inside_border(f, h, w, seed):
    x = torch.rand(1, 2, h, w, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    up = F.conv_transpose2d(x, bilinear_kernel(2, 2, 2 * f).double(), stride=f, padding=f // 2)
    ref = F.interpolate(x, scale_factor=f, mode='bilinear', align_corners=False)
    assert up.shape == ref.shape
    b = f // 2
    torch.testing.assert_close(up[..., b:-b, b:-b], ref[..., b:-b, b:-b])


@pytest.mark.parametrize('k', [1, 2, 3, 4, 5, 8, 64])
def test_bilinear_kernel_shape_and_symmetry(k):
    W = bilinear_kernel(3, 3, k)
    assert W.shape == (3, 3, k, k)
    filt = W[0, 0]
    torch.testing.assert_close(filt, filt.T); torch.testing.assert_close(filt, filt.flip(0))
    assert (filt > 0).all() and filt.max() <= 1
    off = W.clone(); off[range(3), range(3)] = 0
    assert off.abs().sum() == 0


def test_bilinear_kernel_errors():
    with pytest.raises(ValueError, match='kernel_size'): bilinear_kernel(2, 2, 0)
    with pytest.raises(ValueError, match='out_channels'): bilinear_kernel(2, 0, 4)
    with pytest.raises(TypeError, match='kernel_size'): bilinear_kernel(2, 2, 4.0)


# ---------------------------------------------------------------- VOC layout, masks, crops
def _write_voc(root, masks, imgs=None, split='train', classes=None):
    for sub in ('JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation'): (root / sub).mkdir(parents=True, exist_ok=True)
    names = [f'2008_{i:06d}' for i in range(len(masks))]
    for i, (name, m) in enumerate(zip(names, masks)):
        img = imgs[i] if imgs is not None else np.full((*m.shape, 3), 100, np.uint8)
        Image.fromarray(img).save(root / 'JPEGImages' / f'{name}.jpg', quality=95)
        save_voc_mask(m, root / 'SegmentationClass' / f'{name}.png')
    (root / 'ImageSets' / 'Segmentation' / f'{split}.txt').write_text('\n'.join(names) + '\n')
    if classes: (root / 'classes.txt').write_text('\n'.join(classes) + '\n')
    return names


def test_read_voc_images_real_layout(tmp_path):
    rng = np.random.default_rng(0)
    masks = [rng.choice([0, 5, 15, 255], size=(30 + i, 40)).astype(np.uint8) for i in range(3)]
    _write_voc(tmp_path, masks)
    _write_voc(tmp_path, masks[:1], split='val')
    imgs, got = read_voc_images(tmp_path, True)
    assert [tuple(i.shape) for i in imgs] == [(3, 30, 40), (3, 31, 40), (3, 32, 40)]
    for m, g in zip(masks, got): assert np.array_equal(m, g.numpy())
    assert len(read_voc_images(tmp_path, False)[0]) == 1
    assert voc_split_names(tmp_path, 'val') == ['2008_000000']


def test_read_voc_images_errors(tmp_path):
    _write_voc(tmp_path, [np.full((8, 8), 4, np.uint8)], classes=['background', 'a', 'b'])
    with pytest.raises(ValueError, match=r'unknown class values \[4\]'): read_voc_images(tmp_path)
    with pytest.raises(FileNotFoundError, match='val.txt'): read_voc_images(tmp_path, is_train=False)
    _write_voc(tmp_path, [np.zeros((8, 8), np.uint8)], imgs=[np.zeros((9, 8, 3), np.uint8)])
    with pytest.raises(ValueError, match='mask 2008_000000.png is'): read_voc_images(tmp_path)
    (tmp_path / 'JPEGImages' / '2008_000000.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='listed in the split but missing'): read_voc_images(tmp_path)


@SETTINGS
@given(H=st.integers(1, 30), W=st.integers(1, 30), h=st.integers(1, 30), w=st.integers(1, 30), seed=st.integers(0, 2**16))
def test_rand_crop_keeps_image_and_mask_aligned(H, W, h, w, seed):
    g = torch.Generator().manual_seed(seed)
    mask = torch.randint(0, 21, (H, W), generator=g)
    img = torch.stack([mask * 3, mask * 5, mask * 7])          # the image encodes the mask
    if h > H or w > W:
        with pytest.raises(ValueError, match='larger than'): voc_rand_crop(img, mask, h, w, generator=g)
        return
    ci, cm = voc_rand_crop(img, mask, h, w, generator=g)
    assert ci.shape == (3, h, w) and cm.shape == (h, w)
    assert torch.equal(ci[0] // 3, cm) and torch.equal(ci[2] // 7, cm)
    # the window is a real window of the original
    found = any(torch.equal(mask[t:t + h, l:l + w], cm) and torch.equal(img[:, t:t + h, l:l + w], ci)
                for t in range(H - h + 1) for l in range(W - w + 1))
    assert found


def test_rand_crop_errors():
    img, mask = torch.zeros(3, 10, 12), torch.zeros(10, 12, dtype=torch.long)
    with pytest.raises(ValueError, match='same size'): voc_rand_crop(img, mask[:, :11], 5, 5)
    with pytest.raises(ValueError, match='larger than the 10x12 image'): voc_rand_crop(img, mask, 11, 5)
    with pytest.raises(ValueError, match='width'): voc_rand_crop(img, mask, 5, 0)
    with pytest.raises(ValueError, match='img must have 3'): voc_rand_crop(img[0], mask, 5, 5)


def test_check_mask_and_palette():
    m = torch.tensor([[0, 1, 20], [255, 3, 0]])
    assert check_mask(m, 21) is m
    with pytest.raises(ValueError, match=r'\[20\]'): check_mask(m, 20)
    with pytest.raises(ValueError, match=r'\[-1\]'): check_mask(torch.tensor([[-1, 0]]), 21)
    with pytest.raises(TypeError, match='integer'): check_mask(m.float(), 21)
    rgb = label_to_rgb(m)
    assert rgb.shape == (2, 3, 3) and rgb.dtype == torch.uint8
    assert rgb[0, 2].tolist() == list(VOC_COLORMAP[20]) and rgb[1, 0].tolist() == [224, 224, 192]


def test_dataset_and_loaders(tmp_path):
    rng = np.random.default_rng(1)
    masks = [rng.integers(0, 3, size=(40, 48)).astype(np.uint8) for _ in range(5)] + [np.zeros((20, 48), np.uint8)]
    _write_voc(tmp_path, masks, classes=['background', 'a', 'b'])
    _write_voc(tmp_path, masks[:2], split='val', classes=['background', 'a', 'b'])
    ds = VOCSegDataset(tmp_path, True, (32, 32))
    assert len(ds) == 5 and ds.n_dropped == 1 and ds.classes == ['background', 'a', 'b']
    x, y = ds[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    val = VOCSegDataset(tmp_path, False, (32, 32))
    assert torch.equal(val[1][1], val[1][1])
    dls = load_data_voc(2, (32, 32), tmp_path)
    xb, yb = next(iter(dls.train))
    assert xb.shape == (2, 3, 32, 32) and yb.shape == (2, 32, 32)
    assert len(dls.train) == 2                       # 5 images, batches of 2, last partial batch dropped
    dls2 = load_data_voc(2, (32, 32), tmp_path, num_workers=2)     # full mode's worker processes
    assert [tuple(b[0].shape) for b in dls2.valid] == [(2, 3, 32, 32)]
    assert torch.equal(next(iter(dls2.valid))[1], torch.stack([val[0][1], val[1][1]]))   # same fixed crops in workers
    with pytest.raises(ValueError, match='crop_size'): VOCSegDataset(tmp_path, True, (32,))
    with pytest.raises(ValueError, match='larger than every image'): VOCSegDataset(tmp_path, True, (64, 64))


# ---------------------------------------------------------------- FCN, loss, metrics
def test_fcn_shapes_and_bilinear_init():
    torch.manual_seed(0)
    net = fcn_resnet(torchvision.models.resnet18(), 5).eval()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        out = net(x)
        scores = net.final_conv(nn.Sequential(*list(net.children())[:-2])(x))
    assert out.shape == (2, 5, 64, 96)
    torch.testing.assert_close(out[..., 16:-16, 16:-16], F.interpolate(scores, scale_factor=32, mode='bilinear')[..., 16:-16, 16:-16],
                               rtol=1e-4, atol=1e-4)
    assert [n for n, _ in net.named_children()][-3:] == ['layer4', 'final_conv', 'transpose_conv']
    with pytest.raises(ValueError, match='num_classes'): fcn_resnet(torchvision.models.resnet18(), 1)
    with pytest.raises(TypeError, match='ResNet'): fcn_resnet(nn.Conv2d(3, 3, 1), 3)


@SETTINGS
@given(n=st.integers(1, 3), c=st.integers(2, 5), h=st.integers(1, 6), w=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_seg_loss_is_mean_over_non_void_pixels(n, c, h, w, seed):
    g = torch.Generator().manual_seed(seed)
    p = torch.randn(n, c, h, w, generator=g, dtype=torch.float64)
    t = torch.randint(0, c, (n, h, w), generator=g)
    t[torch.rand(n, h, w, generator=g) < 0.3] = VOID
    assume((t != VOID).any())
    keep = t != VOID
    ref = -F.log_softmax(p, 1).gather(1, t.clamp(max=c - 1)[:, None])[:, 0][keep].mean()
    torch.testing.assert_close(seg_loss(p, t), ref)


def test_seg_loss_errors():
    with pytest.raises(ValueError, match='must agree'): seg_loss(torch.zeros(2, 3, 4, 4), torch.zeros(2, 4, 5, dtype=torch.long))
    with pytest.raises(ValueError, match='preds must have 4'): seg_loss(torch.zeros(3, 4, 4), torch.zeros(1, 4, 4, dtype=torch.long))


@SETTINGS
@given(c=st.integers(2, 6), n=st.integers(5, 200), seed=st.integers(0, 2**16))
def test_metrics_match_sklearn(c, n, seed):
    "torchmetrics' pixel accuracy / mIoU / per-class IoU (through evaluate_segmentation) agree with scikit-learn's."
    g = torch.Generator().manual_seed(seed)
    truth = torch.randint(0, c, (1, 1, n), generator=g)
    truth[torch.rand(1, 1, n, generator=g) < 0.2] = VOID
    pred = torch.randint(0, c, (1, 1, n), generator=g)
    assume((truth != VOID).any())

    class Fixed(nn.Module):            # a "model" whose scores give `pred`
        def __init__(self): super().__init__(); self.dummy = nn.Parameter(torch.zeros(()))
        def forward(self, x): return F.one_hot(pred, c).permute(0, 3, 1, 2).float()

    ev = evaluate_segmentation(Fixed(), [(torch.zeros(1, 3, 1, n), truth)], c)
    keep = (truth != VOID).flatten()
    t, p = truth.flatten()[keep].numpy(), pred.flatten()[keep].numpy()
    assert ev['pixel_acc'] == pytest.approx((t == p).mean(), abs=1e-6)
    present = np.union1d(t, p)
    sk = jaccard_score(t, p, labels=present, average=None)
    assert np.allclose(ev['iou'][present].numpy(), sk, atol=1e-6)
    absent = np.setdiff1d(np.arange(c), present)
    assert torch.isnan(ev['iou'][absent]).all()
    assert ev['miou'] == pytest.approx(sk.mean(), abs=1e-6)
    cm = sk_confusion_matrix(t, p, labels=np.arange(c))
    assert np.array_equal(ev['truth_pixels'].numpy(), cm.sum(1)) and np.array_equal(ev['pred_pixels'].numpy(), cm.sum(0))


def test_learner_metrics_cb_uses_seg_metrics():
    "Training through the Learner: loss falls on a tiny fixed problem and MetricsCB reports pixel_acc / miou in [0, 1]."
    torch.manual_seed(0)
    x = torch.randn(8, 3, 32, 32)
    y = (x[:, 0] > 0).long()
    y[:, 0, :] = VOID
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 2, 1))
    dls = DataLoaders([(x[:4], y[:4]), (x[4:], y[4:])], [(x, y)])
    learn = Learner(model, dls, loss_func=seg_loss, lr=1e-2, cbs=[MetricsCB(**seg_metrics(2))])
    hist = learn.fit(10)
    assert hist[-1]['train_loss'] < hist[0]['train_loss'] and hist[-1]['pixel_acc'] > hist[0]['pixel_acc']
    with torch.no_grad(): pred = learn.model(x).argmax(1)          # the validation pass saw these same weights
    keep = y != VOID
    t, p = y[keep].numpy(), pred[keep].numpy()
    assert hist[-1]['pixel_acc'] == pytest.approx((t == p).mean(), abs=1e-5)
    assert hist[-1]['miou'] == pytest.approx(jaccard_score(t, p, average='macro'), abs=1e-5)


# ---------------------------------------------------------------- tiled prediction
@st.composite
def _tiling(draw):
    "length >= tile >= 1 and 0 <= overlap < tile, drawn directly (filtering them out of free draws trips hypothesis' health check)."
    length = draw(st.integers(1, 200))
    tile = draw(st.integers(1, length))
    return length, tile, draw(st.integers(0, tile - 1))

@SETTINGS
@given(_tiling())
def test_tile_starts_cover(case):
    length, tile, overlap = case
    s = tile_starts(length, tile, overlap)
    assert s[0] == 0 and s[-1] + tile == length
    assert s == sorted(set(s))
    assert all(b - a <= tile - overlap for a, b in zip(s, s[1:]))          # neighbours share >= overlap pixels
    cover = np.zeros(length, int)
    for a in s: cover[a:a + tile] += 1
    assert (cover >= 1).all()
    # fewest tiles: one fewer could not cover with that overlap
    assert len(s) == 1 or (len(s) - 2) * (tile - overlap) + tile < length


def test_tile_starts_errors():
    with pytest.raises(ValueError, match='larger than length'): tile_starts(5, 6)
    with pytest.raises(ValueError, match='min_overlap'): tile_starts(10, 4, 4)
    with pytest.raises(ValueError, match='tile'): tile_starts(10, 0)


@SETTINGS
@given(H=st.integers(1, 40), W=st.integers(1, 40), th=st.integers(1, 16), tw=st.integers(1, 16), overlap=st.integers(0, 8),
       bs=st.integers(1, 5))
def test_predict_tiled_pointwise_model_equals_whole_image(H, W, th, tw, overlap, bs):
    assume(overlap < min(th, tw))
    torch.manual_seed(0)
    m = nn.Conv2d(3, 4, 1)
    img = torch.randn(3, H, W)
    with torch.no_grad(): whole = m(img[None])[0]
    torch.testing.assert_close(predict_tiled(m, img, (th, tw), overlap, batch_size=bs), whole, rtol=1e-5, atol=1e-5)


def test_predict_tiled_averages_scores():
    class RowCol(nn.Module):   # channel 0: row within the tile, channel 1: column within the tile
        def forward(self, x):
            n, _, h, w = x.shape
            r = torch.arange(h, dtype=torch.float32)[:, None].expand(h, w)
            c = torch.arange(w, dtype=torch.float32)[None].expand(h, w)
            return torch.stack([r, c])[None].expand(n, 2, h, w)
    out = predict_tiled(RowCol(), torch.zeros(3, 10, 7), (4, 4), 0)
    # rows: tiles start at 0, 3, 6 -> row 3 averages 3 and 0; columns: tiles start at 0, 3 -> cols 3 average 3 and 0
    torch.testing.assert_close(out[0, :, 0], torch.tensor([0, 1, 2, 1.5, 1, 2, 1.5, 1, 2, 3]))
    torch.testing.assert_close(out[1, 0], torch.tensor([0, 1, 2, 1.5, 1, 2, 3]))


def test_predict_tiled_errors():
    net = fcn_resnet(torchvision.models.resnet18(), 3)
    with pytest.raises(ValueError, match='multiples of 32'): predict_tiled(net, torch.zeros(3, 40, 40), (40, 40))
    with pytest.raises(TypeError, match='tile must be'): predict_tiled(net, torch.zeros(3, 40, 40), 32)      # a side, not a pair
    with pytest.raises(ValueError, match='tile must be'): predict_tiled(net, torch.zeros(3, 40, 40), (32, 32, 32))
    with pytest.raises(ValueError, match='img must have 3'): predict_tiled(net, torch.zeros(1, 3, 40, 40), (32, 32))


def test_show_segmentation_errors():
    img, m = torch.zeros(3, 8, 8), torch.zeros(8, 8, dtype=torch.long)
    with pytest.raises(ValueError, match='imgs is empty'): show_segmentation([], [])
    with pytest.raises(ValueError, match=r'masks\[0\] has 2 masks'): show_segmentation([img], [m, m])
    with pytest.raises(ValueError, match=r'masks\[1\]\[0\] is'): show_segmentation([img], [m], [m[:4]])
    fig, axes = show_segmentation([img], [m], [m], classes=['background'])
    assert axes.shape == (1, 3)


def test_tiled_predictor_scores_whole_images_of_any_size():
    "evaluate_segmentation over (image, mask) pairs of different sizes through TiledPredictor equals scoring predict_tiled's argmax by hand."
    torch.manual_seed(0)
    m = nn.Conv2d(3, 3, 1)
    imgs = [torch.randn(3, 20, 30), torch.randn(3, 33, 17)]
    masks = [torch.randint(0, 3, im.shape[1:]) for im in imgs]
    tp = TiledPredictor(m, (8, 8), 2)
    ev = evaluate_segmentation(tp, ((im[None], mk[None]) for im, mk in zip(imgs, masks)), 3)
    preds = torch.cat([predict_tiled(m, im, (8, 8), 2).argmax(0).flatten() for im in imgs])
    truth = torch.cat([mk.flatten() for mk in masks])
    assert ev['pixel_acc'] == pytest.approx((preds == truth).float().mean().item(), abs=1e-6)
    assert ev['miou'] == pytest.approx(jaccard_score(truth.numpy(), preds.numpy(), average='macro'), abs=1e-6)
    with pytest.raises(ValueError, match='x must have 4'): tp(imgs[0])
    with pytest.raises(ValueError, match='no batches'): evaluate_segmentation(tp, [], 3)
