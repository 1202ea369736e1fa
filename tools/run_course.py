#!/usr/bin/env python
"""Execute every course notebook top to bottom, each in a fresh Jupyter kernel, slow cells included, and print the
results the lessons recorded (each model's validation accuracy and training time) plus how long each notebook took.

Usage: python tools/run_course.py [--jobs 2] [--inplace] [--only TEXT[,TEXT...]] [--check-lessons]
New lessons are picked up by name: every `nbs/NN_*.ipynb` (NN = digits) runs, in name order.
Schedule: the notebooks with slow cells (long training) wait until all the others are done, `--jobs` at a time with a
share of the cores each, and then run alone, one after another (the longest last time first), with PyTorch's default
thread count, as when each is run on its own: their training times and their numbers are those a learner gets.
The table says, for each model, whether the committed lesson shows the same accuracy (its saved outputs hold the
number to 4 decimals); --check-lessons makes any difference an error, for the machine the lessons were recorded on.
"""
import argparse, json, os, re, shutil, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from digit_sgd.results import RESULTS_ENV, load_results, results_table  # noqa: E402
from digit_sgd.runner import run_notebook as run_in_kernel, skipped, thread_env  # noqa: E402  (shared with the grader)


def course_notebooks(nbs: Path, only: str | None = None) -> list[Path]:
    "Lesson and module notebooks in course order: names that start with a digit, sorted; `only`: comma-separated parts."
    parts = [o.strip() for o in only.split(',') if o.strip()] if only else []
    return [p for p in sorted(nbs.glob('[0-9]*.ipynb')) if not parts or any(o in p.name for o in parts)]


def has_slow_cells(path: Path) -> bool:
    "Whether a notebook has cells flagged `#| slow` (False if it cannot be read)."
    try: return any(skipped(c) == 'slow' for c in nbformat.read(path, as_version=4).cells)   # nbdev's reading
    except (OSError, ValueError): return False


def last_times(previous: Path) -> dict:
    "{notebook name: seconds} from the last run's results.json; empty if there is none."
    try: return {r['notebook']: r['seconds'] for r in json.loads(previous.read_text())['notebooks']}
    except (OSError, ValueError, KeyError, TypeError): return {}


def longest_first(nbs: list, previous: Path) -> list:
    """Start the slowest notebooks first, so parallel runs end together: by the last run's times, or on a first run
    those with slow cells first, then later lessons first."""
    last = last_times(previous)
    return sorted(nbs, key=lambda p: (last.get(p.name, 0), has_slow_cells(p), p.name), reverse=True)


def split_off_slow(nbs: list, previous: Path) -> tuple:
    """(the others, longest first; the notebooks to run alone afterwards, on every core, one at a time): those with
    slow cells, longest first (by the last run's times; on a first run, later lessons first). With a single notebook
    nothing is set apart."""
    order = longest_first(nbs, previous)
    slow = [p for p in order if has_slow_cells(p)] if len(order) > 1 else []
    return [p for p in order if p not in slow], slow


def thread_note(env: dict) -> str:
    "How many threads a kernel with this environment gives PyTorch, in words."
    return f"OMP_NUM_THREADS={env['OMP_NUM_THREADS']}" if 'OMP_NUM_THREADS' in env else "PyTorch's default threads"


def plural(n: int, word: str) -> str: return f"{n} {word}{'' if n == 1 else 's'}"


NUMBER = re.compile(r'(?<![\d.])\d+\.\d{4,}(?![\d.])')          # a number shown with 4 or more decimals
RECORD = re.compile(r"record_result\(\s*'[^']*',\s*'([^']*)'")   # the model named in a record_result call


def cell_text(cell) -> str:
    "All the text a cell's saved outputs show (printed text, plain-text and HTML results)."
    parts = []
    for out in cell.get('outputs', []):
        data = out.get('data', {})
        parts += [out.get('text', ''), data.get('text/plain', ''), data.get('text/html', '')]
    return '\n'.join(p if isinstance(p, str) else ''.join(p) for p in parts)


def shown_numbers(path: Path) -> dict:
    """The numbers (rounded to 4 decimals) a notebook's saved outputs show: {model: those of the cell that records
    it} for each `record_result` call whose cell shows numbers, and {None: those of the whole notebook}."""
    try: nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError): return {}
    rounded = lambda text: {f'{float(n):.4f}' for n in NUMBER.findall(text)}
    shown = {None: rounded('\n'.join(cell_text(c) for c in nb.cells))}
    for c in nb.cells:
        if c.cell_type == 'code' and (m := RECORD.search(c.source)) and rounded(cell_text(c)):
            shown[m.group(1)] = rounded(cell_text(c))
    return shown


def shown_in_lesson(rec: dict, lesson_numbers: dict) -> str:
    """'yes' if the committed lesson shows the record's accuracy (to 4 decimals) where it records it (or anywhere,
    if that cell shows no numbers), 'NO' if not, '-' if there is no such lesson."""
    shown = lesson_numbers.get(rec['lesson'])
    if not shown: return '-'
    return 'yes' if f"{rec['accuracy']:.4f}" in shown.get(rec.get('model'), shown[None]) else 'NO'


def kernel_env(results_dir: Path, jobs: int) -> dict:
    """Environment for each kernel: where to record results, and for notebooks run in parallel a fair share of the
    cores each (one at a time: PyTorch's own default, the thread count of a notebook run on its own)."""
    return thread_env(jobs, {**os.environ, RESULTS_ENV: str(results_dir), 'PYTHONWARNINGS': 'ignore::FutureWarning'})


WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'


def without_widget_views(nb) -> None:
    """Drop the views of live widgets (a lesson's sliders) from the outputs: without a kernel behind them JupyterLab
    could only show an error in their place. Each keeps its text, which says the sliders move in a running notebook."""
    for c in nb.cells:
        for o in c.get('outputs', []): o.get('data', {}).pop(WIDGET_VIEW, None)
    nb.metadata.pop('widgets', None)


def run_notebook(path: Path, out_dir: Path, env: dict, inplace: bool, timeout: int) -> dict:
    "Run one notebook in a fresh kernel (every cell, slow ones included); save the executed copy; its time and any error."
    nb = nbformat.read(path, as_version=4)
    r = run_in_kernel(nb, path.parent, env, timeout)
    without_widget_views(nb)
    target = path if (inplace and r['error'] is None) else out_dir/path.name
    nbformat.write(nb, target)
    return dict(notebook=path.name, **r, saved=str(target))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--nbs', default=str(ROOT/'nbs'), help='folder of notebooks (default: nbs/)')
    ap.add_argument('--out', default=str(ROOT/'results'), help='where executed copies and results go (default: results/)')
    ap.add_argument('--jobs', type=int, default=2, help='notebooks run at the same time (default: 2)')
    ap.add_argument('--inplace', action='store_true', help='write outputs back into nbs/ (maintainers refreshing the docs)')
    ap.add_argument('--only', default=None,
                    help='run only notebooks whose name contains this text (or one of several, comma-separated)')
    ap.add_argument('--require-cuda', action='store_true', help='fail unless every recorded model used the GPU (GPU workflow)')
    ap.add_argument('--check-lessons', action='store_true',
                    help='fail if an accuracy differs from the one the committed lesson shows (CI, on the recording machine)')
    ap.add_argument('--timeout', type=int, default=900, help='seconds allowed per cell (default: 900)')
    a = ap.parse_args(argv)

    nbs = course_notebooks(Path(a.nbs), a.only)
    if not nbs: sys.exit(f'No notebooks named NN_*.ipynb in {a.nbs}{" matching " + a.only if a.only else ""}.')
    lesson_numbers = {p.stem: shown_numbers(p) for p in nbs}   # read before --inplace overwrites them
    out = Path(a.out); (out/'executed').mkdir(parents=True, exist_ok=True)
    results_dir = Path(tempfile.mkdtemp(prefix='results-', dir=out))
    jobs = max(1, min(a.jobs, len(nbs)))   # no more parallel slots than notebooks
    # one at a time: course order; in parallel, those with slow cells last, each alone, with every core (see above)
    order, alone = split_off_slow(nbs, out/'results.json') if jobs > 1 else (nbs, [])
    jobs = max(1, min(jobs, len(order)))
    env, solo_env = kernel_env(results_dir, jobs), kernel_env(results_dir, 1)
    print(f"Running {plural(len(order), 'notebook')}, {jobs} at a time ({thread_note(env)} each), slow cells included"
          + (f"; then {', '.join(p.name for p in alone)}, each alone ({thread_note(solo_env)})" if alone else '')
          + '...', flush=True)
    t0 = time.perf_counter()
    def _one(p, env=env):
        r = run_notebook(p, out/'executed', env, a.inplace, a.timeout)
        print(f"  {'ok  ' if r['error'] is None else 'FAIL'} {r['notebook']:<28} {r['seconds']:6.1f} s", flush=True)
        return r
    with ThreadPoolExecutor(jobs) as ex: done = dict(zip(order, ex.map(_one, order)))
    for p in alone: done[p] = _one(p, solo_env)
    runs = [done[p] for p in nbs]  # reported in course order
    total = time.perf_counter() - t0

    if a.inplace and not any(r['error'] for r in runs):
        from nbdev.clean import nbdev_clean
        for r in runs: nbdev_clean(fname=r['saved'])

    recs = load_results(results_dir)
    shutil.rmtree(results_dir, ignore_errors=True)  # the records live on in results.json
    (out/'results.json').write_text(json.dumps(dict(models=recs, notebooks=runs, total_seconds=total), indent=1))
    table = results_table(recs)
    if len(table): table['as in lesson'] = [shown_in_lesson(r, lesson_numbers) for r in recs]
    import pandas as pd
    with pd.option_context('display.width', 200, 'display.max_colwidth', 60):
        print('\nModels trained (accuracy on held-out images, training wall time):')
        formats = {'accuracy': '{:.4f}'.format, 'train time (s)': lambda x: f'{x:.1f}' if x >= 1 else f'{x:.3f}'}
        print(table.to_string(index=False, formatters=formats) if len(table) else '  (no lesson recorded a result)')
        print('\nNotebooks (wall time and peak memory of its fresh kernel):')
        mib = lambda m: '-' if m is None else f'{m:.0f}'
        print(pd.DataFrame([(r['notebook'], f"{r['seconds']:.1f}", mib(r['peak_mib']), 'ok' if r['error'] is None
                             else 'FAILED') for r in runs], columns=['notebook', 'seconds', 'peak memory (MiB)', 'status'])
              .to_string(index=False))
        peaks = [r for r in runs if r['peak_mib'] is not None]
        if peaks: print('Largest kernel: {notebook}, {peak_mib:.0f} MiB.'.format(**max(peaks, key=lambda r: r['peak_mib'])))
    print(f'\nTotal: {total:.1f} s for {plural(len(runs), "notebook")} ({jobs} at a time). Executed copies: {out/"executed"}; results: {out/"results.json"}')
    failed = [r for r in runs if r['error']]
    for r in failed: print(f"\n{r['notebook']} FAILED:\n{r['error'][-3000:]}", file=sys.stderr)
    differ = [r for r in recs if shown_in_lesson(r, lesson_numbers) == 'NO']
    if differ:
        print(f"\n{len(differ)} of {len(recs)} accuracies differ from the committed lessons (marked NO). On other hardware "
              "(another CPU, a GPU) that is expected, since rounding differs; on the machine the lessons were recorded "
              "on they must match.", file=sys.stderr if a.check_lessons else sys.stdout)
        if a.check_lessons: return 1
    if a.require_cuda:
        cpu_only = [f"{r['lesson']}: {r['model']}" for r in recs if not r.get('cuda_peak_mb')]
        if not recs or cpu_only:
            print('CUDA was not used by: ' + ('; '.join(cpu_only) or 'any lesson (nothing recorded)'), file=sys.stderr)
            return 1
        print(f'CUDA used by all {len(recs)} recorded models.')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
