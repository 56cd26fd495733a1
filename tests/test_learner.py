"Parity and property tests for `course_lib.learner` that would clutter lesson 04."
import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_lib.learner import (EVENTS, CancelBatchException, CancelEpochException, CancelFitException,
                                CancelTrainException, CancelValidException, Callback, ChannelsLastCB, DataLoaders,
                                DeviceCB, HistoryCB, Learner, MetricsCB, MixedPrecisionCB, NonFiniteCB, OneCycleCB,
                                ProgressCB, batch_size, one_cycle, to_device)

FAST = settings(max_examples=20, deadline=None)


def make_data(n=48, n_valid=20, seed=0, classes=3):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n + n_valid, 2, 6, 6, generator=g), torch.randint(0, classes, (n + n_valid,), generator=g)
    return (x[:n], y[:n]), (x[n:], y[n:])


def make_dls(bs=8, n=48, n_valid=20, seed=0, shuffle_seed=0):
    (xt, yt), (xv, yv) = make_data(n, n_valid, seed)
    return DataLoaders(DataLoader(TensorDataset(xt, yt), bs, shuffle=True, generator=torch.Generator().manual_seed(shuffle_seed)),
                       DataLoader(TensorDataset(xv, yv), bs))


def make_model(seed=1, classes=3):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 16, classes))


def acc(preds, y): return (preds.argmax(1) == y).float().mean()


# ---- the loop itself ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('opt', ['sgd', 'adamw'])
def test_one_epoch_equals_hand_loop(opt):
    opt_func = (lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.9)) if opt == 'sgd' else torch.optim.AdamW
    m1, m2 = make_model(), make_model()
    hist = Learner(m1, make_dls(), lr=1e-2, opt_func=opt_func, cbs=[DeviceCB('cpu')]).fit(2)
    dls = make_dls()
    o = opt_func(m2.parameters(), lr=1e-2)
    for epoch in range(2):
        m2.train()
        tot, n = 0., 0
        for xb, yb in dls.train:
            loss = F.cross_entropy(m2(xb), yb)
            o.zero_grad(); loss.backward(); o.step()
            tot += loss.item() * len(xb); n += len(xb)
        m2.eval()
        with torch.no_grad(): vl = sum(F.cross_entropy(m2(xb), yb, reduction='sum').item() for xb, yb in dls.valid) / 20
        assert hist[epoch]['train_loss'] == pytest.approx(tot / n, rel=1e-6)
        assert hist[epoch]['valid_loss'] == pytest.approx(vl, rel=1e-6)
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()): assert torch.equal(a, b)


def test_event_order_and_both_callback_styles():
    seen = []
    class FastaiStyle(Callback):
        def before_fit(self): seen.append(('fastai', self.learn.n_epochs))
    class MiniaiStyle(Callback):
        order = 1
        def before_fit(self, learn): seen.append(('miniai', learn.n_epochs))
    Learner(make_model(), make_dls(), cbs=[MiniaiStyle(), FastaiStyle()], default_cbs=False).fit(2)
    assert seen == [('fastai', 2), ('miniai', 2)]
    assert len(EVENTS) == 14 and len(set(EVENTS)) == 14


def test_callback_reads_learner_state_and_reports_missing_attrs():
    class CB(Callback):
        def after_loss(self): self.got = (self.loss is self.learn.loss, self.xb.shape[0], self.training, self.epoch)
    cb = CB()
    Learner(make_model(), make_dls(bs=8), cbs=[cb], default_cbs=False).fit(1)
    assert cb.got == (True, 20 % 8, False, 0)          # the last validation batch
    with pytest.raises(AttributeError, match="CB has no attribute 'nope'"): cb.nope
    copy.deepcopy(CB())      # no recursion through __getattr__


@pytest.mark.parametrize('exc,where,expect', [
    (CancelBatchException, 'after_loss', dict(steps=6, batches=2 * (6 + 3), epochs=2, valid=3)),
    (CancelTrainException, 'after_loss', dict(steps=0, batches=3 * 2, epochs=2, valid=3 * 2)),
    (CancelValidException, 'after_loss', dict(steps=6 * 2, batches=6 * 2, epochs=2, valid=0)),
    (CancelEpochException, 'after_loss', dict(steps=0, batches=0, epochs=2, valid=0)),
    (CancelFitException, 'after_loss', dict(steps=0, batches=0, epochs=0, valid=0)),
])
def test_cancel_exceptions_skip_what_they_should(exc, where, expect):
    class Canceller(Callback):
        def after_loss(self):
            if exc is CancelBatchException and self.epoch == 0: raise exc()    # every batch of epoch 0, after_batch still runs
            if exc in (CancelTrainException, CancelEpochException, CancelFitException) and self.training: raise exc()
            if exc is CancelValidException and not self.training: raise exc()
    class Count(Callback):
        order = 100
        def before_fit(self): self.c = dict(steps=0, batches=0, epochs=0, valid=0)
        def after_step(self): self.c['steps'] += 1
        def after_batch(self): self.c['batches'] += 1
        def after_loss(self): self.c['valid'] += not self.training
        def after_epoch(self): self.c['epochs'] += 1
    cnt = Count()
    Learner(make_model(), make_dls(bs=8, n=48, n_valid=20), cbs=[Canceller(), cnt], default_cbs=False).fit(2)
    assert cnt.c == expect


def test_cancel_batch_leaves_weights_and_cleanup_always_runs():
    m = make_model(); before = copy.deepcopy(m.state_dict())
    class Skip(Callback):
        def after_loss(self):
            if self.training: raise CancelBatchException()
    class Boom(Callback):
        def cleanup_fit(self): self.cleaned = True
        def after_epoch(self): raise RuntimeError('boom')
    Learner(m, make_dls(), cbs=[Skip()], default_cbs=False).fit(1)
    for k, v in m.state_dict().items():
        if 'running' not in k and 'num_batches' not in k: assert torch.equal(v, before[k])
    b = Boom()
    with pytest.raises(RuntimeError, match='boom'): Learner(m, make_dls(), cbs=[b]).fit(1)
    assert b.cleaned


def test_tuple_preds_and_several_targets():
    "Detection-style: the model returns a tuple and the batch carries two targets."
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__(); self.body = nn.Linear(4, 8); self.cls, self.box = nn.Linear(8, 3), nn.Linear(8, 2)
        def forward(self, x): h = self.body(x).relu(); return self.cls(h), self.box(h)
    def loss(preds, y_cls, y_box): return F.cross_entropy(preds[0], y_cls) + F.l1_loss(preds[1], y_box)
    x, yc, yb = torch.randn(20, 4), torch.randint(0, 3, (20,)), torch.randn(20, 2)
    dl = DataLoader(TensorDataset(x, yc, yb), 5)
    hist = Learner(TwoHeads(), DataLoaders(dl, dl), loss_func=loss, lr=1e-2,
                   cbs=[MetricsCB(cls_acc=lambda p, yc, yb: acc(p[0], yc))]).fit(2)
    assert hist[1]['train_loss'] < hist[0]['train_loss'] * 1.5 and 'cls_acc' in hist[1]


def test_history_accumulates_and_fit_returns_it():
    learn = Learner(make_model(), make_dls())
    h1 = learn.fit(2)
    h2 = learn.fit(1)
    assert h2 is learn.history and [r['epoch'] for r in h2] == [0, 1, 2]
    assert {'train_loss', 'valid_loss', 'seconds', 'images_per_s'} <= set(h2[0])
    rec = learn.validate()
    assert len(learn.history) == 3 and set(rec) >= {'valid_loss'} and 'train_loss' not in rec


def test_no_validation_set():
    (xt, yt), _ = make_data()
    learn = Learner(make_model(), DataLoaders(DataLoader(TensorDataset(xt, yt), 8)), cbs=[MetricsCB(acc, train=True)])
    hist = learn.fit(1)
    assert 'valid_loss' not in hist[0] and 'train_acc' in hist[0]
    with pytest.raises(ValueError, match='no validation loader'): learn.validate()


# ---- metrics -------------------------------------------------------------------------------------------------------

@FAST
@given(bs=st.integers(1, 23), n_valid=st.integers(1, 40))
def test_metrics_equal_whole_set(bs, n_valid):
    "Function metrics (weighted by batch size, also with a partial last batch) and torchmetrics equal NumPy over the set."
    import torchmetrics
    dls = make_dls(bs=bs, n_valid=n_valid)
    tm = torchmetrics.classification.MulticlassAccuracy(3, average='micro')
    learn = Learner(make_model(), dls, lr=1e-2, cbs=[MetricsCB(acc, tm=tm, mae=lambda p, y: (p.softmax(1).max(1).values - 0.5).abs().mean())])
    rec = learn.fit(1)[-1]
    preds, targs = learn.get_preds()
    assert rec['acc'] == pytest.approx(np.mean(preds.numpy().argmax(1) == targs.numpy()), abs=1e-6)
    assert rec['tm'] == pytest.approx(rec['acc'], abs=1e-6)
    assert rec['mae'] == pytest.approx(np.abs(preds.softmax(1).max(1).values.numpy() - 0.5).mean(), abs=1e-5)
    assert rec['valid_loss'] == pytest.approx(F.cross_entropy(preds, targs).item(), abs=1e-5)


def test_metrics_bad_input():
    with pytest.raises(ValueError, match='at least one metric'): MetricsCB()
    with pytest.raises(ValueError, match='lambda has no name'): MetricsCB(lambda p, y: p)
    with pytest.raises(ValueError, match="two metrics are named 'acc'"): MetricsCB(acc, acc=acc)
    with pytest.raises(TypeError, match="metric 'x' must be a function"): MetricsCB(x=3)
    learn = Learner(make_model(), make_dls(), cbs=[MetricsCB(f=lambda p, y: 0.5)])
    with pytest.raises(TypeError, match="metric 'f' returned float, not a tensor"): learn.fit(1)


# ---- one-cycle and parameter groups ----------------------------------------------------------------------------------

@FAST
@given(total=st.integers(2, 200), pct=st.floats(0.05, 0.95), div=st.floats(1.5, 100), div_final=st.floats(1, 1e5),
       peak=st.floats(1e-5, 1.0))
def test_one_cycle_equals_torch(total, pct, div, div_final, peak):
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=peak, momentum=0.9)
    try:
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=peak, total_steps=total, pct_start=pct, div_factor=div,
                                                    final_div_factor=div_final)
    except (ValueError, ZeroDivisionError): return     # torch refuses some settings, or divides by zero when pct * total == 1
    for step in range(total):
        try: ref = (opt.param_groups[0]['lr'], opt.param_groups[0]['momentum'])
        except ZeroDivisionError: return
        assert one_cycle(step, total, peak, pct, div, div_final) == pytest.approx(ref, rel=1e-9, abs=1e-15)
        opt.step()
        try: sched.step()
        except ZeroDivisionError: return    # torch divides by zero when pct * total == 1; one_cycle does not


def test_one_cycle_cb_groups_peak_at_own_rates_and_groups_not_mutated():
    m = make_model()
    body, head = list(m[:-1].parameters()), list(m[-1].parameters())
    groups = [dict(params=body), dict(params=head, lr=5e-2)]
    learn = Learner(m, make_dls(bs=4), lr=5e-3, param_groups=groups, cbs=[OneCycleCB(pct_start=0.25)])
    learn.fit(2)                                  # 2 * 12 steps, peak at step 0.25 * 24 - 1 = 5
    lrs = np.array(learn.cb(OneCycleCB).lrs)
    assert lrs.shape == (24, 2)
    np.testing.assert_allclose(lrs.max(0), [5e-3, 5e-2], rtol=1e-12)
    np.testing.assert_allclose(lrs[:, 1] / lrs[:, 0], 10, rtol=1e-9)
    assert set(groups[0]) == {'params'} and set(groups[1]) == {'params', 'lr'}    # torch's defaults not written into them
    learn.fit(1, lr=1e-3)
    np.testing.assert_allclose(np.array(learn.cb(OneCycleCB).lrs).max(0), [1e-3, 5e-2], rtol=1e-2)


def test_param_group_errors():
    m = make_model()
    body, head = list(m[:-1].parameters()), list(m[-1].parameters())
    with pytest.raises(TypeError, match='non-empty list of dicts'): Learner(m, make_dls(), param_groups=[body])
    with pytest.raises(ValueError, match='leave 2 trainable'): Learner(m, make_dls(), param_groups=[dict(params=body)])
    with pytest.raises(ValueError, match='more than one group'): Learner(m, make_dls(), param_groups=[dict(params=body + head), dict(params=head)])
    with pytest.raises(ValueError, match='do not belong'): Learner(m, make_dls(), param_groups=[dict(params=body + head + [nn.Parameter(torch.ones(1))])])
    for p in head: p.requires_grad_(False)
    Learner(m, make_dls(), param_groups=[dict(params=body)])   # frozen parameters may be left out


# ---- non-finite losses -----------------------------------------------------------------------------------------------

@FAST
@given(epoch=st.integers(0, 2), it=st.integers(0, 5), every=st.sampled_from([None, 1, 4]))
def test_nonfinite_stops_at_the_right_place(epoch, it, every):
    class NaNAt(Callback):
        def after_loss(self):
            if self.training and (self.epoch, self.iter) == (epoch, it): self.learn.loss = self.learn.loss * float('inf')
    learn = Learner(make_model(), make_dls(bs=8), lr=1e-2, cbs=[NaNAt(), NonFiniteCB(every)])
    with pytest.raises(FloatingPointError, match=f'epoch {epoch}: .*the first at batch {it} of 6'):
        learn.fit(3)
    assert len(learn.history) == epoch


def test_nonfinite_on_last_step_and_in_validation():
    class InfGradLast(Callback):
        def after_backward(self):
            if self.iter == self.n_iter - 1:
                for p in self.model.parameters(): p.grad.fill_(float('nan'))
    learn = Learner(make_model(), make_dls(), lr=1e-2, opt_func=torch.optim.SGD, cbs=[InfGradLast()])
    with pytest.raises(FloatingPointError, match="weights became non-finite .* epoch 0"): learn.fit(2)
    class NaNValid(Callback):
        def after_pred(self):
            if not self.training: self.learn.preds = self.preds * float('nan')
    with pytest.raises(FloatingPointError, match='validation loss became non-finite'):
        Learner(make_model(), make_dls(), cbs=[NaNValid()]).fit(1)
    with pytest.raises(ValueError, match='every must be >= 1'): NonFiniteCB(0)


def test_old_silent_nan_case_now_raises():
    "Issue 16: divergence on the last step of an epoch used to return valid_loss=nan silently."
    class HugeLastStep(Callback):
        def after_backward(self):
            if self.iter == self.n_iter - 1:
                for p in self.model.parameters(): p.grad.mul_(1e38)
    learn = Learner(make_model(), make_dls(), lr=1e3, opt_func=torch.optim.SGD, cbs=[HugeLastStep()])
    with pytest.raises(FloatingPointError): learn.fit(1)
    assert not learn.history


# ---- devices and the CUDA-only callbacks -----------------------------------------------------------------------------

def test_to_device_and_batch_size():
    b = (torch.zeros(3, 2), [torch.zeros(3)], {'a': torch.zeros(3)}, 'keep', 5)
    out = to_device(b, 'cpu')
    assert out[3] == 'keep' and out[4] == 5 and isinstance(out[1], list) and isinstance(out[2], dict)
    assert batch_size(b) == 3
    with pytest.raises(TypeError, match='cannot tell the batch size'): batch_size('x')
    dls = make_dls()
    tr, va = dls
    assert tr is dls.train and va is dls.valid and 'batches' in repr(dls)


def test_cuda_only_callbacks_do_nothing_on_cpu():
    runs = []
    for cbs in ([MixedPrecisionCB(), ChannelsLastCB()], []):
        m = make_model()
        learn = Learner(m, make_dls(), lr=1e-2, cbs=[DeviceCB('cpu'), *cbs])
        learn.fit(1)
        runs.append(m)
        if cbs: assert not cbs[0].active and not cbs[1].active and learn.autocast is not None and learn.scaler is None
    for a, b in zip(runs[0].state_dict().values(), runs[1].state_dict().values()): assert torch.equal(a, b)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_mixed_precision_on_cuda():
    for dtype in (torch.bfloat16, torch.float16):
        mp = MixedPrecisionCB(dtype)
        learn = Learner(make_model(), make_dls(), lr=1e-2, cbs=[DeviceCB('cuda'), mp, ChannelsLastCB()])
        hist = learn.fit(2)
        assert mp.active and mp.used == dtype and math.isfinite(hist[-1]['valid_loss'])
        assert learn.scaler is None


# ---- progress and bad input ------------------------------------------------------------------------------------------

def test_progress_prints_rows_outside_notebooks(capsys):
    Learner(make_model(), make_dls(), cbs=[MetricsCB(acc), ProgressCB(bars=False)]).fit(2)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.strip()]
    assert lines[0].split()[:4] == ['epoch', 'train_loss', 'valid_loss', 'acc'] and len(lines) == 3
    assert lines[2].split()[0] == '1'


def test_bad_input():
    m, dls = make_model(), make_dls()
    with pytest.raises(TypeError, match='model must be an nn.Module'): Learner('m', dls)
    with pytest.raises(TypeError, match='dls must have .train and .valid'): Learner(m, [1, 2])
    with pytest.raises(TypeError, match='loss_func must be callable'): Learner(m, dls, loss_func=3)
    with pytest.raises(ValueError, match='lr must be > 0'): Learner(m, dls, lr=0)
    with pytest.raises(ValueError, match='lr must be a finite number'): Learner(m, dls, lr=float('nan'))
    with pytest.raises(TypeError, match='pass an instance, DeviceCB()'): Learner(m, dls, cbs=[DeviceCB])
    with pytest.raises(TypeError, match=r'cbs\[0\] must be a callback'): Learner(m, dls, cbs=[3])
    with pytest.raises(TypeError, match='n_epochs must be an int'): Learner(m, dls).fit(1.0)
    with pytest.raises(ValueError, match='dls.train is empty'): Learner(m, DataLoaders([], None)).fit(1)
    with pytest.raises(TypeError, match=r'a batch must be a tuple \(xb, \*yb\)'): Learner(m, DataLoaders([torch.zeros(2, 2, 6, 6)])).fit(1)
    with pytest.raises(ValueError, match='moms must be None or three'): OneCycleCB(moms=(0.9, 0.8))
    with pytest.raises(ValueError, match='at least 2 training steps'):
        Learner(m, DataLoaders([(torch.zeros(2, 2, 6, 6), torch.zeros(2, dtype=torch.long))]), cbs=[OneCycleCB()]).fit(1)


def test_host_reads_do_not_grow_with_steps():
    "Every read of a tensor value made by the learner's code is per epoch, never per step."
    import sys
    from collections import Counter
    from torch.overrides import TorchFunctionMode
    reads = {'item', 'tolist', '__bool__', '__float__', '__int__', '__index__', 'nonzero', 'numpy', 'cpu'}
    class Count(TorchFunctionMode):
        def __init__(self): super().__init__(); self.n = Counter()
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if getattr(func, '__name__', '') in reads:
                f = sys._getframe(1)
                while f is not None:
                    fn = f.f_code.co_filename.replace('\\', '/')
                    if '/torch/optim/' in fn or '/torch/utils/data/' in fn or '/torch/' not in fn: break
                    f = f.f_back
                self.n[fn] += 1
            return func(*args, **(kwargs or {}))
    out = []
    for n in (16, 64):
        learn = Learner(make_model(), make_dls(bs=4, n=n), lr=1e-2,
                        cbs=[MetricsCB(acc), OneCycleCB(), MixedPrecisionCB(), ChannelsLastCB(), NonFiniteCB(every=None),
                             HistoryCB(batch_losses=True), ProgressCB(bars=False)])
        with Count() as c: learn.fit(3)
        out.append(sum(v for k, v in c.n.items() if k.replace('\\', '/').endswith('course_lib/learner.py')))
    assert out[0] == out[1] and 0 < out[0] <= 5 * 3
