"""Benchmark course_lib.anchors against torchvision.ops (not a test: prints times and ratios, asserts nothing).

    python benchmarks/bench_boxes.py                  # best device (cuda, mps, cpu), torch's default threads
    python benchmarks/bench_boxes.py --device cpu --threads 1 --repeat 30

Timings are the best and the median of `--repeat` runs after a warm-up (GPU runs are synchronised);
ratios are ours / torchvision on the best times (the least disturbed by other processes), median in brackets.
On a shared CPU, run it twice and compare: other processes inflate single runs. `--threads N` sets
OMP_NUM_THREADS before torch starts: on a busy machine, torch's thread pool waiting for descheduled
peers can make small tensor operations 10-100x slower, which says nothing about the code being timed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if '--threads' in sys.argv[:-1]:                       # must happen before torch creates its thread pool
    os.environ['OMP_NUM_THREADS'] = os.environ['MKL_NUM_THREADS'] = sys.argv[sys.argv.index('--threads') + 1]

import torch  # noqa: E402
from torchvision.ops import box_iou as tv_box_iou, nms as tv_nms  # noqa: E402

from course_lib.anchors import (assign_anchor_to_bbox, box_iou, multibox_detection, multibox_prior,  # noqa: E402
                                multibox_target, nms, offset_boxes)
from course_lib.core import get_device, set_seed  # noqa: E402

TARGETS = {'box_iou': 1.5, 'nms': 3.0}   # ours / torchvision we aim to stay under


def timeit(fn, device: torch.device, repeat: int) -> tuple[float, float]:
    "Best and median wall time of fn() in milliseconds (after one warm-up run)."
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    fn(); sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter(); fn(); sync()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3, statistics.median(times) * 1e3


def uniform_boxes(n: int, device, gen) -> tuple[torch.Tensor, torch.Tensor]:
    "torchvision-test style: corners anywhere in a 1000x1000 image, sides 10..200 pixels."
    c = torch.rand(n, 2, generator=gen) * 1000
    wh = 10 + torch.rand(n, 2, generator=gen) * 190
    return torch.cat((c - wh / 2, c + wh / 2), 1).to(device), torch.rand(n, generator=gen).to(device)


def cluster_boxes(n: int, device, gen, n_obj: int = 30) -> tuple[torch.Tensor, torch.Tensor]:
    "Detector-like: jittered copies around n_obj objects, so NMS suppresses most boxes."
    ctr = torch.rand(n_obj, 2, generator=gen) * 1000
    size = 30 + torch.rand(n_obj, 2, generator=gen) * 250
    pick = torch.randint(0, n_obj, (n,), generator=gen)
    c = ctr[pick] + 0.15 * size[pick] * torch.randn(n, 2, generator=gen)
    wh = size[pick] * (1 + 0.2 * torch.randn(n, 2, generator=gen)).clamp(min=0.3)
    return torch.cat((c - wh / 2, c + wh / 2), 1).to(device), torch.rand(n, generator=gen).to(device)


def tiny_ssd_anchors(device) -> torch.Tensor:
    "The 5,444 anchors of TinySSD on a 256x256 input (5 scales)."
    sizes = [[0.2, 0.272], [0.37, 0.447], [0.54, 0.619], [0.71, 0.79], [0.88, 0.961]]
    return torch.cat([multibox_prior(torch.zeros(s, s, device=device), sz, [1, 2, 0.5])
                      for s, sz in zip([32, 16, 8, 4, 1], sizes)], 1)


def target_loop(anchors: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    "Textbook multibox_target: one image at a time (class labels only, for timing)."
    out = []
    for lab in labels:
        lab = lab[lab[:, 0] >= 0]
        m = assign_anchor_to_bbox(lab[:, 1:], anchors, anchors.device)
        cls = torch.zeros(len(anchors), dtype=torch.long, device=anchors.device)
        pos = m >= 0
        cls[pos] = lab[m[pos], 0].long() + 1
        offset_boxes(anchors[pos], lab[m[pos], 1:])
        out.append(cls)
    return torch.stack(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default=None, help='cpu, cuda or mps (default: best available)')
    p.add_argument('--threads', type=int, default=None, help='CPU threads (sets OMP_NUM_THREADS); default: leave as is')
    p.add_argument('--repeat', type=int, default=15)
    args = p.parse_args(argv)
    if args.repeat < 1: p.error(f'--repeat must be >= 1, got {args.repeat}')
    if args.threads is not None and args.threads < 1: p.error(f'--threads must be >= 1, got {args.threads}')
    if args.threads: torch.set_num_threads(args.threads)   # OMP_NUM_THREADS was set at import time
    device = get_device(args.device)
    set_seed(0)
    gen = torch.Generator().manual_seed(0)
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else f'{device.type}, {torch.get_num_threads()} threads'
    print(f"torch {torch.__version__}, torchvision {__import__('torchvision').__version__}, device: {name}, "
          f"median of {args.repeat}")
    print(f"{'case (best of runs)':44s} {'ours ms':>9s} {'tv ms':>9s} {'ratio':>6s} {'(median)':>9s}  target")
    rows = []

    def row(label, ours, ref, kind):
        ratio, ratio_med = ours[0] / ref[0], ours[1] / ref[1]
        ok = 'ok' if ratio <= TARGETS[kind] else 'OVER'
        print(f"{label:44s} {ours[0]:9.2f} {ref[0]:9.2f} {ratio:6.2f} {f'({ratio_med:.2f})':>9s}  <= {TARGETS[kind]} {ok}")
        rows.append((label, ratio))

    b1, _ = uniform_boxes(2000, device, gen); b2, _ = uniform_boxes(2000, device, gen)
    assert torch.equal(box_iou(b1, b2), tv_box_iou(b1, b2))
    row('box_iou 2000 x 2000', timeit(lambda: box_iou(b1, b2), device, args.repeat),
        timeit(lambda: tv_box_iou(b1, b2), device, args.repeat), 'box_iou')
    h1, h2 = b1.half(), b2.half()                           # pixel boxes: float16 areas overflow, both upcast
    assert torch.equal(box_iou(h1, h2), box_iou(h1.float(), h2.float()))
    row('box_iou 2000 x 2000 float16', timeit(lambda: box_iou(h1, h2), device, args.repeat),
        timeit(lambda: tv_box_iou(h1, h2), device, args.repeat), 'box_iou')

    for make in (uniform_boxes, cluster_boxes):
        for n in (1000, 5000):
            boxes, scores = make(n, device, gen)
            keep = nms(boxes, scores, 0.5)
            assert torch.equal(keep, tv_nms(boxes, scores, 0.5)), 'keep sets differ'
            label = f"nms {n} {make.__name__.split('_')[0]} boxes ({len(keep)} kept)"
            row(label, timeit(lambda: nms(boxes, scores, 0.5), device, args.repeat),
                timeit(lambda: tv_nms(boxes, scores, 0.5), device, args.repeat), 'nms')
    half = boxes.half()                                     # torchvision's CPU nms refuses float16: compare on float32
    assert torch.equal(nms(half, scores, 0.5), tv_nms(half.float(), scores, 0.5)), 'float16 keep sets differ'
    row(f'nms {n} float16 boxes (tv: same, as float32)', timeit(lambda: nms(half, scores, 0.5), device, args.repeat),
        timeit(lambda: tv_nms(half.float(), scores, 0.5), device, args.repeat), 'nms')

    anchors = tiny_ssd_anchors(device)
    B, M = 32, 3
    xy = torch.rand(B, M, 2, generator=gen) * 0.7
    labels = torch.cat((torch.randint(0, 3, (B, M, 1), generator=gen).float(), xy,
                        xy + 0.05 + 0.25 * torch.rand(B, M, 2, generator=gen)), -1).to(device)
    labels[::2, -1] = -1.0                                  # half the images padded
    assert torch.equal(multibox_target(anchors, labels)[2], target_loop(anchors[0], labels))
    ours = timeit(lambda: multibox_target(anchors, labels), device, args.repeat)[0]
    loop = timeit(lambda: target_loop(anchors[0], labels), device, max(3, args.repeat // 3))[0]
    print(f"{'multibox_target 32 x 5444 anchors (batched)':44s} {ours:9.2f}   per-image loop {loop:.2f} ms ({loop / ours:.1f}x)")

    probs = torch.rand(B, 3, anchors.shape[1], generator=gen).softmax(1).to(device)
    offs = (0.3 * torch.randn(B, anchors.shape[1] * 4, generator=gen)).to(device)
    det = timeit(lambda: multibox_detection(probs, offs, anchors), device, max(3, args.repeat // 3))[0]
    print(f"{'multibox_detection 32 x 5444 anchors':44s} {det:9.2f}   (random predictions: NMS keeps many boxes)")
    worst = max(rows, key=lambda r: r[1])
    print(f"worst ratio: {worst[1]:.2f} ({worst[0]})")
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
