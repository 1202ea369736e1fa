#!/usr/bin/env python
"""Grade a learner's notebooks: run each lesson in a fresh kernel and print, for every exercise, whether it passed,
failed or was not attempted, with the checker's message.

Usage: bash tools/grade.sh FOLDER [--jobs 2] [--slow] [--timeout 300] [--csv FILE]
FOLDER holds the learner's copies of the lesson notebooks (01_pixels.ipynb, 02_baseline.ipynb, ...), as they saved
them; a renamed copy such as `02_baseline-Copy1.ipynb` is found by its number. The notebooks are run, never changed.
Cells flagged `#| slow` (the resnet training) are skipped unless --slow: no exercise depends on them.
Exit status: 0 once the table is printed (whatever the learner's results), 2 when FOLDER cannot be graded.
"""
import argparse, csv, json, os, re, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from digit_sgd.exercise import VERDICTS_ENV  # noqa: E402

HEADING = re.compile(r'^#{2,4}\s*Exercise\s+(\d+\.\d+)\s*:?\s*(.*)$', re.M)
SOLUTION = re.compile(r'<details>\s*<summary>\s*Solution\s*</summary>\s*```python\n(.*?)```.*?</details>', re.S)
STATUSES = ('passed', 'failed', 'not attempted', 'not run', 'missing')


class GradeError(Exception):
    "Input the grader cannot work with; the message says what to do."


def exercise_cells(cells: list) -> list:
    """For each exercise heading: dict(exercise, title, heading, answer, check, solution), the indices of its heading
    cell, the cell the learner writes in, the checker cell and the folded solution (None where a cell is missing)."""
    found = []
    for i, c in enumerate(cells):
        m = HEADING.match(''.join(c['source'])) if c['cell_type'] == 'markdown' else None
        if not m: continue
        nxt = [j for j in range(i + 1, min(i + 6, len(cells))) if not HEADING.match(''.join(cells[j]['source']))]
        code = [j for j in nxt if cells[j]['cell_type'] == 'code'][:2]
        sol = [j for j in nxt if cells[j]['cell_type'] == 'markdown' and SOLUTION.search(''.join(cells[j]['source']))]
        found.append(dict(exercise=m.group(1), title=m.group(2).strip(), heading=i,
                          answer=code[0] if code else None, check=code[1] if len(code) > 1 else None,
                          solution=sol[0] if sol else None))
    return found


def solution_code(cells: list, ex: dict) -> str:
    "The code of an exercise's folded solution."
    return SOLUTION.search(''.join(cells[ex['solution']]['source'])).group(1).rstrip('\n')


def fill_solutions(nb):
    "A copy of notebook `nb` with every exercise's answer cell replaced by its folded solution (for tests and keys)."
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for ex in exercise_cells(nb.cells):
        nb.cells[ex['answer']].source = solution_code(nb.cells, ex)
    return nb


def course_exercises(nbs: Path = ROOT/'nbs') -> dict:
    "Lesson stem -> its exercises [(number, title)], read from the course's own lesson notebooks."
    out = {}
    for p in sorted(nbs.glob('0[1-9]_*.ipynb')):   # the lessons (checker notebooks are not graded)
        exs = exercise_cells(nbformat.read(p, as_version=4).cells)
        if exs: out[p.stem] = [(e['exercise'], e['title']) for e in exs]
    return out


def find_notebooks(folder: Path, lessons: list) -> dict:
    "Lesson stem -> the learner's notebook for it, or a string saying why there is none."
    if not folder.exists(): raise GradeError(f"there is no folder {folder}; give the folder that holds the learner's notebooks.")
    if not folder.is_dir(): raise GradeError(f"{folder} is a file; give the folder that holds the learner's notebooks.")
    nbs = sorted(p for p in folder.glob('*.ipynb') if not p.name.startswith('.'))
    if not nbs:
        raise GradeError(f"{folder} holds no notebooks (*.ipynb); expected the learner's lessons, e.g. "
                         f"{', '.join(l + '.ipynb' for l in lessons[:2])}.")
    found = {}
    for stem in lessons:
        exact = folder/f'{stem}.ipynb'
        same_number = [p for p in nbs if p.name.startswith(stem.split('_')[0] + '_')]
        if exact.exists(): found[stem] = exact
        elif len(same_number) == 1: found[stem] = same_number[0]
        elif same_number: found[stem] = f"{len(same_number)} notebooks could be it ({', '.join(p.name for p in same_number)}); keep one"
        else: found[stem] = f"no {stem}.ipynb in the folder"
    return found


def _skip_slow(nb):
    for c in nb.cells:
        if c.cell_type == 'code' and re.search(r'^#\|\s*slow\b', c.source, re.M):
            c.source, c.outputs = '# (a `#| slow` cell: skipped by the grader; run it with --slow)', []


def _errors(nb) -> dict:
    "Cell index -> 'Error: message' for each cell whose outputs hold an error."
    return {i: f"{o['ename']}: {o['evalue']}" for i, c in enumerate(nb.cells) if c.cell_type == 'code'
            for o in c.get('outputs', []) if o.get('output_type') == 'error'}


def run_lesson(path: Path, expected: list, slow: bool, timeout: int, env: dict) -> list:
    "Run one learner notebook in a fresh kernel; one row per exercise of its lesson."
    rows = lambda status, msg: [dict(exercise=n, title=t, status=status, message=msg) for n, t in expected]
    try: nb = nbformat.read(path, as_version=4)
    except Exception as e: return rows('not run', f"{path.name} cannot be read as a notebook ({type(e).__name__}: {e})")
    if not slow: _skip_slow(nb)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp)/'verdicts.jsonl'
        client = NotebookClient(nb, timeout=timeout, kernel_name='python3', allow_errors=True,
                                resources={'metadata': {'path': str(path.parent)}},
                                extra_arguments=['--IPKernelApp.log_level=ERROR'])
        stopped = None
        try: client.execute(env={**env, VERDICTS_ENV: str(log)})
        except CellTimeoutError: stopped = f"a cell ran longer than {timeout} s and was stopped"
        except DeadKernelError as e: stopped = f"the kernel died ({e})"
        except CellExecutionError as e: stopped = str(e).splitlines()[0]
        except Exception as e: stopped = f"{type(e).__name__}: {e}"
        logged = [json.loads(line) for line in (log.read_text().splitlines() if log.exists() else [])]
    errors, cells = _errors(nb), {e['exercise']: e for e in exercise_cells(nb.cells)}
    ran = {n: nb.cells[e['check']].get('execution_count') for n, e in cells.items() if e['check'] is not None}
    verdicts = {}   # the verdict of each exercise's own check cell; else its last check anywhere in the notebook
    for v in logged:
        if v['exercise'] not in verdicts or verdicts[v['exercise']].get('cell') != ran.get(v['exercise']):
            verdicts[v['exercise']] = v
    out = []
    for n, t in expected:
        ex = cells.get(n)
        if n in verdicts:
            out.append(dict(exercise=n, title=t, status=verdicts[n]['status'], message=verdicts[n]['message']))
            continue
        if ex is None: why = f"its heading `Exercise {n}` is not in {path.name}"
        elif ex['check'] is not None and ex['check'] in errors: why = f"the check cell raised {errors[ex['check']]}"
        elif ex['check'] is not None and (before := [i for i in errors if i < ex['check']]):
            why = f"its checker did not run; cell {before[0]} raised {errors[before[0]]}"
        else: why = f"its checker did not run{'; ' + stopped if stopped else ''}"
        out.append(dict(exercise=n, title=t, status='not run', message=why))
    return out


def grade(folder: Path, jobs: int = 2, slow: bool = False, timeout: int = 300, nbs: Path = ROOT/'nbs') -> list:
    "One row per exercise of the course: lesson, notebook, exercise, title, status, message."
    course = course_exercises(nbs)
    if not course: raise GradeError(f"no lesson in {nbs} has an `### Exercise N.k` heading; nothing to grade.")
    found = find_notebooks(Path(folder), list(course))
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore'}
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'): env.setdefault(var, str(max(1, (os.cpu_count() or 1) // jobs)))
    def _one(stem):
        where = found[stem]
        if isinstance(where, str):
            rows = [dict(exercise=n, title=t, status='missing', message=where) for n, t in course[stem]]
        else: rows = run_lesson(where, course[stem], slow, timeout, env)
        return [dict(lesson=stem, notebook=where.name if isinstance(where, Path) else '', **r) for r in rows]
    with ThreadPoolExecutor(max(1, jobs)) as ex: return [r for rows in ex.map(_one, course) for r in rows]


def table(rows: list) -> str:
    "The rows as a plain-text table (messages for what went wrong), and a count per status."
    w = max(len(r['lesson']) for r in rows)
    lines = [f"{'lesson':<{w}}  exercise  {'status':<13}  message"]
    quiet = ('passed', 'not attempted')   # their messages say nothing a teacher needs; the CSV keeps them all
    lines += [f"{r['lesson']:<{w}}  {r['exercise']:<8}  {r['status']:<13}  {'' if r['status'] in quiet else r['message']}"
              .rstrip() for r in rows]
    counts = ', '.join(f"{sum(r['status'] == s for r in rows)} {s}" for s in STATUSES)
    return '\n'.join(lines + ['', f"{len(rows)} exercises: {counts}"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('folder', help="folder holding the learner's notebooks")
    ap.add_argument('--jobs', type=int, default=2, help='notebooks run at the same time (default: 2)')
    ap.add_argument('--slow', action='store_true', help='also run cells flagged `#| slow` (the resnet training)')
    ap.add_argument('--timeout', type=int, default=300, help='seconds allowed per cell (default: 300)')
    ap.add_argument('--csv', help='also write the table to this CSV file')
    a = ap.parse_args(argv)
    try: rows = grade(Path(a.folder), a.jobs, a.slow, a.timeout)
    except GradeError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    print(table(rows))
    if a.csv:
        with open(a.csv, 'w', newline='') as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
