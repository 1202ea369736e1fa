#!/usr/bin/env python
"""How long a slider's redraw takes. Runs each lesson with explorers (3, 4 and 6; slow cells skipped) in a fresh
kernel, then moves every slider of every `Explorer` the lesson made across its range, `--moves` positions each and
back, and prints each explorer's median and slowest redraw (the issue's target: at most 200 ms each). A redraw is
what a learner waits for: the lesson's `draw` and the PNG of the figure (`Explorer.times`).

Usage: python benchmarks/redraw.py [--moves 20] [--only 03,04,06] [--nbs FOLDER]"""
import argparse, json, os, sys, tempfile
from pathlib import Path
import nbformat
from digit_sgd.results import RESULTS_ENV
from digit_sgd.runner import run_notebook

ROOT = Path(__file__).resolve().parents[1]
PROBE = '''
import json as _json, statistics as _st
from digit_sgd.explore import Explorer as _Explorer
def _positions(s, n):
    ends = [s.min + (s.max - s.min)*k/(n - 1) for k in range(n)]
    ends = [s.base**v for v in ends] if hasattr(s, 'base') else ends
    return [round(v) for v in ends] if isinstance(s.value, int) else ends
_found = {}
for _name, _ex in [(k, v) for k, v in globals().items() if isinstance(v, _Explorer) and not k.startswith('_')]:
    _ex.times.clear()
    for _slider, _s in _ex.sliders.items():
        _start = _s.value
        for _v in _positions(_s, MOVES) + [_start]: _ex.set(**{_slider: _v})
    _found[_name] = dict(median_ms=1000*_st.median(_ex.times), max_ms=1000*max(_ex.times), redraws=len(_ex.times))
print('REDRAW ' + _json.dumps(_found))
'''


def redraw_times(path: Path, moves: int) -> dict:
    "Run the notebook at `path` (slow and cuda cells left out), then the probe: each explorer's redraw figures."
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE.replace('MOVES', str(moves))))
    with tempfile.TemporaryDirectory() as results:
        r = run_notebook(nb, path.parent, {**os.environ, RESULTS_ENV: results})
    if r['error']: raise SystemExit(f'{path.name} failed: {r["error"][-2000:]}')
    text = ''.join(o.get('text', '') for o in nb.cells[-1].outputs)
    return json.loads(text.split('REDRAW ', 1)[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--moves', type=int, default=20, help='positions per slider, spread over its range')
    ap.add_argument('--only', default='03,04,06', help='notebooks whose names start with these, comma-separated')
    ap.add_argument('--nbs', default=str(ROOT/'nbs'), help='folder of notebooks (default: nbs/)')
    a = ap.parse_args(argv)
    paths = sorted(p for p in Path(a.nbs).glob('*.ipynb') if p.name.startswith(tuple(a.only.split(','))))
    if not paths: raise SystemExit(f'no notebook in {a.nbs} starts with {a.only}')
    print(f"{'notebook':<24}{'explorer':<20}{'redraws':>8}{'median ms':>11}{'slowest ms':>12}")
    worst = 0.
    for p in paths:
        for name, t in redraw_times(p, a.moves).items():
            print(f"{p.name:<24}{name:<20}{t['redraws']:>8}{t['median_ms']:>11.0f}{t['max_ms']:>12.0f}")
            worst = max(worst, t['max_ms'])
    print(f'slowest redraw: {worst:.0f} ms (target: 200 ms)')
    return worst


if __name__ == '__main__': main(sys.argv[1:])
