"Parity, property and command-line tests for course_lib.style that would clutter lesson 10."
import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision
from hypothesis import given, settings, strategies as st
from PIL import Image
from torch import nn

import course_lib.style as style_mod
from course_lib.core import hook_outputs, n_hooks
from course_lib.cli import style_cli
from course_lib.core import save_atomic
from course_lib.datasets import IMAGENET_MEAN, IMAGENET_STD
from course_lib.style import (CONTENT_LAYERS, STYLE_LAYERS, FeatureExtractor, balanced_weights,
                              content_loss, loss_scales, style_losses, style_targets,
                              gram, load_image, min_input_side, postprocess, preprocess, style_loss, synthesize,
                              tv_loss, vgg_layer_names)

# VGG-19's `features` layout with 4 channels everywhere: same layer indices, a tiny fraction of the cost.
_TINY_CFG = [4, 4, 'M', 4, 4, 'M', 4, 4, 4, 4, 'M', 4, 4, 4, 4, 'M', 4, 4, 4, 4, 'M']


class _TinyVGG(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.features = torchvision.models.vgg.make_layers(_TINY_CFG)
        self.weights_name = None


@pytest.fixture
def tiny_extractor():
    return FeatureExtractor(_TinyVGG().features, STYLE_LAYERS + CONTENT_LAYERS)


def _img(h, w, seed=0, mode='RGB'):
    arr = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return Image.fromarray(arr).convert(mode)


# ---------------------------------------------------------------- pre/post-processing

@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), seed=st.integers(0, 1000))
def test_round_trip_is_exact(h, w, seed):
    img = _img(h, w, seed)
    x = preprocess(img, None)
    assert x.shape == (1, 3, h, w) and x.dtype == torch.float32
    assert np.array_equal(np.asarray(postprocess(x)), np.asarray(img))
    assert np.array_equal(np.asarray(postprocess(x[0])), np.asarray(img))


def test_normalization_matches_torchvision():
    img = _img(9, 13)
    ref = torchvision.transforms.functional.normalize(torchvision.transforms.functional.to_tensor(img),
                                                      list(IMAGENET_MEAN), list(IMAGENET_STD))
    torch.testing.assert_close(preprocess(img, None)[0], ref)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(2, 60), w=st.integers(2, 60), size=st.integers(1, 50))
def test_int_size_is_shorter_side(h, w, size):
    H, W = preprocess(_img(h, w), size).shape[-2:]
    assert min(H, W) == size
    if h != w: assert (H < W) == (h < w) or H == W


@pytest.mark.parametrize('mode', ['L', 'RGBA', 'LA', 'P', 'CMYK', '1'])
def test_any_8_bit_mode_becomes_rgb(mode):
    assert preprocess(_img(6, 5).convert(mode), None).shape == (1, 3, 6, 5)


@pytest.mark.parametrize('mode', ['I;16', 'I', 'F'])
def test_deeper_modes_are_refused_not_clipped(mode):
    "convert('RGB') would clip 16/32-bit values to 255: a mostly white picture, silently."
    with pytest.raises(ValueError, match=f"'{mode}' image"): preprocess(Image.new(mode, (5, 6), 300), None)


def test_transparent_pixels_become_white():
    img = Image.new('RGBA', (3, 2), (10, 20, 30, 0))
    assert np.array_equal(np.asarray(postprocess(preprocess(img, None))), np.full((2, 3, 3), 255, np.uint8))


def test_postprocess_clamps():
    x = torch.tensor([-100., 100., 0.]).view(1, 3, 1, 1)
    out = np.asarray(postprocess(x))[0, 0]
    assert out[0] == 0 and out[1] == 255 and out[2] == round(0.406 * 255)


# ---------------------------------------------------------------- losses

@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 6), h=st.integers(1, 5), w=st.integers(1, 5), seed=st.integers(0, 99))
def test_gram_matches_einsum_and_is_psd(n, c, h, w, seed):
    x = torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed))
    g = gram(x)
    torch.testing.assert_close(g, torch.einsum('nchw,ndhw->ncd', x, x) / (c * h * w))
    assert torch.linalg.eigvalsh(g.double()).min() > -1e-6


def test_gram_invariant_to_tiling():
    "Repeating the picture 2x2 repeats every channel product 4 times; the c*h*w normalisation cancels it."
    x = torch.randn(1, 5, 4, 3)
    torch.testing.assert_close(gram(x.repeat(1, 1, 2, 2)), gram(x))


def test_content_and_style_loss_match_mse():
    a, b = torch.randn(1, 4, 5, 6), torch.randn(1, 4, 5, 6)
    torch.testing.assert_close(content_loss(a, b), F.mse_loss(a, b))
    torch.testing.assert_close(style_loss(a, gram(b)), F.mse_loss(gram(a), gram(b)))


def test_tv_loss_matches_loops():
    x = torch.randn(2, 3, 4, 5)
    v = sum(abs(x[n, c, i + 1, j] - x[n, c, i, j]) for n in range(2) for c in range(3) for i in range(3) for j in range(5)) / (2 * 3 * 3 * 5)
    h = sum(abs(x[n, c, i, j + 1] - x[n, c, i, j]) for n in range(2) for c in range(3) for i in range(4) for j in range(4)) / (2 * 3 * 4 * 4)
    torch.testing.assert_close(tv_loss(x), v + h)


def test_losses_reject_bad_shapes():
    with pytest.raises(ValueError, match='same shape'): content_loss(torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError, match='gram_y'): style_loss(torch.zeros(1, 2, 3, 3), torch.zeros(1, 3, 3))
    with pytest.raises(ValueError, match='x must be'): gram(torch.zeros(5))
    with pytest.raises(ValueError, match='h, w >= 2'): tv_loss(torch.zeros(1, 3, 1, 4))


# ---------------------------------------------------------------- feature extraction

layer_st = st.one_of(
    st.tuples(st.just('conv'), st.integers(1, 5), st.integers(1, 2), st.integers(0, 2)),
    st.tuples(st.just('pool'), st.integers(2, 3), st.integers(1, 3), st.just(0)))


@settings(max_examples=40, deadline=None)
@given(spec=st.lists(layer_st, min_size=1, max_size=5))
def test_min_input_side_is_tight(spec):
    mods = []
    for kind, k, s, p in spec:
        p = min(p, k // 2)   # PyTorch requires padding <= half the kernel for pools; keep convs alike
        mods.append(nn.Conv2d(1, 1, k, s, p) if kind == 'conv' else nn.MaxPool2d(k, s, p))
    net = nn.Sequential(*mods)
    m = min_input_side(net)
    assert net(torch.zeros(1, 1, m, m)).shape[-1] >= 1
    if m > 1:
        with pytest.raises(RuntimeError): net(torch.zeros(1, 1, m - 1, m - 1))


def test_vgg19_names_and_min_side():
    feats = torchvision.models.vgg.make_layers(_TINY_CFG)
    names = vgg_layer_names(feats)
    assert [names[i] for i in STYLE_LAYERS] == ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1']
    assert [names[i] for i in CONTENT_LAYERS] == ['conv4_2']
    assert min_input_side(feats[:29]) == 16


def test_extractor_matches_cloned_hooks_and_leaves_model_alone(tiny_extractor):
    model = _TinyVGG()
    ext = FeatureExtractor(model.features, STYLE_LAYERS + CONTENT_LAYERS)
    assert len(ext.body) == 29 and ext.layers == tuple(sorted(STYLE_LAYERS + CONTENT_LAYERS))
    assert all(m.inplace for m in model.features if isinstance(m, nn.ReLU))          # caller's model untouched
    assert all(p.requires_grad for p in model.parameters())
    assert not any(p.requires_grad for p in ext.parameters()) and not ext.training
    x = torch.randn(1, 3, 32, 40)
    out = ext(x)
    with torch.no_grad(), hook_outputs([model.features[i] for i in ext.layers], clone=True) as h:
        model.features(x)
    for j, i in enumerate(ext.layers): torch.testing.assert_close(out[i], h[j])
    assert n_hooks(model) == 0
    assert (out[0] < 0).any()   # pre-ReLU values survived


def test_extractor_rejects_bad_input(tiny_extractor):
    with pytest.raises(ValueError, match='at least 16 px'): tiny_extractor(torch.zeros(1, 3, 16, 15))
    with pytest.raises(ValueError, match=r'\(N,3,H,W\)'): tiny_extractor(torch.zeros(1, 1, 32, 32))
    with pytest.raises(ValueError, match='layers must be indices'): FeatureExtractor(_TinyVGG().features, [-1])
    with pytest.raises(ValueError, match='layers is empty'): FeatureExtractor(_TinyVGG().features, [])
    with pytest.raises(TypeError, match='features must be'): FeatureExtractor(nn.Conv2d(3, 3, 3), [0])


# ---------------------------------------------------------------- synthesis

def test_synthesis_trains_only_the_image_and_lowers_the_loss(tiny_extractor):
    torch.manual_seed(0)
    c, s = preprocess(_img(24, 32, 1), None), preprocess(_img(24, 32, 2), None)
    before = [p.clone() for p in tiny_extractor.parameters()]
    sc = loss_scales(tiny_extractor, c, s)      # this tiny random VGG sees no content difference: weigh style and TV only
    w = dict(content=1.0, style=1 / sc['style'], tv=0.1 / sc['tv'])
    for opt in ('adam', 'lbfgs'):
        img, hist = synthesize(tiny_extractor, c, s, steps=15, content_weight=w['content'], style_weight=w['style'],
                               tv_weight=w['tv'], optimizer=opt, show=False)
        assert len(hist) == 16 and hist[0]['content'] == 0
        assert hist[-1]['total'] < hist[0]['total'] and hist[-1]['style'] < hist[0]['style']
        assert img.shape == c.shape and not img.requires_grad
        assert postprocess(img).size == (32, 24)
    for a, b in zip(before, tiny_extractor.parameters()): assert torch.equal(a, b) and b.grad is None
    torch.testing.assert_close(w['style'] * hist[0]['style'], 10 * w['tv'] * hist[0]['tv'])


def test_lr_schedule_steps_down(tiny_extractor):
    c = preprocess(_img(16, 16), None)
    _, hist = synthesize(tiny_extractor, c, c, steps=6, lr=0.1, lr_step=2, lr_gamma=0.5, show=False)
    assert [round(h['lr'], 6) for h in hist[:6]] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]


def test_synthesis_validates_arguments(tiny_extractor):
    c = preprocess(_img(20, 20), None)
    with pytest.raises(ValueError, match='style image is 8x8'): synthesize(tiny_extractor, c, preprocess(_img(8, 8), None), steps=1)
    with pytest.raises(ValueError, match='content must be'): synthesize(tiny_extractor, c[0], c, steps=1)
    with pytest.raises(ValueError, match='tv_weight'): synthesize(tiny_extractor, c, c, steps=1, tv_weight=-1)
    with pytest.raises(ValueError, match='lr must be'): synthesize(tiny_extractor, c, c, steps=1, lr=0)
    with pytest.raises(ValueError, match='style_layers'): synthesize(tiny_extractor, c, c, steps=1, style_layers=())


def test_history_is_what_the_losses_say(tiny_extractor):
    "Losses are read from the device once at the end; the last entry must equal the losses of the returned image."
    c, s = preprocess(_img(24, 24, 1), None), preprocess(_img(24, 24, 2), None)
    img, hist = synthesize(tiny_extractor, c, s, steps=7, style_weight=3.0, tv_weight=0.5, show=False)
    ls = style_losses(tiny_extractor(img), style_targets(tiny_extractor, c, s))
    last = hist[-1]
    assert [h['step'] for h in hist] == list(range(8))
    for k, v in (('content', ls['content']), ('style', ls['style']), ('tv', tv_loss(img))):
        assert abs(last[k] - v.item()) <= 1e-5 * max(1.0, abs(v.item()))
    assert abs(last['total'] - (last['content'] + 3.0 * last['style'] + 0.5 * last['tv'])) < 1e-5 * last['total']
    assert len(last['style_per_layer']) == len(STYLE_LAYERS)


def test_balanced_weights_measure_each_term_in_its_scale(tiny_extractor):
    c, s = preprocess(_img(32, 32, 1), None), preprocess(_img(40, 40, 2), None)
    cl = (5,)                               # conv2_1: alive in the tiny network (its deep layers output zeros)
    sc = loss_scales(tiny_extractor, c, s, content_layers=cl)
    with torch.no_grad():
        painted = tiny_extractor(F.interpolate(s, size=(32, 32), mode='bilinear', align_corners=False))[5]
        assert abs(sc['content'] - F.mse_loss(painted, tiny_extractor(c)[5]).item()) < 1e-5 * sc['content']
    assert sc['content'] > 0 and abs(sc['tv'] - tv_loss(c).item()) < 1e-6
    w = balanced_weights(tiny_extractor, c, s, style_ratio=2.0, tv_ratio=0.5, content_layers=cl)
    for k, want in (('content', 1.0), ('style', 2.0), ('tv', 0.5)): assert abs(w[k] * sc[k] - want) < 1e-5
    with pytest.raises(ValueError, match='style_ratio must be > 0'): balanced_weights(tiny_extractor, c, s, style_ratio=0)
    # the deep content layer (21) outputs zeros here: no content scale, so no balance
    with pytest.raises(ValueError, match='tv_ratio must be >= 0'): balanced_weights(tiny_extractor, c, s, tv_ratio=-1)
    with pytest.raises(ValueError, match='content loss scale of this pair is 0'): balanced_weights(tiny_extractor, c, s)
    with pytest.raises(TypeError, match='extractor must be a FeatureExtractor'): loss_scales(nn.Identity(), c, s)


def test_noise_start_is_seeded_and_tensor_start_is_used(tiny_extractor):
    c, s = preprocess(Image.new('RGB', (20, 20), (120, 80, 40)), None), preprocess(_img(20, 20, 2), None)   # a flat photo
    a, ha = synthesize(tiny_extractor, c, s, steps=2, init='noise', seed=3, show=False)
    b, hb = synthesize(tiny_extractor, c, s, steps=2, init='noise', seed=3, show=False)
    d, _ = synthesize(tiny_extractor, c, s, steps=2, init='noise', seed=4, show=False)
    assert torch.equal(a, b) and not torch.equal(a, d) and tv_loss(c).item() == 0 < ha[0]['tv']
    x0 = preprocess(_img(20, 20, 5), None)
    _, hx = synthesize(tiny_extractor, c, s, steps=1, init=x0, style_weight=0, tv_weight=1.0, show=False)
    assert abs(hx[0]['tv'] - tv_loss(x0).item()) < 1e-6
    with pytest.raises(ValueError, match='init must be one of'): synthesize(tiny_extractor, c, s, steps=1, init='grey')
    with pytest.raises(ValueError, match="init must be 'content'"): synthesize(tiny_extractor, c, s, steps=1, init=x0[..., :10])


def test_arguments_are_checked_before_any_forward_pass(tiny_extractor):
    c = preprocess(_img(20, 20), None)
    calls = []
    h = tiny_extractor.body[0].register_forward_hook(lambda m, i, o: calls.append(1))
    bad = [dict(style_layer_weights=[1, 2]), dict(style_layer_weights=[1, 1, 1, 1, float('nan')]), dict(lr_gamma=0),
           dict(lr_step=0), dict(optimizer='sgd'), dict(steps=1.5), dict(seed=-1), dict(content_weight=float('inf'))]
    for kw in bad:
        with pytest.raises((ValueError, TypeError)): synthesize(tiny_extractor, c, c, **dict(dict(steps=1, show=False), **kw))
    h.remove()
    assert calls == []


def test_non_finite_loss_is_reported(tiny_extractor):
    c = preprocess(_img(20, 20), None)
    with pytest.raises(FloatingPointError, match='non-finite'):
        synthesize(tiny_extractor, c, c, steps=3, style_weight=float(np.finfo(np.float32).max), tv_weight=float(np.finfo(np.float32).max), show=False)


# ---------------------------------------------------------------- files and command line

def test_load_image_errors(tmp_path):
    with pytest.raises(ValueError, match='CONTENT: file not found'): load_image(tmp_path / 'x.png', 'CONTENT')
    with pytest.raises(ValueError, match='STYLE: not a file'): load_image(tmp_path, 'STYLE')
    (tmp_path / 'bad.jpg').write_bytes(b'\xff\xd8\xff garbage')
    with pytest.raises(ValueError, match='CONTENT: cannot read'): load_image(tmp_path / 'bad.jpg', 'CONTENT')
    _img(5, 7, mode='RGBA').save(tmp_path / 'a.png')
    assert load_image(tmp_path / 'a.png').mode == 'RGB'


class _BrokenImage:
    "Writes half a file, then fails, like a full disk."
    def save(self, path):
        Path(path).write_bytes(b'\x89PNG half')
        raise OSError('No space left on device')


def test_write_atomic_leaves_nothing_half_written(tmp_path):
    out = tmp_path / 'out.png'
    with pytest.raises(OSError): save_atomic(out, _BrokenImage().save)
    assert list(tmp_path.iterdir()) == []
    out.write_bytes(b'old')
    with pytest.raises(OSError): save_atomic(out, _BrokenImage().save)
    assert out.read_bytes() == b'old' and list(tmp_path.iterdir()) == [out]
    save_atomic(out, _img(4, 4).save)
    assert Image.open(out).size == (4, 4) and list(tmp_path.iterdir()) == [out]


_W = ('--content-weight', '1', '--style-weight', '1e3', '--tv-weight', '1')   # the tiny VGG cannot be balanced (no content scale)

def _cli(*argv, weights=True):
    err, out = io.StringIO(), io.StringIO()
    if weights and len(argv) > 1: argv = argv + _W
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        rc = style_cli([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def tiny_vgg(monkeypatch):
    "Make the command line use the tiny VGG-shaped network instead of building VGG-19."
    monkeypatch.setattr(style_mod, 'pretrained', lambda arch, allow_random=False: _TinyVGG())


@pytest.fixture
def files(tmp_path):
    _img(30, 40, 1, 'RGBA').save(tmp_path / 'c.png')
    _img(50, 50, 2, 'L').save(tmp_path / 's.jpg')
    return tmp_path


def test_cli_runs_with_rgba_and_grayscale(files, tiny_vgg):
    out = files / 'out.jpg'
    rc, so, se = _cli(files / 'c.png', files / 's.jpg', '-o', out, '--size', '24x32', '--steps', '3', '--quiet')
    assert rc == 0, se
    assert 'RANDOM VGG-19 weights' in so and 'weights content 1 style 1e+03 tv 1' in so
    assert Image.open(out).size == (32, 24)
    assert sorted(p.name for p in files.iterdir()) == ['c.png', 'out.jpg', 's.jpg']


@pytest.mark.parametrize('args,msg', [
    (['nope.png', 's.jpg'], 'CONTENT: file not found'),
    (['c.png', 'nope.jpg'], 'STYLE: file not found'),
    (['c.png', 'bad.png'], 'STYLE: cannot read'),
    (['c.png', 's.jpg', '--size', '15'], '--size 15'),
    (['c.png', 's.jpg', '--size', '0'], '--size'),
    (['c.png', 's.jpg', '--steps', '0'], '--steps'),
    (['c.png', 's.jpg', '--optimizer', 'sgd'], '--optimizer'),
    (['c.png', 's.jpg', '--device', 'tpu'], '--device'),
])
def test_cli_bad_input(files, tiny_vgg, args, msg):
    (files / 'bad.png').write_text('not an image')
    rc, _, se = _cli(*[files / a if a.endswith(('.png', '.jpg')) else a for a in args], '-o', files / 'o.png')
    assert rc == 2 and msg in se, se
    assert not (files / 'o.png').exists()


def test_cli_output_checks(files, tiny_vgg):
    rc, _, se = _cli(files / 'c.png', files / 's.jpg', '-o', files / 'no' / 'o.png')
    assert rc == 2 and '--output: folder' in se
    rc, _, se = _cli(files / 'c.png', files / 's.jpg', '-o', files / 'o.txt')
    assert rc == 2 and '--output: unknown image extension' in se


def test_cli_failure_keeps_old_output(files, tiny_vgg, monkeypatch):
    out = files / 'o.png'
    out.write_bytes(b'old')
    def boom(*a, **k): raise FloatingPointError('loss became nan at step 0; try a smaller lr')
    monkeypatch.setattr(style_mod, 'synthesize', boom)
    rc, _, se = _cli(files / 'c.png', files / 's.jpg', '-o', out, '--size', '20', '--quiet')
    assert rc == 1 and 'smaller lr' in se
    assert out.read_bytes() == b'old' and sorted(p.name for p in files.iterdir()) == ['c.png', 'o.png', 's.jpg']


def test_cli_refuses_random_weights_unless_allowed(files, monkeypatch):
    cached = Path(torch.hub.get_dir()) / 'checkpoints' / Path(torchvision.models.VGG19_Weights.DEFAULT.url).name
    if cached.exists(): pytest.skip('pretrained VGG-19 weights are cached here')
    monkeypatch.setenv('COURSE_OFFLINE', '1')
    rc, _, se = _cli(files / 'c.png', files / 's.jpg', '-o', files / 'o.png', '--size', '20', '--steps', '1')
    assert rc == 1 and '--allow-random' in se
    assert not (files / 'o.png').exists()


def test_cli_says_when_weights_cannot_be_balanced(files, tiny_vgg):
    rc, _, se = _cli(files / 'c.png', files / 's.jpg', '-o', files / 'o.png', '--size', '20', '--quiet', weights=False)
    assert rc == 1 and 'cannot balance the loss weights' in se and '--content-weight' in se
    assert not (files / 'o.png').exists()
    rc, _, se = _cli(files / 'c.png', files / 's.jpg', '-o', files / 'o.png', '--style-ratio', '0')
    assert rc == 2 and '--style-ratio must be > 0' in se


def test_cli_help():
    rc, so, _ = _cli('--help')
    assert rc == 0 and 'course-lib style' in so and '--style-weight' in so
