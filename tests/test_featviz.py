"Property and CLI tests for course_lib.featviz (small, CPU-only, offline)."
import math
import warnings

import pytest
import torch
import torchvision
import torchvision.transforms.v2.functional as TF
from hypothesis import given, settings, strategies as st
from torch import nn

from course_lib.core import n_hooks
from course_lib.cli import featviz_cli
from course_lib.featviz import (FilterViz, feature_body, filter_grid, gaussian_blur, parse_channels,
                                visualize_filter, visualize_filters)

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


@pytest.mark.parametrize('bad', ['', ' ', '1-', '-1', 'x', '1,,2', '5-2', '1.5', None])
def test_parse_channels_rejects(bad):
    with pytest.raises(ValueError, match='channels'): parse_channels(bad)


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
