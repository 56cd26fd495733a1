"""Time one TinySSD training epoch, the lesson's old step against the new one, side by side (prints, asserts nothing).

    python benchmarks/bench_ssd.py                         # best device; 256 px and the quick size (128 px), batch 32
    python benchmarks/bench_ssd.py --device cpu --threads 1 --n-images 64
    python benchmarks/bench_ssd.py --profile               # also count host syncs per step with torch.profiler

Steps timed (training images per second over whole epochs, after one warm-up epoch; GPU runs are synchronised):
  old      the lesson before this change: a DataLoader over BananasDataset (per-image float conversion, num_workers=0),
           `multibox_target` (label check + nonzero), `if not torch.isfinite(loss)` and `loss.item()` every step, fp32,
           AdamW + OneCycleLR.
  new      the same network and optimiser on `DetectionBatches` (uint8 on the device, one batch sampler), `ssd_loss`
           (sync-free targets), loss summed on the device and read once per epoch; on CUDA bf16 autocast,
           channels_last and fused AdamW.
  learner  the new step as the lesson runs it: `course_lib.learner.Learner` with its callbacks (skipped if the
           module is missing).
Timings on a shared CPU say little about the code: pass --threads 1 and compare runs made one after the other.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

if '--threads' in sys.argv[:-1]:                       # must happen before torch creates its thread pool
    os.environ['OMP_NUM_THREADS'] = os.environ['MKL_NUM_THREADS'] = sys.argv[sys.argv.index('--threads') + 1]
os.environ.setdefault('COURSE_OFFLINE', '1')

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from course_lib.anchors import multibox_target  # noqa: E402
from course_lib.core import get_device, set_seed  # noqa: E402
from course_lib.datasets import fetch  # noqa: E402
from course_lib.ssd import (BananasDataset, DetectionBatches, TinySSD, calc_loss, device_syncs, host_syncs,  # noqa: E402
                            ssd_loss)


def _sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def old_epoch(net, opt, sched, loader, device):
    "The lesson's training epoch before this change, step for step."
    net.train()
    seen, total = 0, 0.0
    for X, Y in loader:
        X, Y = X.to(device), Y.to(device)
        anchors, cls_preds, bbox_preds = net(X)
        bbox_labels, bbox_masks, cls_labels = multibox_target(anchors, Y)
        loss = calc_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks, 3.0).mean()
        if not torch.isfinite(loss): raise FloatingPointError(f"loss became {loss.item()}")
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        seen += len(X)
        total += loss.item() * len(X)
    return total / seen


def new_epoch(net, opt, sched, batches, device, amp: bool):
    "The new step without the Learner: nothing read back until the end of the epoch."
    net.train()
    total, seen = torch.zeros((), device=device), 0
    for X, Y in batches:
        if amp:
            X = X.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=torch.bfloat16):
                loss = ssd_loss(net(X), Y)
        else: loss = ssd_loss(net(X), Y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        sched.step()
        total += loss.detach() * len(X)
        seen += len(X)
    if not torch.isfinite(total): raise FloatingPointError("the loss diverged")   # one check per epoch
    return float(total) / seen


def make_run(kind: str, ds: BananasDataset, bs: int, device, epochs: int, amp: bool):
    "A fresh network, optimiser and data for one variant; returns (run_epoch(), n_images, steps_per_epoch, net)."
    set_seed(0)
    net = TinySSD(len(ds.classes)).to(device)
    if kind == 'old':
        loader = DataLoader(ds, bs, shuffle=True, generator=torch.Generator().manual_seed(0))
        opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=(epochs + 2) * len(loader))
        return (lambda: old_epoch(net, opt, sched, loader, device)), len(ds), len(loader), net
    batches = DetectionBatches(ds, bs, shuffle=True, device=device)
    if kind == 'new':
        if amp: net = net.to(memory_format=torch.channels_last)
        opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4, fused=device.type == 'cuda')
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=(epochs + 2) * len(batches))
        return (lambda: new_epoch(net, opt, sched, batches, device, amp)), len(ds), len(batches), net
    from course_lib.ssd import ssd_learner                      # the lesson's Learner set-up
    learn = ssd_learner(net, batches, None, lr=3e-3, show=False, amp=amp)
    return (lambda: learn.fit(1)), len(ds), len(batches), net


def time_variant(kind, ds, bs, device, epochs, amp):
    run, n, steps, net = make_run(kind, ds, bs, device, epochs, amp)
    run(); _sync(device)                                        # warm-up epoch: cudnn autotuning, caches, optimizer state
    start = time.perf_counter()
    for _ in range(epochs): run()
    _sync(device)
    return n * epochs / (time.perf_counter() - start), run, steps, net


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default=None, help='cuda, mps or cpu (default: the best available)')
    p.add_argument('--threads', type=int, default=None, help='OMP/MKL threads (set before torch starts)')
    p.add_argument('--sizes', default='256,128', help='image sizes in pixels, comma-separated (128 is the quick size)')
    p.add_argument('--bs', type=int, default=32, help='batch size')
    p.add_argument('--n-images', type=int, default=None, help='training images per epoch (default: 1000 on a GPU, 64 on a CPU)')
    p.add_argument('--epochs', type=int, default=2, help='timed epochs after one warm-up epoch')
    p.add_argument('--variants', default='old,new,learner', help='which steps to time')
    p.add_argument('--no-amp', action='store_true', help='no bf16 autocast / channels_last on CUDA')
    p.add_argument('--profile', action='store_true', help='count host syncs per step with torch.profiler')
    a = p.parse_args()
    device = get_device(a.device)
    amp = device.type == 'cuda' and not a.no_amp
    n = a.n_images or (1000 if device.type == 'cuda' else 64)
    if device.type == 'cuda': torch.backends.cudnn.benchmark = True
    variants = [v for v in a.variants.split(',') if v]
    if 'learner' in variants:
        try: import course_lib.learner  # noqa: F401
        except ImportError: variants.remove('learner'); print('(no course_lib.learner: the learner variant is skipped)')
    where = torch.cuda.get_device_name(device) if device.type == 'cuda' else f'{torch.get_num_threads()} CPU threads'
    print(f"TinySSD, one training epoch of {n} images, batch {a.bs}, on {device} ({where}), torch {torch.__version__}; "
          f"new step with {'bf16 autocast + channels_last + fused AdamW' if amp else 'fp32'}")
    path = fetch('banana')
    print(f"{'size':>5} " + ''.join(f"{v + ' img/s':>14}" for v in variants) + (f"{'new / old':>11}" if {'old', 'new'} <= set(variants) else ''))
    for size in (int(s) for s in a.sizes.split(',')):
        ds = BananasDataset(path, True, size=size, n=n)
        speeds, runs = {}, {}
        for v in variants:
            speeds[v], runs[v], steps, net = time_variant(v, ds, a.bs, device, a.epochs, amp)
        line = f"{size:>5} " + ''.join(f"{speeds[v]:>14,.0f}" for v in variants)
        if 'old' in speeds and 'new' in speeds: line += f"{speeds['new'] / speeds['old']:>10.1f}x"
        print(line, flush=True)
        if a.profile:                                           # one more epoch of each, under the profiler
            for v in variants:
                found = host_syncs(runs[v])
                outside, inside = device_syncs(found), sum(c for k, c in found.items() if k.startswith('optimizer: '))
                print(f"      {v}: {sum(outside.values())} host syncs in an epoch of {steps} steps "
                      f"{dict(outside) if outside else ''}; inside optimizer.step {inside / steps:.0f} per step "
                      f"(reads of AdamW's CPU-side step counters on a CPU)")

if __name__ == '__main__':
    main()
