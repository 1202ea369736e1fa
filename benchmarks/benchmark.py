#!/usr/bin/env python
"""How fast can one epoch go? Per-epoch times (median over repeats) for the linear model and `simple_net`,
trained four ways on MNIST_SAMPLE (12,396 training and 2,038 validation images, batch size 256):

  (a) lesson    the lesson's way: list-of-pairs Dataset + fastai DataLoader + fastai Learner (`fit(1)`)
  (b) loop      the package's own loop (`train_epoch` + `validate_epoch`) over that same DataLoader
  (c) fast      the package's fast path: the same loop over a `TensorLoader` (batches cut from tensors on the device)
  (d) bound     the epoch's matrix multiplies and their backward alone, on batches cut beforehand

An epoch is one training pass plus one validation pass. Then the full MNIST's load times (decoding all 70,000
PNGs, and from the cache), and per-epoch times for lesson 7's ten-class models on the full MNIST (54,000 training
and 6,000 validation images): (c) the fast path, (e) `MiniLearner.fit(1)` over it as the lesson trains, and (d)
the bound. Then each notebook's wall time and the whole course's (`tools/run_course.py`, fresh kernels), and peak
memory.

Usage: python benchmarks/benchmark.py [--repeats 5] [--no-course] [--json FILE]
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

import torch
from torch import nn

from digit_sgd.data import load_mnist_sample, load_mnist, split_valid
from digit_sgd.ten_digits import cross_entropy, multiclass_accuracy
from digit_sgd.loss import mnist_xy, mnist_loss
from digit_sgd.neural_net import simple_net
from digit_sgd.minibatch import train_epoch, validate_epoch, batch_accuracy, MiniLearner, BasicOptim
from digit_sgd.speed import TensorLoader, median_time, bare_epoch
from fastai.data.load import DataLoader
from fastai.data.core import DataLoaders
from fastai.learner import Learner
import fastai.callback.progress  # noqa: F401  (the lesson imports it too: progress bars, Learner.no_bar)
from fastai.optimizer import SGD
from fastai.torch_core import default_device

ROOT = Path(__file__).resolve().parents[1]
BS = 256
MODELS = {'linear': (lambda: nn.Linear(28*28, 1), 1.0), 'simple_net': (simple_net, 0.1)}  # (factory, lr) as in lessons 5-6
TEN_BS = 256   # lesson 7's batch size, models and learning rates
TEN_MODELS = {'linear 784-10': (lambda: nn.Linear(28*28, 10), 1.0),
              'simple_net 784-256-10': (lambda: simple_net(28*28, 256, 10), 1.0)}


def bound_time(model, loss_func, data, bs, repeats, device):
    "(d) The epoch's forward and backward passes alone, on batches cut and moved to the device beforehand."
    (x, y), (vx, _) = data
    batches = [(xb.to(device), yb.to(device)) for xb, yb in zip(x.split(bs), y.split(bs))]
    vbatches = [xb.to(device) for xb in vx.split(bs)]
    def bound():
        bare_epoch(model, loss_func, batches)
        with torch.no_grad():
            for xb in vbatches: model(xb)
    return median_time(bound, repeats)


def epoch_times(make, lr, data, repeats, device):
    (x, y), (vx, vy) = data
    torch.manual_seed(0)
    dl = DataLoader(list(zip(x, y)), bs=BS, shuffle=True, device=device)
    vdl = DataLoader(list(zip(vx, vy)), bs=BS, device=device)
    out = {}

    learn = Learner(DataLoaders(dl, vdl), make().to(device), opt_func=SGD, loss_func=mnist_loss, metrics=batch_accuracy)
    def lesson():
        with learn.no_bar(), learn.no_logging(): learn.fit(1, lr)
    out['lesson'] = median_time(lesson, repeats)

    def own_loop(train, valid):
        model = make().to(device)
        def run():
            train_epoch(model, train, mnist_loss, list(model.parameters()), lr)
            validate_epoch(model, valid)
        return run
    out['loop'] = median_time(own_loop(dl, vdl), repeats)
    fast, vfast = TensorLoader(x, y, BS, shuffle=True, seed=0, device=device), TensorLoader(vx, vy, BS, device=device)
    out['fast'] = median_time(own_loop(fast, vfast), repeats)

    out['bound'] = bound_time(make().to(device), mnist_loss, data, BS, repeats, device)
    return out


def ten_class_times(make, lr, data, repeats, device):
    "Per-epoch times of a ten-class model on the full MNIST: (c) fast path, (e) MiniLearner over it, (d) the bound."
    (x, y), (vx, vy) = data
    torch.manual_seed(0)
    fast, vfast = (TensorLoader(x, y, TEN_BS, shuffle=True, seed=0, device=device),
                   TensorLoader(vx, vy, TEN_BS, device=device))
    model = make().to(device)
    def run():
        train_epoch(model, fast, cross_entropy, list(model.parameters()), lr)
        validate_epoch(model, vfast, multiclass_accuracy)
    out = dict(fast=median_time(run, repeats))
    learn = MiniLearner(fast, vfast, make(), cross_entropy, BasicOptim, multiclass_accuracy, device=device)
    out['learner'] = median_time(lambda: learn.fit(1, lr, show_progress=False), repeats)
    out['bound'] = bound_time(make().to(device), cross_entropy, data, TEN_BS, repeats, device)
    return out


def course_times(jobs):
    "Run every notebook with the course runner and read back its timings."
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, str(ROOT/'tools'/'run_course.py'), '--out', d, '--jobs', str(jobs)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode: sys.exit(f'The course run failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}')
        return json.loads((Path(d)/'results.json').read_text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=5, help='timed epochs per measurement (median reported)')
    ap.add_argument('--no-course', action='store_true', help='skip running the notebooks')
    ap.add_argument('--jobs', type=int, default=2, help='notebooks at a time for the course run (as tools/course.sh)')
    ap.add_argument('--json', help='also write the figures to this file')
    a = ap.parse_args(argv)

    import pandas as pd
    device = default_device()
    d = load_mnist_sample()
    data = (mnist_xy(d.train3, d.train7), mnist_xy(d.valid3, d.valid7))
    print(f'device: {device}; torch threads: {torch.get_num_threads()}; batch size {BS}; median of {a.repeats} epochs\n')
    rows = []
    for name, (make, lr) in MODELS.items():
        t = epoch_times(make, lr, data, a.repeats, device)
        rows.append(dict(model=name, **{k: v*1000 for k, v in t.items()},
                         **{'lesson/fast': t['lesson']/t['fast'], 'loop/fast': t['loop']/t['fast'], 'fast/bound': t['fast']/t['bound']}))
    df = pd.DataFrame(rows).set_index('model')
    df.columns = ['(a) lesson ms', '(b) loop ms', '(c) fast ms', '(d) bound ms', 'a/c', 'b/c', 'c/d']
    print('Per-epoch time (train + validate), milliseconds, and ratios:')
    print(df.to_string(float_format=lambda v: f'{v:.1f}'))
    print('\nTargets: c/d <= 2 (fast path within 2x of the matmul bound); simple_net a/c >= 10.')
    fig = dict(epochs=df.reset_index().to_dict('records'))

    t0 = time.perf_counter(); m = load_mnist(cache=False); decode_s = time.perf_counter() - t0
    load_mnist(); t0 = time.perf_counter(); m = load_mnist(); cached_s = time.perf_counter() - t0
    print(f'\nFull MNIST (70,000 PNGs): decoding them all {decode_s:.2f} s; loading from the cache {cached_s:.2f} s '
          '(targets: 15 s and 1 s on 2 cores)')
    fig.update(mnist_decode_s=decode_s, mnist_cached_s=cached_s)
    tr, va = split_valid(len(m.train_y))
    flat = m.train_x.view(-1, 28*28)
    ten_data = ((flat[tr], m.train_y[tr]), (flat[va], m.train_y[va]))
    rows = []
    for name, (make, lr) in TEN_MODELS.items():
        t = ten_class_times(make, lr, ten_data, a.repeats, device)
        rows.append(dict(model=name, **{k: t[k]*1000 for k in ('fast', 'learner', 'bound')},
                         **{'c/d': t['fast']/t['bound'], 'e/d': t['learner']/t['bound']}))
    ten = pd.DataFrame(rows).set_index('model')
    ten.columns = ['(c) fast ms', '(e) MiniLearner ms', '(d) bound ms', 'c/d', 'e/d']
    print(f'\nTen digits, full MNIST ({len(tr):,} training and {len(va):,} validation images, batch size {TEN_BS}): '
          'per-epoch time, milliseconds, and ratios to the bound:')
    print(ten.to_string(float_format=lambda v: f'{v:.1f}'))
    fig.update(ten_digits=ten.reset_index().to_dict('records'))

    if not a.no_course:
        c = course_times(a.jobs)
        nb = pd.DataFrame(c['notebooks'])[['notebook', 'seconds']]
        print(f'\nNotebook wall times (fresh kernel each, {a.jobs} at a time, slow cells included):')
        print(nb.to_string(index=False, float_format=lambda v: f'{v:.1f}'))
        print(f"Whole course: {c['total_seconds']:.1f} s")
        fig.update(notebooks=c['notebooks'], course_seconds=c['total_seconds'], models=c['models'])

    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if not a.no_course else 0.
    cuda_mb = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else 0.
    print(f'\nPeak memory: this process {self_mb:.0f} MiB RSS'
          + (f'; largest notebook kernel {kids_mb:.0f} MiB RSS' if kids_mb else '') + (f'; CUDA {cuda_mb:.0f} MiB' if cuda_mb else ''))
    fig.update(peak_rss_mb=self_mb, peak_kernel_rss_mb=kids_mb, peak_cuda_mb=cuda_mb)
    if a.json: Path(a.json).write_text(json.dumps(fig, indent=1, default=str))


if __name__ == '__main__':
    main()
