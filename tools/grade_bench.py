#!/usr/bin/env python
"""Benchmark the grader on a class: N learners with all seven lessons (a third solved, a third untouched, a third
solved but for a wrong first answer in each lesson, one that returns None), graded by the command a teacher runs. Prints the wall time, the time
per learner and per notebook, and the counts per status.

Usage: python tools/grade_bench.py [--learners 30] [--jobs 0] [--keep DIR]
"""
import argparse, csv, os, shutil, subprocess, sys, tempfile, time
from collections import Counter
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from digit_sgd.grade.edition import exercise_cells, fill_solutions, solution_code  # noqa: E402


def make_class(folder: Path, n: int) -> int:
    "Write `n` learners' folders; the number of notebooks written."
    lessons = sorted((ROOT/'nbs').glob('0[1-9]_*.ipynb'))
    for k in range(n):
        (folder/f'learner{k:02d}').mkdir(parents=True)
        for p in lessons:
            nb = nbformat.read(p, as_version=4)
            if k % 3 != 1: nb = fill_solutions(nb)
            if k % 3 == 2:   # one wrong answer: the first exercise (a function in every lesson) returns None
                ex = exercise_cells(nb.cells)[0]
                head = next(l for l in solution_code(nb.cells, ex).splitlines() if l.startswith('def '))
                nb.cells[ex['answer']].source = f"{head}\n    x = 1\n    return None"
            nbformat.write(nb, folder/f'learner{k:02d}'/p.name)
    return n * len(lessons)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--learners', type=int, default=30)
    ap.add_argument('--jobs', type=int, default=0, help='passed to the grader (0: one learner per core)')
    ap.add_argument('--keep', help='build the class in this folder and keep it')
    a = ap.parse_args(argv)
    base = Path(a.keep or tempfile.mkdtemp(prefix='grade-bench-'))
    try:
        notebooks = make_class(base/'class', a.learners)
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, '-m', 'digit_sgd.grade.cli', str(base/'class'), '--csv', str(base/'m.csv'),
                            '--jobs', str(a.jobs)], capture_output=True, text=True)
        secs = time.perf_counter() - t0
        if r.returncode: sys.exit(f"the grader failed:\n{r.stderr[-2000:]}")
        rows = list(csv.DictReader(open(base/'m.csv', encoding='utf-8')))
        print(f"{a.learners} learners, {notebooks} notebooks, {len(rows)} rows on {os.cpu_count()} cores: "
              f"{secs:.1f} s in all, {secs / a.learners:.2f} s a learner, {secs / notebooks:.2f} s a notebook")
        print('statuses:', dict(Counter(r['status'] for r in rows)))
    finally:
        if not a.keep: shutil.rmtree(base, ignore_errors=True)


if __name__ == '__main__':
    main()
