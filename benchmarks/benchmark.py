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
the bound. Then lesson 7's convnet (`conv_net`, channels_last, Adam, 2 threads): its epoch's FLOPs, the sustained
rate of each of its own convolutions here (forward + backward, on the maps it sees), the bound (each convolution's
FLOPs at its own rate, the rest at the matmul rate) and an epoch's time against it. Then lesson 6's resnet18 (not pretrained, trimmed by `trim_convs` to the
kernel positions that land on pixels, channels_last, `fit_one_cycle(RESNET_EPOCHS, RESNET_LR)`, batch size RESNET_BS, batches from a
`TensorLoader`; time per epoch) against what this machine could do and against fastai's defaults:
the machine's
sustained fp32 rate (GFLOP/s, median of timed runs: a 2048x2048 matrix multiply, and a 64->64 channel 3x3
convolution on the (128, 64, 7, 7) maps resnet18's body sees on our 28x28 digits, forward + backward); the epoch's
FLOPs (counted by `FlopCounterMode` on one training and one validation batch of the trimmed model, scaled to the epoch); the bound (those
FLOPs at the faster rate); our epoch's wall time and accuracy; and fastai's defaults (`ImageDataLoaders.from_folder`,
PNGs decoded per item, batch size 64, its worker processes, `fit_one_cycle(1, 0.1)`), with their ratios.
`--resnet-images N` trains both resnets on the first N/2 3s and first N/2 7s only (the same images for both; fastai's
through from_folder's own DataBlock restricted to those files) and validates on the first N/8 of each; the FLOPs and
the bound are for those images. Then each notebook's wall time and its kernel's peak memory, and the whole course's
time (`tools/run_course.py`, fresh kernels), and this process's peak memory.

`--side-by-side N` runs only N pairs, each the chapter (`CHAPTER`, under tools/run_course.py) and right after it the
book's chapter-4 notebook from ../shared/anchor (set up once in /tmp/anchor-venv), and prints both wall times, their
ratio and both resnets' accuracies, pair by pair, then the median and the spread.

Usage: python benchmarks/benchmark.py [--repeats 5] [--no-course] [--resnet-images N | --no-resnet] [--compile]
                                      [--json FILE] | --side-by-side N [--json FILE]
"""
import argparse, functools, json, re, resource, subprocess, sys, tempfile, time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from digit_sgd.data import load_mnist_sample, load_mnist, split_valid, mnist_sample_path, image_files
from digit_sgd.ten_digits import cross_entropy, multiclass_accuracy, conv_net
from digit_sgd.loss import mnist_xy, mnist_loss
from digit_sgd.neural_net import simple_net
from digit_sgd.minibatch import train_epoch, validate_epoch, batch_accuracy, MiniLearner, BasicOptim
from digit_sgd.speed import TensorLoader, median_time, bare_epoch, torch_threads, trim_convs
from fastai.data.load import DataLoader
from fastai.data.core import DataLoaders
from fastai.learner import Learner
import fastai.callback.progress  # noqa: F401  (the lesson imports it too: progress bars, Learner.no_bar)
from fastai.optimizer import SGD
from fastai.torch_core import default_device, set_seed
from fastai.vision.data import ImageDataLoaders, DataBlock, ImageBlock, CategoryBlock, GrandparentSplitter, parent_label
from fastai.vision.learner import vision_learner
from fastai.metrics import accuracy
from fastai.callback.schedule import fit_one_cycle  # noqa: F401  (registers Learner.fit_one_cycle)
from fastcore.basics import first
from fastcore.foundation import L
from torchvision.models import resnet18

ROOT = Path(__file__).resolve().parents[1]
BS = 256
MODELS = {'linear': (lambda: nn.Linear(28*28, 1), 1.0), 'simple_net': (simple_net, 0.1)}  # (factory, lr): lessons 5-6
TEN_BS = 256   # lesson 7's batch size, models and learning rates
TEN_MODELS = {'linear 784-10': (lambda: nn.Linear(28*28, 10), 1.0),
              'simple_net 784-256-10': (lambda: simple_net(28*28, 256, 10), 1.0)}
RESNET_BS, RESNET_LR, RESNET_EPOCHS = 256, 0.02, 2   # lesson 6's batch size, learning rate and epochs
FASTAI_LR = 0.1                   # the book's fit_one_cycle(1, 0.1) for fastai's defaults
MATMUL_N, CONV_SHAPE = 2048, (128, 64, 7, 7)   # rate probes: n x n matmul; maps of resnet18's first 64-channel convs
RATE_REPEATS = 10
CONV_BS, CONV_LR, CONV_THREADS = 256, 0.01, 2   # lesson 7's convnet: batch size, peak rate (one epoch at it), threads


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


def matmul_rate(device, n=MATMUL_N):
    "Sustained fp32 GFLOP/s of an n x n @ n x n matrix multiply (2·n³ FLOP)."
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    return 2*n**3 / median_time(lambda: a @ b, RATE_REPEATS, warmup=2) / 1e9


def conv_rate(device, shape=CONV_SHAPE):
    "Sustained fp32 GFLOP/s of a 3x3 convolution on `shape` maps: forward, input grad and weight grad (FLOPs counted)."
    conv = nn.Conv2d(shape[1], shape[1], 3, padding=1, bias=False).to(device)
    x, g = torch.randn(shape, device=device, requires_grad=True), torch.randn(shape, device=device)
    def step():
        x.grad = conv.weight.grad = None   # fresh gradients each time, no accumulation
        conv(x).backward(g)
    with FlopCounterMode(display=False) as fc: step()
    return fc.get_total_flops() / median_time(step, RATE_REPEATS, warmup=2) / 1e9


def epoch_flops(model, loss_func, batch, vbatch, n_train, n_valid):
    "FLOPs per training image (forward + backward) and of the epoch, counted on one batch of each kind and scaled."
    (xb, yb), (vxb, _) = batch, vbatch
    model.train()
    with FlopCounterMode(display=False) as fc: loss_func(model(xb), yb).backward()
    per_image = fc.get_total_flops() / len(xb)
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fc: model(vxb)
    model.zero_grad()
    return per_image, per_image*n_train + fc.get_total_flops()/len(vxb)*n_valid


def conv_rates(model, xb):
    "Each convolution of `model`, alone, on the maps it sees for the batch `xb`: FLOPs per image and GFLOP/s (fwd + bwd)."
    rows, h = [], xb
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            maps = h.detach().requires_grad_(len(rows) > 0)   # the first convolution sees the images: no input grad
            g = torch.randn_like(layer(maps))
            def step(layer=layer, maps=maps, g=g):
                maps.grad = layer.weight.grad = layer.bias.grad = None   # fresh gradients each time
                layer(maps).backward(g)
            with FlopCounterMode(display=False) as fc: step()
            secs = median_time(step, RATE_REPEATS, warmup=2)
            rows.append(dict(maps=tuple(maps.shape), kernels=tuple(layer.weight.shape),
                             flop_per_image=fc.get_total_flops()/len(xb), gflops=fc.get_total_flops()/secs/1e9))
        with torch.no_grad(): h = layer(h)
    return rows


def conv_section(data, repeats, device):
    """Lesson 7's convnet (channels_last, Adam, CONV_THREADS threads): an epoch's FLOPs, the sustained rate of each of its
    own convolutions here, the bound (each convolution's FLOPs at its own rate, the rest at the matmul rate), and the
    epoch's time (`MiniLearner.fit(1)`, median of `repeats`) against it."""
    (x, y), (vx, vy) = data
    with torch_threads(CONV_THREADS):
        torch.manual_seed(0)
        model = conv_net().to(device, memory_format=torch.channels_last)
        xb, yb = x[:CONV_BS].to(device), y[:CONV_BS].to(device)
        per_image, flops = epoch_flops(model, cross_entropy, (xb, yb), (vx[:CONV_BS].to(device), None), len(x), len(vx))
        convs, rate_mm = conv_rates(model, xb), matmul_rate(device)
        conv_flops = sum(r['flop_per_image'] for r in convs) * len(x)
        bound_s = sum(r['flop_per_image']*len(x)/(r['gflops']*1e9) for r in convs) + (flops - conv_flops)/(rate_mm*1e9)
        learn = MiniLearner(TensorLoader(x, y, CONV_BS, shuffle=True, seed=0, device=device),
                            TensorLoader(vx, vy, 1000, device=device), model, cross_entropy,
                            functools.partial(torch.optim.Adam, betas=(0.7, 0.9)), multiclass_accuracy, device=device)
        epoch_s = median_time(lambda: learn.fit(1, CONV_LR, show_progress=False), repeats)
    print(f'\nconv_net (lesson 7), per epoch on {len(x):,} training and {len(vx):,} validation images, batch size '
          f'{CONV_BS}, {CONV_THREADS} threads, channels_last:')
    print(f'Epoch FLOPs (FlopCounterMode): {flops/1e12:.3f} TFLOP; {per_image/1e6:.2f} MFLOP per training image '
          f'(forward + backward), {conv_flops/flops:.0%} of the epoch in its convolutions')
    for i, r in enumerate(convs, 1):
        print(f"  convolution {i}: maps {r['maps']}, kernels {r['kernels']}: {r['flop_per_image']/1e6:.2f} MFLOP per "
              f"image, sustained {r['gflops']:.1f} GFLOP/s forward + backward (median of {RATE_REPEATS})")
    print(f'Bound (each convolution at its own rate, the rest at the matmul rate, {rate_mm:.1f} GFLOP/s): '
          f'{bound_s:.2f} s; an epoch (MiniLearner.fit(1), median of {repeats}): {epoch_s:.2f} s, '
          f'{epoch_s/bound_s:.1f}x the bound (target: within 3x)')
    return dict(epoch_tflop=flops/1e12, mflop_per_image=per_image/1e6, conv_share=conv_flops/flops, convs=convs,
                rate_matmul_gflops=rate_mm, bound_s=bound_s, epoch_s=epoch_s, epoch_over_bound=epoch_s/bound_s,
                threads=CONV_THREADS, bs=CONV_BS, train_images=len(x), valid_images=len(vx))


def resnet_subset(d, n):
    "Training and validation (x, y) and their PNG files: all, or the first n/2 3s and 7s and the first n/8 valid ones."
    files = image_files(mnist_sample_path())
    counts = {k: len(v) for k, v in files.items()}
    if n is not None: counts = {'train/3': n//2, 'train/7': n - n//2, 'valid/3': n//4//2, 'valid/7': n//4 - n//4//2}
    data = tuple(mnist_xy(d3[:counts[f'{s}/3']], d7[:counts[f'{s}/7']])
                 for s, d3, d7 in (('train', d.train3, d.train7), ('valid', d.valid3, d.valid7)))
    return data, [f for k, fs in files.items() for f in fs[:counts[k]]]


def rgb(x): return x.view(-1, 1, 28, 28).expand(-1, 3, -1, -1).contiguous()   # three identical channels


def timed_fit(learn, lr, epochs=1):
    "Wall time per epoch of `fit_one_cycle(epochs, lr)` (no bar, no logging) and the validation accuracy it ends with."
    def fit():
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    return median_time(fit, 1, warmup=0)/epochs, learn.recorder.values[-1][2]


def fastai_dls(files):
    "fastai's defaults: `from_folder` on the whole folder, or, for a subset, the DataBlock it builds on `files` only."
    path = mnist_sample_path()
    if files is None: return ImageDataLoaders.from_folder(path, train='train', valid='valid')
    dblock = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=lambda _: L(files), splitter=GrandparentSplitter(),
                       get_y=parent_label)
    return ImageDataLoaders.from_dblock(dblock, path, path=path)


def resnet_section(d, n, device):
    "Lesson 6's one-epoch resnet18 against the machine's sustained rate and fastai's defaults; prints, returns figures."
    import pandas as pd
    ((x, y), (vx, vy)), files = resnet_subset(d, n)
    threads = torch.get_num_threads()
    rate_mm, rate_conv = matmul_rate(device), conv_rate(device)
    set_seed(42, reproducible=True)
    dls = DataLoaders(TensorLoader(rgb(x), y.view(-1).long(), RESNET_BS, shuffle=True, seed=42, device=device),
                      TensorLoader(rgb(vx), vy.view(-1).long(), 512, device=device))
    learn = vision_learner(dls, resnet18, pretrained=False, loss_func=F.cross_entropy, metrics=accuracy, n_out=2)
    trim_convs(learn.model.to(device), rgb(vx[:1]).to(device))   # as lesson 6 does
    learn.model.to(memory_format=torch.channels_last)
    ours_s, ours_acc = timed_fit(learn, RESNET_LR, RESNET_EPOCHS)
    set_seed(42, reproducible=True)
    fdls = fastai_dls(None if n is None else files)
    flearn = vision_learner(fdls, resnet18, pretrained=False, loss_func=F.cross_entropy, metrics=accuracy)
    fastai_s, fastai_acc = timed_fit(flearn, FASTAI_LR)
    workers = fdls.train.fake_l.num_workers   # the real count; fdls.train.num_workers is 1 outside a worker
    per_image, flops = epoch_flops(learn.model, F.cross_entropy, first(dls.train), first(dls.valid), len(x), len(vx))
    bound_s = flops / (max(rate_mm, rate_conv) * 1e9)

    print(f'\nresnet18 (not pretrained), per epoch of fit_one_cycle, on {len(x):,} training and {len(vx):,} validation '
          f'images; torch threads: {threads}')
    print(f'Sustained fp32 rate (median of {RATE_REPEATS}): {MATMUL_N}x{MATMUL_N} @ {MATMUL_N}x{MATMUL_N} matmul '
          f'{rate_mm:.1f} GFLOP/s; 64->64 channel 3x3 conv on {CONV_SHAPE} maps, forward + backward (input and weight '
          f'grads) {rate_conv:.1f} GFLOP/s')
    print(f'Epoch FLOPs (FlopCounterMode): {flops/1e12:.3f} TFLOP; {per_image/1e9:.3f} GFLOP per training image '
          f'(forward + backward), plus forward passes over the validation images')
    print(f'Bound: the epoch at the faster rate, {bound_s:.1f} s')
    print(f'Ours (lesson 6): trimmed, channels_last, TensorLoader batches of {RESNET_BS}, fit_one_cycle({RESNET_EPOCHS}, {RESNET_LR}), time '
          f'per epoch. fastai defaults (the book): from_folder, PNGs decoded per item, batch size {fdls.train.bs}, '
          f'{workers} worker processes, fit_one_cycle(1, {FASTAI_LR})'
          + ('' if n is None else " (from_folder's DataBlock on the subset's files)"))
    t = pd.DataFrame({'seconds an epoch': [bound_s, ours_s, fastai_s],
                      'accuracy': [float('nan'), ours_acc, fastai_acc]},
                     index=['bound', 'ours', 'fastai defaults'])
    print(t.to_string(na_rep='', formatters={'seconds an epoch': '{:.1f}'.format, 'accuracy': '{:.4f}'.format}))
    print(f"ours is {ours_s/bound_s:.1f}x the bound; fastai's defaults take {fastai_s/ours_s:.1f}x as long as ours "
          "(targets: at most 3x; at least 1.8x)")
    return dict(rate_matmul_gflops=rate_mm, rate_conv_gflops=rate_conv, conv_shape=list(CONV_SHAPE),
                epoch_tflop=flops/1e12, gflop_per_image=per_image/1e9, bound_s=bound_s, ours_s=ours_s,
                ours_accuracy=ours_acc, fastai_s=fastai_s, fastai_accuracy=fastai_acc, fastai_num_workers=workers,
                ours_over_bound=ours_s/bound_s, fastai_over_ours=fastai_s/ours_s, threads=threads, bs=RESNET_BS,
                lr=RESNET_LR, epochs=RESNET_EPOCHS, train_images=len(x), valid_images=len(vx))


def compile_times(device, bs=RESNET_BS, steps=10):
    "resnet18's training step (SGD), eager and under `torch.compile`: seconds a step, and the first compiled step."
    torch.manual_seed(0)
    model = resnet18(num_classes=2).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=RESNET_LR)
    xb, yb = torch.rand(bs, 3, 28, 28, device=device), torch.randint(0, 2, (bs,), device=device)
    def step(m):
        F.cross_entropy(m(xb), yb).backward(); opt.step(); opt.zero_grad()
    eager = median_time(lambda: step(model), steps, warmup=2)
    import torch._inductor.config as inductor_config
    inductor_config.force_disable_caches = True   # a cold compile, as on a learner's first run
    compiled = torch.compile(model)
    start = time.perf_counter(); step(compiled); first = time.perf_counter() - start
    return eager, first, median_time(lambda: step(compiled), steps, warmup=2)


CHAPTER = '00_,01_,02_,03_,04_,05_,06_,90_'   # the book chapter's lessons and the results notebook: the critical path


def course_times(jobs, only=None):
    "Run every notebook (or those `only` names) with the course runner and read back its timings."
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, str(ROOT/'tools'/'run_course.py'), '--out', d, '--jobs', str(jobs)]
        cmd += ['--only', only] if only else []
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode: sys.exit(f'The course run failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}')
        return json.loads((Path(d)/'results.json').read_text())


ANCHOR = ROOT.parent/'shared'/'anchor'   # the book's chapter-4 notebook and its offline runner, beside the clone
BOOK_RUN = Path('/tmp/anchor')           # where the anchor's setup.sh puts its copy, run.sh and report.py


def book_report(text):
    "(wall seconds, resnet18 accuracy) from what the anchor's run.sh printed (its report.py); exits if either is missing."
    wall = re.search(r'TOTAL WALL SECONDS[^:]*:\s*([\d.]+)', text)
    acc = re.search(r'resnet18 \(pretrained=False\)[^:]*: final accuracy = ([\d.]+)', text)
    if not (wall and acc): sys.exit(f"The book's run printed no wall time or no resnet accuracy:\n{text[-2000:]}")
    return float(wall.group(1)), float(acc.group(1))


def book_run():
    "Run the book's chapter-4 notebook offline, as ../shared/anchor sets it up: its wall time and its resnet's accuracy."
    if not (BOOK_RUN/'run.sh').exists() or not Path('/tmp/anchor-venv/bin/papermill').exists():
        print("Setting up the book's notebook (../shared/anchor/setup.sh: a venv in /tmp/anchor-venv, once)...")
        subprocess.run(['bash', str(ANCHOR/'setup.sh')], check=True, capture_output=True)
    return book_report(subprocess.run(['bash', str(BOOK_RUN/'run.sh')], capture_output=True, text=True).stdout)


def resnet_accuracy(course):
    "The accuracy lesson 6 recorded for its resnet18 in a course run's results."
    return next(m['accuracy'] for m in course['models'] if m['lesson'] == '06_neural_net' and 'resnet18' in m['model'])


def side_by_side(runs, jobs):
    """`runs` pairs, each our chapter (the course runner) and right after it the book's chapter-4 notebook: both wall
    times, their ratio and both resnets' accuracies, then the median and the spread of each."""
    import pandas as pd
    if not (ANCHOR/'setup.sh').exists(): sys.exit(f'--side-by-side needs the book\'s notebook in {ANCHOR}: not found.')
    rows = []
    for i in range(runs):
        ours = course_times(jobs, CHAPTER)
        book_s, book_acc = book_run()
        rows.append(dict(ours_s=ours['total_seconds'], book_s=book_s, ratio=ours['total_seconds']/book_s,
                         ours_resnet=resnet_accuracy(ours), book_resnet=book_acc))
        print(f"pair {i + 1}: ours {rows[-1]['ours_s']:.1f} s, the book's {book_s:.1f} s, ratio {rows[-1]['ratio']:.2f}; "
              f"resnet accuracy ours {rows[-1]['ours_resnet']:.4f}, the book's {book_acc:.4f}", flush=True)
    t = pd.DataFrame(rows)
    print(f"\nSide by side, {runs} pairs on this machine (our chapter: {CHAPTER} under tools/run_course.py; then the "
          "book's chapter-4 notebook under papermill):")
    print(t.agg(['median', 'min', 'max']).to_string(float_format=lambda v: f'{v:.4f}' if v < 1.5 else f'{v:.1f}'))
    print(f"ours over the book's: median {t['ratio'].median():.2f}, from {t['ratio'].min():.2f} to "
          f"{t['ratio'].max():.2f} (target: at most 0.5); our resnet at least as accurate in "
          f"{(t['ours_resnet'] >= t['book_resnet']).sum()} of {runs} pairs")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=5, help='timed epochs per measurement (median reported)')
    ap.add_argument('--no-course', action='store_true', help='skip running the notebooks')
    ap.add_argument('--jobs', type=int, default=2, help='notebooks at a time for the course run (as tools/course.sh)')
    ap.add_argument('--resnet-images', type=int, metavar='N',
                    help='resnet18 section on the first N/2 3s and 7s (and N/8 of each to validate); default: all')
    ap.add_argument('--no-resnet', action='store_true', help='skip the resnet18 section')
    ap.add_argument('--compile', action='store_true',
                    help="also time resnet18's training step under torch.compile (compiling takes a while)")
    ap.add_argument('--side-by-side', type=int, metavar='N', help="only run N pairs: our chapter, then the book's "
                    'chapter-4 notebook from ../shared/anchor right after it; prints both times, ratios, accuracies')
    ap.add_argument('--json', help='also write the figures to this file')
    a = ap.parse_args(argv)
    if a.side_by_side is not None:
        rows = side_by_side(a.side_by_side, a.jobs)
        if a.json: Path(a.json).write_text(json.dumps(dict(side_by_side=rows), indent=1))
        return
    if a.resnet_images is not None and a.resnet_images < 8: ap.error('--resnet-images needs at least 8 images')

    import pandas as pd
    device = default_device()
    d = load_mnist_sample()
    data = (mnist_xy(d.train3, d.train7), mnist_xy(d.valid3, d.valid7))
    print(f'device: {device}; torch threads: {torch.get_num_threads()}; batch size {BS}; '
          f'median of {a.repeats} epochs\n')
    rows = []
    for name, (make, lr) in MODELS.items():
        t = epoch_times(make, lr, data, a.repeats, device)
        rows.append(dict(model=name, **{k: v*1000 for k, v in t.items()},
                         **{'lesson/fast': t['lesson']/t['fast'], 'loop/fast': t['loop']/t['fast'],
                            'fast/bound': t['fast']/t['bound']}))
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
    fig['conv_net'] = conv_section(ten_data, a.repeats, device)

    if not a.no_resnet: fig['resnet18'] = resnet_section(d, a.resnet_images, device)
    if a.compile:
        eager, first, compiled = compile_times(device)
        steps = RESNET_EPOCHS * -(-12396 // RESNET_BS)
        print(f'\ntorch.compile, resnet18 training step on {RESNET_BS} images: eager {eager*1000:.0f} ms; compiled '
              f'{compiled*1000:.0f} ms after a first step of {first:.1f} s (compiling). Over lesson 6\'s {steps} '
              f'steps it saves {(eager - compiled)*steps:.1f} s and costs {first:.1f} s.')
        fig['compile'] = dict(eager_step_s=eager, compiled_step_s=compiled, first_compiled_step_s=first, steps=steps)

    if not a.no_course:
        ch = course_times(a.jobs, CHAPTER)
        print(f"\nThe chapter's lessons (00 to 06) and the results notebook: {ch['total_seconds']:.1f} s "
              f"(target: at most 50 s on 2 cores, half the book's chapter-4 notebook)")
        fig.update(chapter_seconds=ch['total_seconds'], chapter_notebooks=ch['notebooks'])
        c = course_times(a.jobs)
        nb = pd.DataFrame(c['notebooks'])[['notebook', 'seconds', 'peak_mib']]
        print(f'\nNotebook wall times and kernel peak memory (MiB; fresh kernel each, {a.jobs} at a time, the longest '
              'last with every core, slow cells included):')
        print(nb.to_string(index=False, float_format=lambda v: f'{v:.1f}'))
        print(f"Whole course: {c['total_seconds']:.1f} s")
        fig.update(notebooks=c['notebooks'], course_seconds=c['total_seconds'], models=c['models'])

    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids_mb = max((r['peak_mib'] or 0 for r in c['notebooks']), default=0.) if not a.no_course else 0.
    cuda_mb = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else 0.
    print(f'\nPeak memory: this process {self_mb:.0f} MiB RSS'
          + (f'; largest notebook kernel {kids_mb:.0f} MiB RSS' if kids_mb else '')
          + (f'; CUDA {cuda_mb:.0f} MiB' if cuda_mb else ''))
    fig.update(peak_rss_mb=self_mb, peak_kernel_rss_mb=kids_mb, peak_cuda_mb=cuda_mb)
    if a.json: Path(a.json).write_text(json.dumps(fig, indent=1, default=str))


if __name__ == '__main__':
    main()
