"""The benchmark script runs and reports its figures (their size is for the benchmark to print, not for a test to time).

It runs here in this process, through its own `main` and argument parser, on a slice of the data: the first
SAMPLE_PER_FOLDER images of each MNIST_SAMPLE folder (read from the course's cache), and a copy of the first
MNIST_PER_FOLDER PNGs of each full-MNIST folder, which `load_mnist` decodes, caches and reads back as it does the whole
dataset; the machine's rate is the median of RATE_REPEATS runs instead of the script's 10. Every section runs the same
code as on the full data (only the number of batches and runs changes); the figures on the whole dataset are the
benchmark's to print (python benchmarks/benchmark.py)."""
import json, random, shutil, sys
from functools import partial
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PER_FOLDER = 64    # 3s and 7s: 128 training and 128 validation images, one batch of 256 each
MNIST_PER_FOLDER = 32     # ten digits: 320 training images (288 train, 32 valid after split_valid), 320 test
RESNET_IMAGES = 64        # resnet18 on 64 training and 16 validation images: one batch each, fastai's 64 as well
RATE_REPEATS = 2          # timed runs of the matmul and the convolution that give the machine's sustained rate

# fastai's tabular module, imported with fastai.vision, sets a pandas option pandas 3 deprecates (the script run on its
# own prints the same warning to stderr)
pytestmark = pytest.mark.filterwarnings("ignore:The 'mode.chained_assignment' option is deprecated")


@pytest.fixture
def benchmark(tmp_path, monkeypatch):
    """The benchmark module, its loaders pointed at the slice of the data; the random generators and cuDNN's flags
    that its `set_seed(42, reproducible=True)` sets are put back afterwards, as if it had run in a process of its
    own."""
    import numpy as np, torch
    sys.path.insert(0, str(ROOT/'benchmarks'))
    try: import benchmark as b
    finally: sys.path.remove(str(ROOT/'benchmarks'))
    for flag in ('deterministic', 'benchmark'):
        monkeypatch.setattr(torch.backends.cudnn, flag, getattr(torch.backends.cudnn, flag))
    from digit_sgd.data import MnistSample, MNIST_FOLDERS, load_mnist, load_mnist_sample, mnist_path, image_files
    sample = load_mnist_sample()
    monkeypatch.setattr(b, 'load_mnist_sample', lambda: MnistSample(*(t[:SAMPLE_PER_FOLDER] for t in sample)))
    src, small = mnist_path(), tmp_path/'mnist_png'
    for key, files in image_files(src, None, MNIST_FOLDERS, 'MNIST').items():
        (small/key).mkdir(parents=True)
        for f in files[:MNIST_PER_FOLDER]: shutil.copy2(f, small/key/f.name)
    counts = dict.fromkeys(MNIST_FOLDERS, MNIST_PER_FOLDER)
    monkeypatch.setattr(b, 'load_mnist', partial(load_mnist, small, expected=counts))
    monkeypatch.setattr(b, 'RATE_REPEATS', RATE_REPEATS)
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    yield b
    random.setstate(states[0]); np.random.set_state(states[1]); torch.set_rng_state(states[2])


def test_benchmark_prints_and_saves_per_epoch_figures(benchmark, tmp_path, capsys):
    out = tmp_path/'bench.json'
    benchmark.main(['--repeats', '1', '--no-course', '--resnet-images', str(RESNET_IMAGES), '--json', str(out)])
    stdout = capsys.readouterr().out
    assert (tmp_path/'mnist_png'/'digit_sgd_cache.pt').exists()   # the copy was decoded and cached, then read back
    assert f'(median of {RATE_REPEATS})' in stdout
    assert 'Per-epoch time' in stdout and 'Peak memory' in stdout
    rows = {row['model']: row for row in json.loads(out.read_text())['epochs']}
    assert set(rows) == {'linear', 'simple_net'}
    for row in rows.values():
        assert all(row[k] > 0 for k in ['(a) lesson ms', '(b) loop ms', '(c) fast ms', '(d) bound ms'])
        assert abs(row['c/d'] - row['(c) fast ms']/row['(d) bound ms']) < 1e-9
    figs = json.loads(out.read_text())
    assert figs['mnist_decode_s'] > 0 and figs['mnist_cached_s'] > 0 and 'decoding them all' in stdout
    ten = {row['model']: row for row in figs['ten_digits']}
    assert set(ten) == {'linear 784-10', 'simple_net 784-256-10'} and 'Ten digits, full MNIST' in stdout
    assert f'({9*MNIST_PER_FOLDER:,} training and {MNIST_PER_FOLDER:,} validation images' in stdout
    for row in ten.values():
        assert all(row[k] > 0 for k in ['(c) fast ms', '(e) MiniLearner ms', '(d) bound ms'])
        assert abs(row['e/d'] - row['(e) MiniLearner ms']/row['(d) bound ms']) < 1e-9
    conv = figs['conv_net']
    assert 'conv_net (lesson 7)' in stdout and 'x the bound (target: within 3x)' in stdout
    assert (conv['train_images'], conv['valid_images']) == (9*MNIST_PER_FOLDER, MNIST_PER_FOLDER)
    assert [c['kernels'] for c in conv['convs']] == [[24, 1, 5, 5], [32, 24, 3, 3]]       # its two convolutions
    assert all(c['gflops'] > 0 and c['flop_per_image'] > 0 for c in conv['convs']) and 0.5 < conv['conv_share'] < 1
    assert abs(conv['epoch_over_bound'] - conv['epoch_s']/conv['bound_s']) < 1e-9 and conv['bound_s'] > 0
    res = figs['resnet18']
    assert 'resnet18 (not pretrained)' in stdout and "fastai's defaults take" in stdout
    assert (res['train_images'], res['valid_images']) == (RESNET_IMAGES, RESNET_IMAGES//4)
    assert all(res[k] > 0 for k in ['rate_matmul_gflops', 'rate_conv_gflops', 'epoch_tflop', 'gflop_per_image',
                                    'bound_s', 'ours_s', 'fastai_s', 'threads', 'bs', 'lr'])
    assert 0 <= res['ours_accuracy'] <= 1 and 0 <= res['fastai_accuracy'] <= 1 and res['fastai_num_workers'] >= 0
    assert res['epoch_tflop']*1e3 > res['gflop_per_image']*RESNET_IMAGES   # training FLOPs, plus validation forwards
    fastest = max(res['rate_matmul_gflops'], res['rate_conv_gflops'])
    assert abs(res['bound_s'] - res['epoch_tflop']*1e3/fastest) < 1e-9*res['bound_s']
    assert abs(res['ours_over_bound'] - res['ours_s']/res['bound_s']) < 1e-9
    assert abs(res['fastai_over_ours'] - res['fastai_s']/res['ours_s']) < 1e-9


def test_the_redraw_benchmark_moves_every_slider_and_prints_each_explorers_figures(tmp_path, capsys):
    import nbformat, re
    toy = ("import ipywidgets as widgets\nfrom digit_sgd.explore import Explorer\n"
           "def draw(fig, n):\n    fig.subplots().plot(range(n))\n    return f'{n} points'\n"
           "dots = Explorer(draw, {'n': widgets.IntSlider(3, min=1, max=9, description='n')})")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(toy)]), tmp_path/'03_toy.ipynb')
    sys.path.insert(0, str(ROOT/'benchmarks'))
    try: import redraw
    finally: sys.path.remove(str(ROOT/'benchmarks'))
    worst = redraw.main(['--nbs', str(tmp_path), '--only', '03', '--moves', '4'])
    out = capsys.readouterr().out
    assert re.search(r'03_toy\.ipynb\s+dots\s+5\s+\d+\s+\d+\n', out), out   # 4 positions, then back: 5 redraws
    assert worst > 0 and f'slowest redraw: {worst:.0f} ms (target: 200 ms)' in out


def test_the_side_by_side_mode_reads_the_books_report_and_our_resnet(benchmark):
    report = ("TOTAL WALL SECONDS (run.sh, papermill end to end): 157.3\n"
              "  [339] resnet18 (pretrained=False), fit_one_cycle(1, 0.1): final accuracy = 0.994603  (epochs: 1)\n")
    assert benchmark.book_report(report) == (157.3, 0.994603)
    with pytest.raises(SystemExit, match="no wall time or no resnet accuracy"): benchmark.book_report(report[:60])
    course = {'models': [{'lesson': '06_neural_net', 'model': 'simple_net 784-30-1', 'accuracy': 0.98},
                         {'lesson': '06_neural_net', 'model': 'resnet18 (not pretrained), two epochs', 'accuracy': 0.997}]}
    assert benchmark.resnet_accuracy(course) == 0.997
    assert benchmark.ANCHOR.name == 'anchor' and benchmark.ANCHOR.parent.name == 'shared'   # ../shared/anchor
