"Property and parity tests for `course_lib.mnist` that would clutter lesson 02."
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from PIL import Image
from torch import nn

from course_lib.mnist import (BasicOptim, batch_accuracy, calc_grad, class_accuracy_table, image_folder_xy,
                              init_params, linear1, load_image_folder, mnist_distance, predict_nearest, sigmoid_loss,
                              train_epoch, validate_epoch)

FAST = settings(max_examples=25, deadline=None)


def _write_pngs(folder: Path, arrays):
    folder.mkdir(parents=True, exist_ok=True)
    for i, a in enumerate(arrays): Image.fromarray(a).save(folder / f'{i:03d}.png')


@FAST
@given(n=st.integers(1, 5), h=st.integers(1, 9), w=st.integers(1, 9), seed=st.integers(0, 2**16))
def test_load_image_folder_roundtrip(tmp_path_factory, n, h, w, seed):
    arrs = [np.random.default_rng(seed + i).integers(0, 256, (h, w), dtype=np.uint8) for i in range(n)]
    d = tmp_path_factory.mktemp('imgs')
    _write_pngs(d, arrs)
    got = load_image_folder(d)
    assert got.dtype == torch.float32 and got.shape == (n, h, w)
    assert torch.equal(got, torch.tensor(np.stack(arrs)).float() / 255)


def test_load_image_folder_resizes_and_converts(tmp_path):
    Image.fromarray(np.full((10, 12, 3), 200, np.uint8)).save(tmp_path / 'rgb.png')
    Image.fromarray(np.full((5, 5), 100, np.uint8)).save(tmp_path / 'small.jpg')
    got = load_image_folder(tmp_path, size=8)
    assert got.shape == (2, 8, 8)
    assert torch.allclose(got[0], torch.full((8, 8), 200 / 255))
    assert got.min() >= 0 and got.max() <= 1


def test_load_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'): load_image_folder(tmp_path / 'nope')
    with pytest.raises(ValueError, match='no image files'): load_image_folder(tmp_path)
    with pytest.raises(TypeError, match='size must be'): load_image_folder(tmp_path, size=(2, 2, 2))
    with pytest.raises(TypeError, match='size must be'): load_image_folder(tmp_path, size=True)
    with pytest.raises(TypeError, match=r'size\[1\] \(width\) must be an int'): load_image_folder(tmp_path, size=(2, 2.5))
    with pytest.raises(ValueError, match=r'size\[0\] \(height\) must be >= 1'): load_image_folder(tmp_path, size=(-1, 2))
    with pytest.raises(TypeError, match='path must be a str or Path'): load_image_folder(None)


def _noise_png(path, seed=0, size=28):
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (size, size), dtype=np.uint8)).save(path)


@pytest.mark.parametrize('kind', ['truncated', 'not_an_image', 'empty_file', 'sixteen_bit', 'float_tiff'])
def test_load_image_folder_bad_file_names_the_file(tmp_path, kind):
    for i in range(3): _noise_png(tmp_path / f'ok{i}.png', seed=i)
    bad = tmp_path / ('bad.tif' if kind == 'float_tiff' else 'bad.png')
    if kind == 'truncated':
        _noise_png(tmp_path / 'full.png', seed=9); data = (tmp_path / 'full.png').read_bytes(); (tmp_path / 'full.png').unlink()
        bad.write_bytes(data[:len(data) // 2])
    elif kind == 'not_an_image': bad.write_text('<html>404 not found</html>')
    elif kind == 'empty_file': bad.write_bytes(b'')
    elif kind == 'sixteen_bit': Image.fromarray(np.full((28, 28), 40000, np.uint16)).save(bad)
    else: Image.fromarray(np.full((28, 28), 0.5, np.float32)).save(bad)
    before = sorted((p.name, p.stat().st_size) for p in tmp_path.iterdir())
    with pytest.raises((OSError, ValueError)) as info: load_image_folder(tmp_path)
    assert str(bad) in str(info.value), str(info.value)
    if kind in ('sixteen_bit', 'float_tiff'): assert 'more than 8 bits' in str(info.value)
    assert sorted((p.name, p.stat().st_size) for p in tmp_path.iterdir()) == before       # nothing touched


def test_image_folder_xy_labels_follow_class_order(tmp_path):
    _write_pngs(tmp_path / 'a', [np.zeros((4, 4), np.uint8)] * 2)
    _write_pngs(tmp_path / 'b', [np.full((4, 4), 255, np.uint8)] * 3)
    x, y = image_folder_xy(tmp_path, ['b', 'a'])
    assert y.tolist() == [0, 0, 0, 1, 1]
    assert torch.equal(x[:3], torch.ones(3, 4, 4)) and torch.equal(x[3:], torch.zeros(2, 4, 4))


images = st.integers(0, 2**16).map(lambda s: torch.Generator().manual_seed(s))


@FAST
@given(g=images, n=st.integers(1, 6), h=st.integers(1, 8), w=st.integers(1, 8))
def test_mnist_distance_properties(g, n, h, w):
    a, b = torch.rand(n, h, w, generator=g), torch.rand(h, w, generator=g)
    for kind in ('l1', 'rmse'):
        d = mnist_distance(a, b, kind)
        assert d.shape == (n,)
        assert torch.allclose(d, mnist_distance(b, a, kind))                       # symmetric
        assert torch.allclose(mnist_distance(a, a, kind), torch.zeros(n))          # zero on itself
        loop = torch.stack([mnist_distance(ai, b, kind) for ai in a])              # broadcasting == loop
        assert torch.allclose(d, loop)
    assert torch.allclose(mnist_distance(a, b), torch.stack([F.l1_loss(ai, b) for ai in a]))
    assert torch.allclose(mnist_distance(a, b, 'rmse'), torch.stack([F.mse_loss(ai, b).sqrt() for ai in a]))
    assert (mnist_distance(a, b) <= mnist_distance(a, b, 'rmse') + 1e-6).all()     # L1 mean <= RMS


@FAST
@given(g=images, n=st.integers(1, 10), c=st.integers(1, 4))
def test_predict_nearest_is_argmin_of_distances(g, n, c):
    x, ideals = torch.rand(n, 5, 5, generator=g), torch.rand(c, 5, 5, generator=g)
    want = torch.stack([torch.stack([mnist_distance(xi, m) for m in ideals]).argmin() for xi in x])
    assert torch.equal(predict_nearest(x, ideals), want)
    assert torch.equal(predict_nearest(ideals, ideals), torch.arange(c))   # each ideal is nearest to itself


def test_bad_arguments_are_named():
    img, imgs = torch.rand(28, 28), torch.rand(4, 28, 28)
    lin = nn.Linear(3, 1)
    cases = [
        (lambda: mnist_distance(imgs, img, kind='l2'), ValueError, 'kind must be one of'),
        (lambda: mnist_distance((imgs * 255).byte(), img), TypeError, 'a must be a floating-point tensor'),
        (lambda: mnist_distance(imgs, img.numpy()), TypeError, 'b must be a torch.Tensor'),
        (lambda: mnist_distance(imgs, torch.rand(27, 28)), ValueError, 'do not broadcast'),
        (lambda: predict_nearest(imgs, torch.rand(0, 28, 28)), ValueError, 'ideals is empty'),
        (lambda: predict_nearest(imgs, imgs, kind=None), ValueError, 'kind must be one of'),
        (lambda: class_accuracy_table(torch.tensor([0]), torch.tensor([0]), 'a'), TypeError, 'names must be a list'),
        (lambda: init_params((3, 2), std=float('nan')), ValueError, 'std must be a finite number'),
        (lambda: init_params('3'), TypeError, 'size must be an int or a tuple'),
        (lambda: init_params((3, True)), TypeError, r'size[1] must be an int'),
        (lambda: linear1(torch.rand(2, 3), torch.rand(4, 1), torch.rand(1)), ValueError, 'same D'),
        (lambda: linear1(torch.rand(2, 3), torch.rand(3, 2), torch.rand(3)), ValueError, 'bias must have shape (2,)'),
        (lambda: linear1([[1.]], torch.rand(1, 1), torch.rand(1)), TypeError, 'xb must be a torch.Tensor'),
        (lambda: sigmoid_loss(torch.tensor([1, 0]), torch.tensor([1, 0])), TypeError, 'preds must be raw float scores'),
        (lambda: batch_accuracy([0.3], torch.tensor([1.])), TypeError, 'must be torch.Tensors'),
        (lambda: calc_grad(torch.rand(2, 3), torch.ones(2, 1), 'model'), TypeError, 'model must be callable'),
        (lambda: BasicOptim(lin.parameters(), lr=0), ValueError, 'lr must be > 0'),
        (lambda: BasicOptim(lin.parameters(), lr='1'), TypeError, 'lr must be a number'),
        (lambda: BasicOptim([torch.zeros(2)], lr=1), TypeError, 'params[0] must be a tensor that requires grad'),
        (lambda: train_epoch(lin, 5, BasicOptim(lin.parameters(), 1)), TypeError, 'dl must be an iterable'),
        (lambda: train_epoch(lin, [], None), TypeError, 'opt must have step()'),
        (lambda: validate_epoch(lin, [(torch.rand(2, 3), torch.ones(2, 1))], metric='acc'), TypeError, 'metric must be callable'),
        (lambda: image_folder_xy(3, ['3']), TypeError, 'root must be a str or Path'),
        (lambda: image_folder_xy('.', ['3', '3']), ValueError, 'repeated'),
    ]
    for fn, exc, msg in cases:
        with pytest.raises(exc) as info: fn()
        assert msg in str(info.value), (msg, str(info.value))


def test_train_epoch_reports_divergence():
    model = nn.Linear(2, 1)
    with torch.no_grad(): model.weight.fill_(float('nan'))
    batches = [(torch.rand(4, 2), torch.ones(4, 1))]
    with pytest.raises(FloatingPointError, match='diverged'): train_epoch(model, batches, BasicOptim(model.parameters(), 1.0))


def test_validate_epoch_accepts_python_float_metrics():
    x, y = torch.randn(10, 3), (torch.rand(10, 1) > 0.5).float()
    model = nn.Linear(3, 1)
    batches = [(x[:6], y[:6]), (x[6:], y[6:])]
    got = validate_epoch(model, batches, metric=lambda p, t: float(batch_accuracy(p, t)))
    assert got == pytest.approx(validate_epoch(model, batches))


def test_class_accuracy_table_mean_is_unweighted():
    t = class_accuracy_table(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 0, 1]), ['x', 'y'])
    assert t.accuracy.tolist() == [1.0, 1.0, 1.0]
    t = class_accuracy_table(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 0, 0, 1]), ['x', 'y'])
    assert t.loc['x', 'accuracy'] == pytest.approx(1 / 3) and t.loc['mean', 'accuracy'] == pytest.approx(2 / 3)
    assert t.loc['mean', 'n'] == 4
    assert t.mistakes.tolist() == [2, 0, 2]


@FAST
@given(g=images, n=st.integers(1, 20))
def test_sigmoid_loss_and_batch_accuracy(g, n):
    p = torch.randn(n, 1, generator=g) * 4
    t = (torch.rand(n, 1, generator=g) > 0.5).float()
    assert torch.allclose(sigmoid_loss(p, t), (t - p.sigmoid()).abs().mean())
    assert 0 <= sigmoid_loss(p, t) <= 1
    assert torch.allclose(batch_accuracy(p, t), ((p > 0).float() == t).float().mean())


def test_linear1_matches_nn_linear():
    lin = nn.Linear(7, 3)
    x = torch.randn(5, 7)
    assert torch.allclose(linear1(x, lin.weight.T, lin.bias), lin(x), atol=1e-6)


@pytest.mark.parametrize('lr', [0.01, 0.5, 2.0])
def test_basic_optim_equals_torch_sgd(lr):
    torch.manual_seed(0)
    net_a = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1))
    net_b = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 1))
    net_b.load_state_dict(net_a.state_dict())
    batches = [(torch.randn(8, 6), (torch.rand(8, 1) > 0.5).float()) for _ in range(4)]
    la = train_epoch(net_a, batches, BasicOptim(net_a.parameters(), lr))
    lb = train_epoch(net_b, batches, torch.optim.SGD(net_b.parameters(), lr=lr))
    assert la == pytest.approx(lb, rel=1e-6)
    for pa, pb in zip(net_a.parameters(), net_b.parameters()): assert torch.allclose(pa, pb, atol=1e-6)


def test_training_learns_a_separable_problem():
    torch.manual_seed(0)
    x = torch.randn(200, 2)
    y = (x[:, :1] + x[:, 1:] > 0).float()
    batches = [(x[i:i + 20], y[i:i + 20]) for i in range(0, 200, 20)]
    model = nn.Linear(2, 1)
    opt = BasicOptim(model.parameters(), 1.0)
    before = validate_epoch(model, batches)
    losses = [train_epoch(model, batches, opt) for _ in range(10)]
    assert losses[-1] < losses[0]
    assert validate_epoch(model, batches) > max(before, 0.95)


def test_binary_loss_and_accuracy_reject_bad_targets():
    p = torch.tensor([0.3, -1.0])
    for f in (sigmoid_loss, batch_accuracy):
        with pytest.raises(ValueError, match='targets must be 0 or 1'): f(p, torch.tensor([1., 0.7]))
        with pytest.raises(ValueError, match='empty'): f(p[:0], p[:0])


def test_validate_epoch_weights_uneven_batches():
    x, y = torch.randn(23, 3), (torch.rand(23, 1) > 0.5).float()
    model = nn.Linear(3, 1)
    batches = [(x[i:i + 5], y[i:i + 5]) for i in range(0, 23, 5)]       # 5, 5, 5, 5, 3
    with torch.no_grad(): want = ((model(x) > 0).float() == y).float().mean().item()
    assert validate_epoch(model, batches) == pytest.approx(want)
