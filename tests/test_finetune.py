"Property and edge-case tests for `course_lib.finetune` that would clutter lesson 05."
import math
from collections import OrderedDict

import pytest
import torch
import torchvision
from hypothesis import given, settings, strategies as st
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_lib.cnn import count_params, simple_cnn
from course_lib.finetune import (IMAGENET_MEAN, IMAGENET_STD, compare_runs, denormalize, eval_transforms, find_head,
                                 fine_tune, finetune_learner, finetune_sgd, freeze_body, image_folder_loaders,
                                 param_groups, replace_head, split_params, train_transforms, transfer_model, unfreeze)
from course_lib.learner import DataLoaders, DeviceCB, Learner, OneCycleCB

FAST = settings(max_examples=25, deadline=None)


def _photo(w=96, h=72, seed=0):
    g = torch.Generator().manual_seed(seed)
    return Image.fromarray(torch.randint(0, 256, (h, w, 3), generator=g, dtype=torch.uint8).numpy())


# ---------------------------------------------------------------- augmentation
@FAST
@given(size=st.integers(8, 64), lo=st.floats(0.05, 1.0), seed=st.integers(0, 1000))
def test_train_transforms_shape_and_range(size, lo, seed):
    torch.manual_seed(seed)
    x = train_transforms(size, scale=(lo, 1.0), vflip=0.5)(_photo(seed=seed))
    assert x.shape == (3, size, size) and x.dtype == torch.float32
    torch.manual_seed(seed)                          # the same random draw, without Normalize
    raw = train_transforms(size, scale=(lo, 1.0), vflip=0.5, mean=None, std=None)(_photo(seed=seed))
    assert raw.min() >= 0 and raw.max() <= 1
    torch.testing.assert_close(denormalize(x), raw, atol=1e-5, rtol=0)


@FAST
@given(size=st.integers(8, 64), extra=st.integers(0, 40), seed=st.integers(0, 1000))
def test_eval_transforms_deterministic(size, extra, seed):
    img = _photo(seed=seed)
    tfm = eval_transforms(size, resize=size + extra)
    torch.manual_seed(seed); a = tfm(img)
    torch.manual_seed(seed + 1); b = tfm(img)
    assert a.shape == (3, size, size)
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_normalize_roundtrip():
    img = _photo()
    raw = eval_transforms(32, mean=None, std=None)(img)
    torch.testing.assert_close(denormalize(eval_transforms(32)(img)), raw, atol=1e-5, rtol=0)
    batch = torch.stack([eval_transforms(32)(img)] * 2)
    torch.testing.assert_close(denormalize(batch)[1], raw, atol=1e-5, rtol=0)
    m = torch.tensor(IMAGENET_MEAN)[:, None, None]
    s = torch.tensor(IMAGENET_STD)[:, None, None]
    torch.testing.assert_close(eval_transforms(32)(img), (raw - m) / s, atol=1e-5, rtol=0)


def test_eval_matches_torchvision_preset():
    img = _photo(300, 260)
    preset = torchvision.models.ResNet18_Weights.DEFAULT.transforms()
    torch.testing.assert_close(eval_transforms(224)(img), preset(img), atol=1e-5, rtol=0)


@pytest.mark.parametrize('kwargs,word', [
    (dict(size=0), 'size'), (dict(size=2.5), 'size'), (dict(size=8, scale=(0, 1)), 'scale'),
    (dict(size=8, scale=(0.5,)), 'scale'), (dict(size=8, ratio=(2, 1)), 'ratio'), (dict(size=8, hflip=-0.1), 'hflip'),
    (dict(size=8, vflip=1.5), 'vflip'), (dict(size=8, brightness=-1), 'brightness'), (dict(size=8, hue=0.7), 'hue'),
    (dict(size=8, mean=None), 'mean'), (dict(size=8, std=(0, 1, 1)), 'std')])
def test_train_transforms_bad_input(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        train_transforms(**kwargs)


def test_eval_and_denormalize_bad_input():
    with pytest.raises(ValueError, match='resize'): eval_transforms(64, resize=32)
    with pytest.raises(ValueError, match='x must'): denormalize(torch.rand(28, 28))
    with pytest.raises(ValueError, match='channels'): denormalize(torch.rand(2, 1, 8, 8))


# ---------------------------------------------------------------- head surgery
@FAST
@given(n=st.integers(2, 300), c=st.sampled_from([(4,), (4, 8), (8, 16, 32)]), seed=st.integers(0, 1000))
def test_replace_head_shape_and_xavier_bound(n, c, seed):
    torch.manual_seed(seed)
    m = simple_cnn(10, channels=c)
    replace_head(m, n)
    head = m[-1]
    assert head.weight.shape == (n, c[-1])
    assert torch.equal(head.bias, torch.zeros(n))
    assert head.weight.abs().max() <= math.sqrt(6 / (c[-1] + n))
    assert m(torch.randn(2, 1, 28, 28)).shape == (2, n)


def test_replace_head_keeps_dtype_and_body():
    m = simple_cnn(10).double()
    before = {k: v.clone() for k, v in m.state_dict().items() if not k.startswith(str(len(m) - 1))}
    replace_head(m, 3)
    assert m[-1].weight.dtype == torch.float64
    after = m.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in before.items())


def test_find_head_named_sequentials_and_dropout():
    named = nn.Sequential(OrderedDict(features=nn.Conv2d(3, 4, 3), pool=nn.AdaptiveAvgPool2d(1), flat=nn.Flatten(),
                                      heads=nn.Sequential(OrderedDict(head=nn.Linear(4, 5)))))
    assert find_head(named) == 'heads.head'
    assert replace_head(named, 2).heads.head.out_features == 2

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(3, 4)
            self.classifier = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 6), nn.Dropout(0.2))
        def forward(self, x): return self.classifier(self.body(x))
    net = Net()
    assert find_head(net) == 'classifier.2'
    assert replace_head(net, 2)(torch.randn(5, 3)).shape == (5, 2)


@pytest.mark.parametrize('model', [nn.Sequential(nn.Conv2d(1, 2, 3)), nn.Linear(3, 3), nn.Sequential(),
                                   torchvision.models.squeezenet1_1()])
def test_find_head_fails_clearly(model):
    with pytest.raises(ValueError, match='model: cannot find'):
        find_head(model)


def test_replace_head_bad_n_classes():
    with pytest.raises(ValueError, match='n_classes'): replace_head(simple_cnn(), 1)
    with pytest.raises(ValueError, match='n_classes'): replace_head(simple_cnn(), 0, regression=True)
    with pytest.raises(TypeError, match='n_classes'): replace_head(simple_cnn(), True)
    with pytest.raises(TypeError, match='model'): replace_head('resnet18', 2)
    assert replace_head(simple_cnn(), 1, regression=True)[-1].out_features == 1


def test_transfer_model_offline_and_bad_arch(monkeypatch):
    monkeypatch.setenv('COURSE_OFFLINE', '1')
    monkeypatch.setenv('TORCH_HOME', '/nonexistent-torch-home')   # no cached weights
    from course_lib.datasets import PretrainedUnavailable
    with pytest.raises(PretrainedUnavailable):
        transfer_model('resnet18', 2)
    with pytest.raises(ValueError, match='arch'):
        transfer_model('not_a_net', 2, pretrained_weights=False)
    m = transfer_model('resnet18', 7, pretrained_weights=False)
    assert m.fc.out_features == 7 and m.weights_name is None


# ---------------------------------------------------------------- parameter groups and freezing
MODELS = [lambda: simple_cnn(4), lambda: torchvision.models.resnet18(num_classes=3),
          lambda: torchvision.models.mobilenet_v3_small(num_classes=3)]


@pytest.mark.parametrize('make', MODELS)
def test_split_params_partitions(make):
    m = make()
    body, head = split_params(m)
    ids = [id(p) for p in body + head]
    assert len(ids) == len(set(ids)) == len(list(m.parameters()))
    assert sum(p.numel() for p in head) == count_params(m.get_submodule(find_head(m)))


@FAST
@given(lr=st.floats(1e-6, 1.0), mult=st.floats(0.1, 100.0))
def test_param_groups_rates(lr, mult):
    m = simple_cnn(3)
    groups = param_groups(m, lr, mult)
    assert [g['lr'] for g in groups] == [lr, lr * mult]
    opt = finetune_sgd(m, lr, mult, momentum=0.5, weight_decay=0.01)
    assert [g['lr'] for g in opt.param_groups] == [lr, lr * mult]
    assert all(g['momentum'] == 0.5 and g['weight_decay'] == 0.01 for g in opt.param_groups)


@pytest.mark.parametrize('kwargs,word', [(dict(lr=0), 'lr'), (dict(lr=float('nan')), 'lr'), (dict(lr=True), 'lr'),
                                         (dict(lr=0.1, head_mult=0), 'head_mult'), (dict(lr=0.1, momentum=1), 'momentum'),
                                         (dict(lr=0.1, weight_decay=-1), 'weight_decay'),
                                         (dict(lr=0.1, weight_decay=float('nan')), 'weight_decay'),
                                         (dict(lr=0.1, momentum=float('nan')), 'momentum')])
def test_finetune_sgd_bad_input(kwargs, word):
    with pytest.raises((ValueError, TypeError), match=word):
        finetune_sgd(simple_cnn(3), **kwargs)


def test_finetune_learner_groups_and_one_cycle_peaks():
    torch.manual_seed(0)
    dl = DataLoader(TensorDataset(torch.randn(16, 1, 28, 28), torch.randint(0, 3, (16,))), batch_size=4)
    m = simple_cnn(3)
    learn = finetune_learner(m, DataLoaders(dl, dl), 0.01, head_mult=10, cbs=[DeviceCB('cpu')])
    hist = learn.fit(2)                                      # 8 steps: warm-up ends at step 0.3 * 8 - 1 = 1.4
    assert len(hist) == 2 and math.isfinite(hist[-1]['train_loss']) and 'accuracy' in hist[-1]
    lrs = torch.tensor(learn.cb(OneCycleCB).lrs)
    torch.testing.assert_close(lrs[:, 1] / lrs[:, 0], torch.full((8,), 10.0, dtype=lrs.dtype))
    assert all(g['momentum'] == pytest.approx(0.95) and g['weight_decay'] == 1e-3 for g in learn.opt.param_groups)
    with pytest.raises(ValueError, match='momentum must be < 1'): finetune_learner(m, DataLoaders(dl), 0.1, momentum=1)


@pytest.mark.parametrize('make', MODELS)
def test_freeze_and_unfreeze(make):
    m = make()
    freeze_body(m, train_bn=False)
    head = m.get_submodule(find_head(m))
    assert count_params(m, trainable_only=True) == count_params(head)
    freeze_body(m, train_bn=True)
    norms = sum(count_params(x) for x in m.modules() if isinstance(x, nn.BatchNorm2d))
    assert count_params(m, trainable_only=True) == count_params(head) + norms
    unfreeze(m)
    assert count_params(m, trainable_only=True) == count_params(m)


def test_fine_tune_stages_and_frozen_body():
    torch.manual_seed(0)
    dl = DataLoader(TensorDataset(torch.randn(16, 1, 28, 28), torch.randint(0, 3, (16,))), batch_size=8)
    dls = DataLoaders(dl, dl)
    m = simple_cnn(3)
    conv = m[0][0].weight.detach().clone()
    learn = Learner(m, dls, cbs=[DeviceCB('cpu')])
    hist = fine_tune(learn, epochs=1, base_lr=1e-2, freeze_epochs=2)
    assert [r['stage'] for r in hist] == ['frozen', 'frozen', 'unfrozen'] and [r['epoch'] for r in hist] == [0, 1, 2]
    assert not torch.equal(m[0][0].weight, conv) and learn.param_groups is None
    assert count_params(m, trainable_only=True) == count_params(m)

    m = simple_cnn(3)
    conv = m[0][0].weight.detach().clone()
    freeze_body(m)
    Learner(m, dls, lr=1e-2, cbs=[DeviceCB('cpu'), OneCycleCB()]).fit(1)
    assert torch.equal(m[0][0].weight, conv)        # frozen conv weights do not move
    hist = fine_tune(Learner(simple_cnn(3), dls, cbs=[DeviceCB('cpu')]), epochs=1, freeze_epochs=0)
    assert [r['stage'] for r in hist] == ['unfrozen']
    for bad in (dict(freeze_epochs=-1), dict(base_lr=0), dict(lr_mult=-2)):
        with pytest.raises(ValueError): fine_tune(Learner(simple_cnn(3), dls), 1, **{'base_lr': 1e-3, **bad})
    with pytest.raises(TypeError, match='freeze_epochs must be an int'): fine_tune(Learner(simple_cnn(3), dls), 1, freeze_epochs=1.5)


# ---------------------------------------------------------------- loaders and tables
def _image_tree(root, classes=('a', 'b'), n=3):
    for split in ('train', 'test'):
        for ci, cls in enumerate(classes):
            (root / split / cls).mkdir(parents=True)
            for i in range(n): _photo(40 + 10 * i, 50, seed=ci * 10 + i).save(root / split / cls / f'{i}.png')
    return root


def test_image_folder_loaders(tmp_path):
    root = _image_tree(tmp_path)
    tr, va = image_folder_loaders(root, size=32, bs=4, n_train=4, seed=1)
    assert len(tr.dataset) == 4 and len(va.dataset) == 6
    xb, yb = next(iter(va))
    assert xb.shape == (4, 3, 32, 32) and yb.tolist() == [0, 0, 0, 1]
    x2, _ = next(iter(va))
    torch.testing.assert_close(xb, x2, rtol=0, atol=0)
    a = [y.tolist() for _, y in image_folder_loaders(root, size=32, bs=2, seed=3)[0]]
    b = [y.tolist() for _, y in image_folder_loaders(root, size=32, bs=2, seed=3)[0]]
    assert a == b                                    # same seed, same order


def test_image_folder_loaders_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match='path'): image_folder_loaders(tmp_path)
    root = _image_tree(tmp_path / 'x')
    with pytest.raises(ValueError, match='bs'): image_folder_loaders(root, bs=0)
    with pytest.raises(ValueError, match='n_train'): image_folder_loaders(root, n_train=0)
    (root / 'test' / 'c').mkdir(); _photo().save(root / 'test' / 'c' / '0.png')
    with pytest.raises(ValueError, match='class folders differ'): image_folder_loaders(root)


def test_compare_runs_single_and_several_seeds():
    h = lambda accs: [dict(epoch=i, train_loss=1.0 / (i + 1), valid_loss=1.0, accuracy=a, seconds=1.0) for i, a in enumerate(accs)]
    runs = {'a': h([0.5, 0.7]), 'b': [h([0.2, 0.6]), h([0.3, 0.8]), h([0.1, 0.7])]}
    t = compare_runs(runs)
    assert t.loc['a', ['seeds', 'epochs', 'test_accuracy', 'min', 'max']].tolist() == [1, 2, 0.7, 0.7, 0.7]
    assert math.isnan(t.loc['a', 'sd']) and t.loc['a', 'seconds'] == 2.0 and t.loc['a', 'train_loss'] == 0.5
    assert t.loc['b', 'test_accuracy'] == pytest.approx(0.7) and t.loc['b', 'sd'] == pytest.approx(0.1)
    assert (t.loc['b', 'min'], t.loc['b', 'max']) == (0.6, 0.8)
    with pytest.raises(ValueError, match='runs'): compare_runs({})
    with pytest.raises(ValueError, match='empty history'): compare_runs({'a': []})
    with pytest.raises(ValueError, match='list of per-epoch dicts'): compare_runs({'a': [[]]})


def test_plot_runs_colours_and_bands():
    import matplotlib.pyplot as plt
    from course_lib.finetune import plot_runs
    h = lambda accs: [dict(epoch=i, train_loss=1.0, valid_loss=1.0, accuracy=a, seconds=1.0) for i, a in enumerate(accs)]
    fig = plot_runs({'x': [h([0.1, 0.2]), h([0.3, 0.4])], 'y': h([0.5, 0.6])}, colors={'x': 'tab:green'})
    assert [l.get_color() for l in fig.axes[1].lines][0] == 'tab:green'
    assert len(fig.axes[1].collections) == 1            # a band for the run with two seeds only
    assert list(fig.axes[1].lines[0].get_ydata()) == pytest.approx([0.2, 0.3])
    plt.close(fig)