"The benchmark script runs and reports its figures (their size is for the benchmark to print, not for a test to time)."
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_prints_and_saves_per_epoch_figures(tmp_path):
    out = tmp_path/'bench.json'
    r = subprocess.run([sys.executable, str(ROOT/'benchmarks'/'benchmark.py'), '--repeats', '1', '--no-course',
                        '--resnet-images', '256', '--json', str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'Per-epoch time' in r.stdout and 'Peak memory' in r.stdout
    rows = {row['model']: row for row in json.loads(out.read_text())['epochs']}
    assert set(rows) == {'linear', 'simple_net'}
    for row in rows.values():
        assert all(row[k] > 0 for k in ['(a) lesson ms', '(b) loop ms', '(c) fast ms', '(d) bound ms'])
        assert abs(row['c/d'] - row['(c) fast ms']/row['(d) bound ms']) < 1e-9
    figs = json.loads(out.read_text())
    assert figs['mnist_decode_s'] > 0 and figs['mnist_cached_s'] > 0 and 'decoding them all' in r.stdout
    ten = {row['model']: row for row in figs['ten_digits']}
    assert set(ten) == {'linear 784-10', 'simple_net 784-256-10'} and 'Ten digits, full MNIST' in r.stdout
    for row in ten.values():
        assert all(row[k] > 0 for k in ['(c) fast ms', '(e) MiniLearner ms', '(d) bound ms'])
        assert abs(row['e/d'] - row['(e) MiniLearner ms']/row['(d) bound ms']) < 1e-9
    res = figs['resnet18']
    assert 'resnet18 (not pretrained)' in r.stdout and "fastai's defaults take" in r.stdout
    assert (res['train_images'], res['valid_images']) == (256, 64)
    assert all(res[k] > 0 for k in ['rate_matmul_gflops', 'rate_conv_gflops', 'epoch_tflop', 'gflop_per_image',
                                    'bound_s', 'ours_s', 'fastai_s', 'threads', 'bs', 'lr'])
    assert 0 <= res['ours_accuracy'] <= 1 and 0 <= res['fastai_accuracy'] <= 1 and res['fastai_num_workers'] >= 0
    assert res['epoch_tflop']*1e3 > res['gflop_per_image']*256       # training FLOPs, plus the validation forwards
    fastest = max(res['rate_matmul_gflops'], res['rate_conv_gflops'])
    assert abs(res['bound_s'] - res['epoch_tflop']*1e3/fastest) < 1e-9*res['bound_s']
    assert abs(res['ours_over_bound'] - res['ours_s']/res['bound_s']) < 1e-9
    assert abs(res['fastai_over_ours'] - res['fastai_s']/res['ours_s']) < 1e-9
