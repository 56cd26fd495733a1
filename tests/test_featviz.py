"Property and CLI tests for course_lib.featviz (small, CPU-only, offline)."
import math
import warnings

import numpy as np

import pytest
import torch
import torchvision
import torchvision.transforms.v2.functional as TF
from hypothesis import given, settings, strategies as st
from torch import nn

from course_lib.core import n_hooks
from course_lib.cli import featviz_cli
from course_lib.featviz import (FilterViz, ImageParam, _layer_plan, _upto, affine, diversity_loss, feature_body,
                                fft_freqs, filter_grid, gaussian_blur, parse_channels, photo_colour_sqrt, render,
                                visualize_filter, visualize_filters)
from torchvision.transforms import InterpolationMode

TINY = dict(size=12, upscales=2, steps=4, show=False)


def tiny_net(in_ch=3):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(in_ch, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.Sequential(nn.Conv2d(8, 6, 3, stride=2, padding=1), nn.ReLU()),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 4))


class Boom(nn.Module):
    "Raises on its `n`-th call."
    def __init__(self, n): super().__init__(); self.n, self.calls = n, 0
    def forward(self, x):
        self.calls += 1
        if self.calls >= self.n: raise RuntimeError('boom')
        return x


# --- parse_channels -------------------------------------------------------------------------------------------
@given(st.lists(st.integers(0, 300), min_size=1, max_size=20))
def test_parse_channels_lists_round_trip(chans):
    assert parse_channels(','.join(map(str, chans))) == list(dict.fromkeys(chans))


@given(st.integers(0, 200), st.integers(0, 50))
def test_parse_channels_ranges(lo, n):
    assert parse_channels(f'{lo}-{lo + n}') == list(range(lo, lo + n + 1))


@pytest.mark.parametrize('bad', ['', ' ', '1-', '-1', 'x', '1,,2', '5-2', '1.5'])
def test_parse_channels_rejects(bad):
    with pytest.raises(ValueError, match='channels'): parse_channels(bad)


@pytest.mark.parametrize('bad', [None, 5, ['0-3']])
def test_parse_channels_wants_a_string(bad):
    with pytest.raises(TypeError, match='channels must be a string'): parse_channels(bad)


def test_parse_channels_refuses_huge_ranges_quickly():
    import time
    t = time.perf_counter()
    with pytest.raises(ValueError, match='more than max_count=10000'): parse_channels('0-999999999999')
    assert parse_channels('0-9999') == list(range(10000))                 # the largest allowed list, built in linear time
    assert time.perf_counter() - t < 2


# --- gaussian_blur ----------------------------------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(st.floats(0.3, 2.5), st.integers(6, 20), st.integers(6, 20))
def test_blur_matches_torchvision(sigma, h, w):
    if max(1, math.ceil(2 * sigma)) >= min(h, w): return
    x = torch.rand(2, 3, h, w, generator=torch.Generator().manual_seed(h * 31 + w))
    ks = 2 * max(1, math.ceil(2 * sigma)) + 1
    torch.testing.assert_close(gaussian_blur(x, sigma), TF.gaussian_blur(x, [ks, ks], [sigma, sigma]), atol=1e-5, rtol=0)


# --- feature_body -----------------------------------------------------------------------------------------------
def test_feature_body_strips_head_and_keeps_names():
    body = feature_body(torchvision.models.resnet18())
    assert [n for n, _ in body.named_children()][-2:] == ['layer3', 'layer4']
    b = feature_body(tiny_net())
    assert len(b) == 4 and not any(isinstance(m, (nn.Linear, nn.Flatten)) for m in b)
    with torch.device('meta'): vgg = torchvision.models.vgg11()     # structure only, no weights allocated
    assert [n for n, _ in feature_body(vgg).named_children()] == ['features']


# --- visualize_filters ------------------------------------------------------------------------------------------
def test_activation_rises_image_valid_hooks_gone():
    net = tiny_net()
    net.train()
    res = visualize_filters(net, '3', [0, 1, 2], **TINY)
    assert isinstance(res, FilterViz)
    n_steps = TINY['steps'] * (TINY['upscales'] + 1)
    assert res.history.shape == (n_steps + 1, 3)
    alive = res.history[0] > 0
    assert alive.any() and (res.history[-1][alive] > res.history[0][alive]).all()
    assert res.image.min() >= 0 and res.image.max() <= 1
    assert res.image.shape == (3, 3, 17, 17)      # 12 -> 14 -> 17
    assert n_hooks(net) == 0 and net.training     # mode restored
    assert all(p.grad is None for p in net.parameters())


def test_batch_equals_single():
    net = tiny_net().eval()
    kw = dict(TINY, jitter=1)
    b = visualize_filters(net, '0', [5, 2], **kw)
    s = visualize_filter(net, '0', 2, **kw)
    torch.testing.assert_close(b.image[1], s.image, atol=1e-4, rtol=0)
    torch.testing.assert_close(b.history[:, 1], s.history, atol=1e-4, rtol=0)


def test_linear_output_and_module_layer_and_grey_input():
    net = tiny_net(in_ch=1)
    res = visualize_filter(net, net[6], 3, **TINY)       # class score of the linear head, layer given as a module
    assert res.image.shape[0] == 1 and res.history[-1] > res.history[0]


def test_non_sequential_model():
    m = torchvision.models.resnet18()
    res = visualize_filter(m, 'layer1.0', 1, size=16, upscales=1, steps=2, show=False)
    assert res.image.shape == (3, 19, 19) and n_hooks(m) == 0


def test_hooks_removed_after_exception():
    net = tiny_net()
    net.insert(1, Boom(3))                 # raises on the 3rd forward; the old block '3' is now '4'
    net.train()
    with pytest.raises(RuntimeError, match='boom'): visualize_filters(net, '4', [0], **TINY)
    assert n_hooks(net) == 0 and net.training


@pytest.mark.parametrize('kw,msg', [
    (dict(layer='nope'), "layer 'nope'"), (dict(layer=nn.ReLU()), 'not a submodule'), (dict(layer=3), 'layer must be'),
    (dict(channels=[6]), 'channel 6 is out of range'), (dict(channels=[-1]), 'channel -1'), (dict(channels=[]), 'channels is empty'),
    (dict(channels=[1.0]), 'channels must hold ints'), (dict(size=0), 'size'), (dict(steps=0), 'steps'),
    (dict(upscales=-1), 'upscales'), (dict(scale=0.9), 'scale'), (dict(lr=-1.0), 'lr'), (dict(lr=float('nan')), 'lr'),
    (dict(blur=-1.0), 'blur'), (dict(jitter=-1), 'jitter'), (dict(start=(0.9, 0.1)), 'start'),
    (dict(mean=[0.5, 0.5]), 'mean must have 3 values'), (dict(std=[0.0, 1.0, 1.0]), 'std must be positive'),
])
def test_bad_input_names_argument(kw, msg):
    net = tiny_net()
    args = dict(layer='3', channels=[0]); args.update(kw)
    with pytest.raises((ValueError, TypeError), match=msg.replace('(', r'\(')):
        visualize_filters(net, args.pop('layer'), args.pop('channels'), **dict(TINY, **args))
    assert n_hooks(net) == 0


def test_checks_come_before_any_real_forward_pass():
    "Out-of-range channels and oversized requests are refused from a meta-device plan: the model never sees real data."
    body = feature_body(torchvision.models.resnet18()).eval()
    seen = []
    body.layer1.register_forward_hook(lambda m, i, o: seen.append(o.device.type))
    with pytest.raises(ValueError, match="channel 64 is out of range: layer 'layer1' has 64 channels"):
        visualize_filters(body, 'layer1', [0, 64], **TINY)
    with pytest.raises(ValueError, match='need about'):
        visualize_filters(body, 'layer4', list(range(512)), size=224, upscales=3, steps=1, show=False)
    with pytest.raises(ValueError, match='need about'):
        render(body, 'layer4', list(range(512)), size=512, steps=1, show=False)
    assert seen and set(seen) == {'meta'}


@pytest.mark.parametrize('arch,layer', [('resnet18', 'layer2'), ('vgg11', 'features'), ('mobilenet_v3_small', 'features.3')])
def test_meta_plan_matches_a_real_pass(arch, layer):
    "Shapes and activation counts from the meta device equal a real pass; the same layer may be asked for twice."
    body = feature_body(torchvision.models.get_model(arch)).eval()
    net, target = _upto(body, layer), dict(body.named_modules())[layer]
    counted, out = [], []
    hooks = [m.register_forward_hook(lambda m, i, o: counted.append(o.numel())) for m in net.modules() if not list(m.children())]
    hooks.append(target.register_forward_hook(lambda m, i, o: out.append(tuple(o.shape))))
    with torch.no_grad(): net(torch.rand(1, 3, 40, 40))
    for h in hooks: h.remove()
    (shape, again), n = _layer_plan(net, [target, target], 3, 40)
    assert shape == again == out[0] and n == sum(counted)


def test_max_gb_argument():
    with pytest.raises(ValueError, match='max_gb must be > 0'): visualize_filters(tiny_net(), '3', [0], max_gb=0, **TINY)
    with pytest.raises(ValueError, match='need about'): visualize_filters(tiny_net(), '3', [0], max_gb=1e-9, **TINY)


def test_filter_grid_checks_ncols_first():
    with pytest.raises(ValueError, match='ncols must be >= 1'): filter_grid(tiny_net(), '3', [0], ncols=0, **TINY)


def test_filter_grid_figure():
    import matplotlib.pyplot as plt
    fig, res = filter_grid(tiny_net(), '3', [0, 1, 2], ncols=3, **TINY)
    assert len([ax for ax in fig.axes if ax.images]) == 3 and res.image.shape[0] == 3
    plt.close(fig)


# --- command line -----------------------------------------------------------------------------------------------
ARGS = ['--arch', 'resnet18', '--layer', 'layer1', '--channels', '0,3', '--size', '16', '--upscales', '1',
        '--steps', '2', '--quiet']


def test_cli_writes_png(tmp_path, capsys):
    out = tmp_path / 'grid.png'
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert featviz_cli(ARGS + ['--allow-random', '-o', str(out)]) == 0
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert [p.name for p in tmp_path.iterdir()] == ['grid.png']       # no temporary file left behind
    cap = capsys.readouterr()
    assert 'RANDOM' in cap.err and 'wrote' in cap.out and 's/step' in cap.out


def test_cli_failure_leaves_existing_file(tmp_path, capsys):
    out = tmp_path / 'grid.png'
    out.write_bytes(b'old')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        assert featviz_cli(ARGS + ['--allow-random', '--layer', 'layer9', '-o', str(out)]) == 2
    assert out.read_bytes() == b'old' and len(list(tmp_path.iterdir())) == 1
    assert "layer 'layer9'" in capsys.readouterr().err


@pytest.mark.parametrize('extra,code,msg', [
    (['--channels', '4-1'], 2, '--channels'), (['--steps', '0'], 2, '--steps'), (['--size', '0'], 2, '--size'),
    (['--upscales', '-2'], 2, '--upscales'), (['--arch', 'nonet', '--allow-random'], 2, 'arch'),
    (['--steps', 'many'], 2, '--steps'),
])
def test_cli_bad_arguments(tmp_path, capsys, extra, code, msg):
    assert featviz_cli(ARGS + extra + ['-o', str(tmp_path / 'g.png')]) == code
    assert msg in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_cli_output_checks_and_offline(tmp_path, capsys):
    assert featviz_cli(ARGS + ['-o', str(tmp_path / 'no' / 'g.png')]) == 2
    assert featviz_cli(ARGS + ['-o', str(tmp_path / 'g.xyz')]) == 2
    assert featviz_cli(ARGS + ['-o', str(tmp_path / 'g.png')]) == 1        # offline, no --allow-random
    err = capsys.readouterr().err
    assert 'does not exist' in err and 'extension' in err and '--allow-random' in err
    assert featviz_cli(['--help']) == 0


# --- Lucent's parameterisation, transforms, diversity and render -------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.sampled_from([1, 3]), st.integers(2, 24), st.integers(2, 24), st.booleans(), st.booleans())
def test_image_param_round_trip(n, c, h, w, fourier, colour):
    img = 0.02 + 0.96 * torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(h * 31 + w))
    M = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.0, -0.05], [0.27, -0.09, 0.03]]) if (colour and c == 3) else None
    p = ImageParam(n, c, h, w, fourier=fourier, colour=M).set_image(img)
    torch.testing.assert_close(p(), img, atol=1e-4, rtol=0)


def test_fourier_param_matches_torch_fft():
    p = ImageParam(2, 3, 10, 13, seed=3)
    spec = torch.view_as_complex(p.spectrum.detach())
    ref = np.fft.irfft2((spec * p.scale).numpy(), s=(10, 13), norm='ortho')            # numpy's inverse FFT as the reference
    np.testing.assert_allclose(p.raw().detach().numpy(), ref, atol=1e-6)
    raw = p.raw().detach()                 # a random spectrum is not Hermitian everywhere: irfft2 projects it onto real images
    torch.testing.assert_close(torch.fft.irfft2(torch.fft.rfft2(raw, norm='ortho'), s=(10, 13), norm='ortho'), raw, atol=1e-5, rtol=0)
    f = fft_freqs(10, 13)
    assert f.shape == (10, 7) and f[0, 0] == 0 and torch.isclose(f.max(), torch.tensor((0.5 ** 2 + (6 / 13) ** 2) ** 0.5))


def test_image_param_bad_input():
    with pytest.raises(ValueError, match='colour must be a 3x3'): ImageParam(1, 3, 8, colour=torch.eye(2))
    with pytest.raises(TypeError, match='n must be an int'): ImageParam(1.0, 3, 8)
    with pytest.raises(ValueError, match='decay must be >= 0'): ImageParam(1, 3, 8, decay=-1)


def test_photo_colour_sqrt_whitens():
    g = torch.Generator().manual_seed(0)
    mix = torch.tensor([[1.0, 0.5, 0.2], [0.3, 1.0, 0.4], [0.1, 0.6, 1.0]])
    px = (mix @ torch.rand(3, 2000, generator=g)).view(3, 40, 50)
    M = photo_colour_sqrt([px])
    flat = px.reshape(3, -1)
    torch.testing.assert_close(M @ M.T, torch.cov(flat), atol=1e-5, rtol=1e-4)
    white = torch.linalg.solve(M, flat - flat.mean(1, keepdim=True))
    torch.testing.assert_close(torch.cov(white), torch.eye(3), atol=1e-3, rtol=0)
    with pytest.raises(ValueError, match='photos is empty'): photo_colour_sqrt([])


@settings(max_examples=25, deadline=None)
@given(st.floats(-40, 40), st.floats(0.7, 1.4), st.floats(-4, 4), st.floats(-4, 4), st.integers(5, 20), st.integers(5, 20))
def test_affine_matches_torchvision(angle, scale, dx, dy, h, w):
    x = torch.rand(2, 3, h, w, generator=torch.Generator().manual_seed(h * 100 + w))
    ref = TF.affine(x, angle=angle, translate=[dx, dy], scale=scale, shear=[0.0, 0.0], interpolation=InterpolationMode.BILINEAR)
    torch.testing.assert_close(affine(x, angle, scale, (dx, dy), padding='zeros'), ref, atol=2e-4, rtol=0)


def test_affine_is_differentiable_and_checks_input():
    x = torch.rand(2, 1, 8, 8, requires_grad=True)
    affine(x, torch.tensor([5.0, -5.0]), 1.1, torch.tensor([[1.0, 0.0], [0.0, -1.0]])).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='x must be a'): affine(torch.rand(3, 8, 8))
    with pytest.raises(ValueError, match='scale must be > 0'): affine(torch.rand(1, 1, 8, 8), scale=0.0)
    with pytest.raises(ValueError, match='padding must be one of'): affine(torch.rand(1, 1, 8, 8), padding='wrap')


def test_diversity_loss_hand_worked_and_loop():
    assert torch.isclose(diversity_loss(torch.tensor([[1., 0], [0, 1], [1, 1]]).view(3, 2, 1, 1)), torch.tensor(1 / 3))
    a = torch.rand(5, 4, 3, 2, generator=torch.Generator().manual_seed(1))
    g = [(x.reshape(4, -1) @ x.reshape(4, -1).T).flatten() for x in a]
    g = [v / v.norm() for v in g]
    loop = sum(float(g[i] @ g[j]) for i in range(5) for j in range(5) if i != j) / 20
    assert abs(diversity_loss(a).item() - loop) < 1e-5
    with pytest.raises(ValueError, match='B >= 2'): diversity_loss(a[:1])


def test_render_raises_the_activation_and_leaves_model_alone():
    net = tiny_net(in_ch=1)
    net.train()
    res = render(net, '3.0', [0, 1], size=16, steps=12, padding='zeros', show=False)
    assert res.image.shape == (2, 1, 16, 16) and res.history.shape == (13, 2)
    assert (res.history[-1] > res.history[0]).all() and res.image.min() >= 0 and res.image.max() <= 1
    assert n_hooks(net) == 0 and net.training and all(p.grad is None for p in net.parameters())
    d = render(net, '6', [2, 2, 2], size=16, steps=3, diversity=1.0, diversity_layer='3', show=False)
    assert d.image.shape == (3, 1, 16, 16)


def test_render_colour_and_determinism():
    net = tiny_net()
    M = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.0, -0.05], [0.27, -0.09, 0.03]])
    a = render(net, '0', [1], size=12, steps=4, colour=M, show=False)
    b = render(net, '0', [1], size=12, steps=4, colour=M, show=False)
    torch.testing.assert_close(a.image, b.image)


@pytest.mark.parametrize('kw,msg', [
    (dict(size=1), 'size must be >= 2'), (dict(steps=0), 'steps must be >= 1'), (dict(lr=0.0), 'lr must be > 0'),
    (dict(scale_jitter=1.5), 'scale_jitter must be <= 0.9'), (dict(max_angle=-1.0), 'max_angle must be >= 0'),
    (dict(padding='wrap'), 'padding must be one of'), (dict(diversity=1.0), 'diversity needs a batch of at least 2'),
    (dict(diversity=1.0, channels=[0, 1], layer='6'), "diversity_layer '6' must output"),
    (dict(channels=[9]), 'channel 9 is out of range'), (dict(jitter=-1), 'jitter must be >= 0'),
    (dict(colour=torch.eye(3), in_ch=1), 'colour decorrelation needs 3 channels'),
])
def test_render_bad_input(kw, msg):
    kw = dict(kw)
    net = tiny_net(in_ch=kw.pop('in_ch', 3))
    layer, channels = kw.pop('layer', '3'), kw.pop('channels', [0])
    with pytest.raises((ValueError, TypeError), match=msg):
        render(net, layer, channels, **dict(dict(size=12, steps=2, show=False), **kw))
    assert n_hooks(net) == 0
