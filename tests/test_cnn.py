"Parity and property tests for `course_lib.cnn` that would clutter lesson 03."
import inspect
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings, strategies as st
from PIL import Image
from torch import nn

from course_lib.cnn import (accuracy, autograd_rf, conv2d, conv_out_size, count_params, cross_entropy, digit_loaders,
                            log_softmax, logsumexp, max_pool2d, nll_loss, receptive_field, rf_heatmaps, simple_cnn,
                            softmax)

FAST = settings(max_examples=30, deadline=None)
gens = st.integers(0, 2**16).map(lambda s: torch.Generator().manual_seed(s))


@FAST
@given(g=gens, n=st.integers(1, 3), cin=st.integers(1, 4), cout=st.integers(1, 4), h=st.integers(1, 12),
       w=st.integers(1, 12), k=st.integers(1, 5), s=st.integers(1, 3), p=st.integers(0, 3), bias=st.booleans())
def test_conv2d_matches_torch(g, n, cin, cout, h, w, k, s, p, bias):
    assume(k <= min(h, w) + 2 * p)
    x, wt = torch.randn(n, cin, h, w, generator=g), torch.randn(cout, cin, k, k, generator=g)
    b = torch.randn(cout, generator=g) if bias else None
    torch.testing.assert_close(conv2d(x, wt, b, s, p), F.conv2d(x, wt, b, s, p), atol=1e-4, rtol=1e-4)


def test_conv2d_gradients_match_torch():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, 9, requires_grad=True)
    wt = torch.randn(4, 3, 3, 3, requires_grad=True)
    conv2d(x, wt, stride=2, padding=1).square().sum().backward()
    gx, gw = x.grad.clone(), wt.grad.clone()
    x.grad = wt.grad = None
    F.conv2d(x, wt, stride=2, padding=1).square().sum().backward()
    torch.testing.assert_close(gx, x.grad, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(gw, wt.grad, atol=1e-4, rtol=1e-4)


@FAST
@given(g=gens, n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(1, 12), w=st.integers(1, 12),
       k=st.integers(1, 5), s=st.one_of(st.none(), st.integers(1, 3)), p=st.integers(0, 2), batched=st.booleans())
def test_max_pool2d_matches_torch(g, n, c, h, w, k, s, p, batched):
    assume(p <= k // 2 and k <= min(h, w) + 2 * p)
    x = torch.randn(n, c, h, w, generator=g)
    if not batched: x = x[0]
    torch.testing.assert_close(max_pool2d(x, k, s, p), F.max_pool2d(x, k, s, p))


@FAST
@given(n=st.integers(1, 40), k=st.integers(1, 7), p=st.integers(0, 3), s=st.integers(1, 4), d=st.integers(1, 3))
def test_conv_out_size_matches_layers(n, k, p, s, d):
    if d * (k - 1) + 1 > n + 2 * p:
        with pytest.raises(ValueError, match='larger than the padded input'): conv_out_size(n, k, p, s, d)
        return
    x = torch.zeros(1, 1, n, n)
    assert conv_out_size(n, k, p, s, d) == nn.Conv2d(1, 1, k, s, p, dilation=d)(x).shape[-1]
    if p <= k // 2: assert conv_out_size(n, k, p, s, d) == F.max_pool2d(x, k, s, p, dilation=d).shape[-1]


@pytest.mark.parametrize('bad, msg', [((0, 3), 'n must be >= 1'), ((5, 0), 'k must be >= 1'),
                                      ((5, 3, -1), 'p must be >= 0'), ((5, 3, 0, 0), 's must be >= 1'),
                                      ((5, 3, 0, 1, 0), 'd must be >= 1'), ((2, 5), 'larger than the padded')])
def test_conv_out_size_rejects_bad_input(bad, msg):
    with pytest.raises(ValueError, match=msg): conv_out_size(*bad)
    with pytest.raises(TypeError, match='n must be an int'): conv_out_size(5.0, 3)


layer_specs = st.lists(st.one_of(
    st.tuples(st.just('conv'), st.integers(1, 5), st.integers(1, 2), st.integers(0, 2)),
    st.tuples(st.just('pool'), st.integers(2, 3), st.integers(1, 3), st.just(0))), min_size=1, max_size=5)


def _modules(specs):
    mods = []
    for kind, k, s, p in specs:
        mods += [nn.Conv2d(2, 2, k, s, p), nn.ReLU()] if kind == 'conv' else [nn.MaxPool2d(k, s, p)]
    return nn.Sequential(*mods)


@FAST
@given(specs=layer_specs)
def test_receptive_field_matches_autograd_and_shapes(specs):
    size = 96
    model = _modules(specs)
    try: table = receptive_field(model, size)
    except ValueError: return                      # the stack shrinks the input away: nothing to compare
    measured = autograd_rf(model, size)
    left = 0                                       # first input column seen by output pixel 0 of each layer
    for (_, row), (_, prev), got in zip(table.iloc[1:].iterrows(), table.iloc[:-1].iterrows(), measured):
        left -= row.p * prev.jump
        start = left + (row['size'] // 2) * row.jump   # window of the central pixel, which autograd_rf measures
        if 0 <= start and start + row.rf <= size: assert got == row.rf
        else: assert got <= row.rf                 # the window hangs over the border (padding)
    x, sizes = torch.zeros(1, 2, size, size), []
    for m in model:
        x = m(x)
        if not isinstance(m, nn.ReLU): sizes.append(x.shape[-1])
    assert table['size'].iloc[1:].tolist() == sizes
    j = 1
    for (_, row), spec in zip(table.iloc[1:].iterrows(), specs):   # the jump is the product of strides
        j *= spec[2]
        assert row.jump == j


def test_receptive_field_tuples_equal_modules():
    mods = nn.Sequential(nn.Conv2d(1, 4, 5, 2, 2), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 4, 3, padding='same', dilation=2), nn.AvgPool2d(3, 2, 1), nn.AdaptiveAvgPool2d(1))
    tuples = [('conv', 5, 2, 2), ('pool', 2), ('conv', 5, 1, 2), ('pool', 3, 2, 1)]
    a, b = receptive_field(mods, 40), receptive_field(tuples, 40)
    assert a[['size', 'jump', 'rf']].iloc[:-1].values.tolist() == b[['size', 'jump', 'rf']].values.tolist()
    assert a.kind.iloc[-1] == 'global pool' and a['size'].iloc[-1] == 1


def test_receptive_field_worked_example():
    "The stride-2 net of the lesson: jumps 2, 4, 8, 16 and RFs 3, 7, 15, 31 (r_out = r_in + (k-1) j_in)."
    t = receptive_field([('conv', 3, 2, 1)] * 4, 28)
    assert t.jump.tolist() == [1, 2, 4, 8, 16] and t.rf.tolist() == [1, 3, 7, 15, 31] and t['size'].tolist() == [28, 14, 7, 4, 2]


@pytest.mark.parametrize('layers, msg', [([nn.Linear(3, 3)], 'unknown layer kind Linear'),
                                         ([('dense', 3)], "unknown layer kind 'dense'"),
                                         ([('conv', 3, 1, 0, 9)], 'a tuple spec is'),
                                         ([nn.Conv2d(1, 1, (1, 3))], 'not square'),
                                         ([nn.AdaptiveAvgPool2d(2)], 'output_size=1'),
                                         ([nn.Conv2d(1, 1, 2, padding='same')], 'pads unevenly'),
                                         ([('conv', 3)] * 20, 'larger than the padded input')])
def test_receptive_field_rejects_bad_layers(layers, msg):
    with pytest.raises(ValueError, match=msg): receptive_field(layers, 28)


@FAST
@given(g=gens, n=st.integers(1, 8), c=st.integers(1, 12), scale=st.sampled_from([1.0, 30.0, 1000.0]))
def test_softmax_family_matches_torch(g, n, c, scale):
    x = torch.randn(n, c, generator=g) * scale
    t = torch.randint(0, c, (n,), generator=g)
    torch.testing.assert_close(softmax(x), torch.softmax(x, -1))
    torch.testing.assert_close(logsumexp(x), torch.logsumexp(x, -1))
    torch.testing.assert_close(log_softmax(x), F.log_softmax(x, -1))
    torch.testing.assert_close(nll_loss(log_softmax(x), t), F.nll_loss(F.log_softmax(x, -1), t))
    torch.testing.assert_close(cross_entropy(x, t), F.cross_entropy(x, t))
    assert torch.isfinite(log_softmax(x)).all() and torch.isfinite(cross_entropy(x, t))
    torch.testing.assert_close(softmax(x, 0), torch.softmax(x, 0))


def test_cross_entropy_gradient_matches_torch():
    x = (torch.randn(6, 5) * 50).requires_grad_()
    t = torch.tensor([0, 1, 2, 3, 4, 0])
    cross_entropy(x, t).backward()
    g = x.grad.clone(); x.grad = None
    F.cross_entropy(x, t).backward()
    torch.testing.assert_close(g, x.grad)


def test_logsumexp_keepdim_and_minus_inf():
    x = torch.tensor([[0., float('-inf')], [float('-inf'), float('-inf')]])
    torch.testing.assert_close(logsumexp(x, keepdim=True), torch.logsumexp(x, -1, keepdim=True))


@FAST
@given(g=gens, n=st.integers(1, 20), c=st.integers(1, 6))
def test_accuracy_is_share_of_argmax_hits(g, n, c):
    x, t = torch.randn(n, c, generator=g), torch.randint(0, c, (n,), generator=g)
    assert accuracy(x, t) == pytest.approx(sum(int(x[i].argmax() == t[i]) for i in range(n)) / n)


def test_count_params():
    assert count_params(nn.Conv2d(3, 8, 3)) == 3 * 8 * 9 + 8


def test_simple_cnn_contract():
    sig = inspect.signature(simple_cnn)
    assert list(sig.parameters)[:3] == ['n_out', 'channels', 'in_ch']
    assert (sig.parameters['n_out'].default, sig.parameters['channels'].default, sig.parameters['in_ch'].default) == (10, (8, 16, 32, 64), 1)
    m = simple_cnn(3, (4, 8, 16), in_ch=3)
    assert isinstance(m, nn.Sequential) and isinstance(m[-1], nn.Linear)
    assert (m[-1].in_features, m[-1].out_features) == (16, 3)
    assert isinstance(m[-3], nn.AdaptiveAvgPool2d) and isinstance(m[-2], nn.Flatten)
    convs = [l for l in m.modules() if isinstance(l, nn.Conv2d)]
    assert [c.stride for c in convs] == [(2, 2)] * 3
    for size in (28, 32, 64): assert m(torch.randn(2, 3, size, size)).shape == (2, 3)


def test_conv2d_names_bad_stride_and_padding():
    x, w = torch.randn(1, 1, 5, 5), torch.randn(1, 1, 3, 3)
    with pytest.raises(ValueError, match='padding must be >= 0'): conv2d(x, w, padding=-1)
    with pytest.raises(TypeError, match='stride must be an int'): conv2d(x, w, stride=2.0)


def test_receptive_field_names_rows_and_heatmaps_match_formula():
    model = simple_cnn(10, (4, 8, 16))
    t = receptive_field(model[:-2], 28)
    assert list(t.index) == ['input', 'conv1', 'conv2', 'conv3', 'gap'] and t.module.tolist() == ['', '0.0', '1.0', '2.0', '3']
    layers = [nn.Conv2d(1, 1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(1, 1, 5, stride=2, padding=2), nn.AvgPool2d(3, 1, 1)]
    t = receptive_field(layers, 64)
    assert list(t.index) == ['input', 'conv1', 'pool1', 'conv2', 'pool2']
    maps = rf_heatmaps(layers, 64)
    assert len(maps) == 4 and all(m.shape == (64, 64) for m in maps)
    for m, rf in zip(maps, t.rf.iloc[1:]):
        rows, cols = m.nonzero(as_tuple=True)
        assert int(rows.max() - rows.min() + 1) == int(cols.max() - cols.min() + 1) == rf
        assert m.max() == m[rows.min():rows.max() + 1, cols.min():cols.max() + 1].max()   # brightest inside the field
    assert autograd_rf(layers, 64) == t.rf.iloc[1:].tolist()


def test_accuracy_is_a_tensor_on_the_logits_device():
    logits, y = torch.tensor([[2., 1.], [0., 3.], [1., 0.]]), torch.tensor([0, 1, 1])
    a = accuracy(logits, y)
    assert isinstance(a, torch.Tensor) and a.ndim == 0 and a.item() == pytest.approx(2 / 3)


@pytest.fixture
def tiny_mnist(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (('training', 6), ('testing', 3)):
        for d in range(10):
            (tmp_path / split / str(d)).mkdir(parents=True)
            for i in range(n):
                Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(tmp_path / split / str(d) / f'{i}.png')
    return tmp_path


def test_digit_loaders_layout_and_options(tiny_mnist):
    train_dl, valid_dl = digit_loaders(tiny_mnist, 16)
    assert len(train_dl.dataset) == 60 and len(valid_dl.dataset) == 30 and len(train_dl) == 4
    xb, yb = next(iter(train_dl))
    assert xb.shape == (16, 1, 28, 28) and xb.dtype == torch.float32 and yb.dtype == torch.int64
    assert 0 <= xb.min() and xb.max() <= 1
    assert sorted(torch.cat([b[1] for b in train_dl]).tolist()) == sorted(list(range(10)) * 6)
    tr, va = digit_loaders(tiny_mnist, 4, n_train=5, classes=['7', 2], n_valid=4, seed=3)
    assert len(tr.dataset) == 5 and len(va.dataset) == 4
    assert set(tr.dataset.tensors[1].tolist()) <= {0, 1}
    tr2, _ = digit_loaders(tiny_mnist, 4, n_train=5, classes=['7', 2], seed=3)
    assert torch.equal(tr.dataset.tensors[0], tr2.dataset.tensors[0])


def test_digit_loaders_errors(tiny_mnist):
    with pytest.raises(ValueError, match='bs must be >= 1'): digit_loaders(tiny_mnist, 0)
    with pytest.raises(ValueError, match='n_valid must be >= 1'): digit_loaders(tiny_mnist, 4, n_valid=0)
    with pytest.raises(ValueError, match='classes is empty'): digit_loaders(tiny_mnist, 4, classes=[])
    with pytest.raises(FileNotFoundError, match="no 'training' folder"): digit_loaders(tiny_mnist / 'training', 4)
    with pytest.raises(FileNotFoundError, match='does not exist'): digit_loaders(tiny_mnist, 4, classes=['x'])


def test_digit_loaders_stratified_draw(tiny_mnist):
    tr, va = digit_loaders(tiny_mnist, 4, classes=['7', 2, 5], per_class=3, seed=5)
    assert torch.bincount(tr.dataset.tensors[1]).tolist() == [3, 3, 3] and len(va.dataset) == 9
    tr2, _ = digit_loaders(tiny_mnist, 4, classes=['7', 2, 5], per_class=3, seed=5)
    assert torch.equal(tr.dataset.tensors[0], tr2.dataset.tensors[0])          # same seed, same draw
    with pytest.raises(ValueError, match="digit '1' has only 6"): digit_loaders(tiny_mnist, 4, classes=[1, 2], per_class=7)
    with pytest.raises(ValueError, match='n_train or per_class'): digit_loaders(tiny_mnist, 4, n_train=3, per_class=1)
    with pytest.raises(ValueError, match='per_class must be >= 1'): digit_loaders(tiny_mnist, 4, per_class=0)
