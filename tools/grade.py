#!/usr/bin/env python
"""Grade learners' notebooks: run each lesson in a fresh kernel and print, for every exercise, whether it passed,
failed or was not attempted, with the checker's message when something went wrong.

Usage: bash tools/grade.sh FOLDER [FOLDER ...] [--jobs 2] [--slow] [--timeout 120] [--csv FILE]
A FOLDER holds one learner's copies of the lesson notebooks (01_pixels.ipynb, 02_baseline.ipynb, ...), as they
saved them; a renamed copy such as `02_baseline-Copy1.ipynb` is found by its number, and when a lesson has several
copies each is graded and the best one counts. Give several folders, or one class folder whose subfolders are the
learners, to grade a class: the table then starts with a learner column, and --csv writes one sheet for all.
The notebooks are run, never changed. Cells flagged `#| slow` or `#| cuda` (the resnet trainings) are skipped unless --slow.
Exit status: 0 once the table is printed (whatever the learners' results), 2 when the input cannot be graded.
The learners' code runs with your rights: grade work you do not trust in a container or as another user.
"""
import argparse, csv, json, os, re, sys, tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from digit_sgd.practice.exercise import VERDICTS_ENV  # noqa: E402

HEADING = re.compile(r'^#{2,4}\s*Exercise\s+(\d+\.\d+)\s*:?\s*(.*)$', re.M)
SOLUTION = re.compile(r'<details>\s*<summary>\s*Solution\s*</summary>\s*```python\n(.*?)```.*?</details>', re.S)
CHECK_CALL = re.compile(r'^\s*check_\w+\(', re.M)
STATUSES = ('passed', 'failed', 'not attempted', 'not run', 'missing')


class GradeError(Exception):
    "Input the grader cannot work with; the message says what to do."


def exercise_cells(cells: list) -> list:
    """For each exercise heading: dict(exercise, title, heading, answer, check, solution), the indices of its heading
    cell, the cell the learner writes in, the cell that calls the checker and the folded solution (None if missing)."""
    found = []
    for i, c in enumerate(cells):
        m = HEADING.match(''.join(c['source'])) if c['cell_type'] == 'markdown' else None
        if not m: continue
        end = next((j for j in range(i + 1, len(cells)) if cells[j]['cell_type'] == 'markdown'
                    and re.match(r'#{1,4}\s', ''.join(cells[j]['source']))), len(cells))   # the next heading
        code = [j for j in range(i + 1, end) if cells[j]['cell_type'] == 'code']
        check = next((j for j in code if CHECK_CALL.search(''.join(cells[j]['source']))), None)
        answer = next((j for j in code if check is None or j < check), None)
        sol = [j for j in range(i + 1, end) if cells[j]['cell_type'] == 'markdown'
               and SOLUTION.search(''.join(cells[j]['source']))]
        found.append(dict(exercise=m.group(1), title=m.group(2).strip(), heading=i, answer=answer, check=check,
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


def find_notebooks(folder: Path, lessons: list) -> tuple:
    "(lesson stem -> the learner's candidate notebooks for it, or a string saying why there is none; other notebooks)."
    if not folder.exists(): raise GradeError(f"there is no folder {folder}; give the folder that holds the learner's notebooks.")
    if not folder.is_dir(): raise GradeError(f"{folder} is a file; give the folder that holds the learner's notebooks.")
    nbs = sorted(p for p in folder.glob('*.ipynb') if not p.name.startswith('.'))
    if not nbs:
        raise GradeError(f"{folder} holds no notebooks (*.ipynb); give a folder of one learner's lessons (e.g. "
                         f"{', '.join(l + '.ipynb' for l in lessons[:2])}), several such folders, or a class folder "
                         f"with one such folder per learner.")
    found, used = {}, set()
    for stem in lessons:
        same = [p for p in nbs if p.name.startswith(stem.split('_')[0] + '_')]
        found[stem] = same or f"no {stem}.ipynb in the folder"
        used |= set(same)
    return found, [p.name for p in nbs if p not in used]


def learners(folders: list, lessons: list) -> list:
    "(learner name, folder): each folder given, or the subfolders of a class folder that hold notebooks."
    if len(folders) == 1 and Path(folders[0]).is_dir() and not list(Path(folders[0]).glob('*.ipynb')):
        subs = sorted(d for d in Path(folders[0]).iterdir() if d.is_dir() and list(d.glob('*.ipynb')))
        if subs: return [(d.name, d) for d in subs]
    return [(Path(f).name, Path(f)) for f in folders]


def _skip_slow(nb):
    for c in nb.cells:
        if c.cell_type == 'code' and (m := re.search(r'^#\|\s*(slow|cuda)\b', c.source, re.M)):
            c.source, c.outputs = f'# (a `#| {m.group(1)}` cell: skipped by the grader; run it with --slow)', []


def _errors(nb, timeout: int) -> dict:
    "Cell index -> what went wrong there, for each cell whose outputs hold an error."
    out = {}
    for i, c in enumerate(nb.cells):
        for o in c.get('outputs', []) if c.cell_type == 'code' else []:
            if o.get('output_type') != 'error': continue
            out[i] = (f"ran longer than {timeout} s and was interrupted (an endless loop?)"
                      if o['ename'] == 'KeyboardInterrupt' else f"raised {o['ename']}: {o['evalue']}")
    return out


def _cell(nb, i: int) -> str:
    "A cell as a learner finds it: its first line of code."
    first = next((l.strip() for l in nb.cells[i].source.splitlines() if l.strip()), '')
    return f"the cell `{first[:40]}{'...' if len(first) > 40 else ''}`"


def _why_not_run(nb, ex, errors: dict, stopped: str | None, name: str) -> str:
    "Why an exercise's checker recorded no verdict."
    if ex is None: return f"its heading `Exercise ...` is not in {name}"
    if ex['check'] is None: return "its check cell (the one calling `check_...`) is not in the notebook"
    if ex['answer'] in errors: return f"the answer cell {errors[ex['answer']]}"
    before = [i for i in errors if i < ex['check']]
    if ex['check'] in errors:   # a NameError there often comes from an earlier error in the lesson itself
        body = [i for i in before if not any(e['heading'] < i for e in exercise_cells(nb.cells))]
        first = f"; before the exercises, {_cell(nb, body[0])} {errors[body[0]]}" if body else ''
        return f"the check cell {errors[ex['check']]}{first}"
    if before: return f"its checker did not run: {_cell(nb, before[-1])} {errors[before[-1]]}"
    return f"its checker did not run{': ' + stopped if stopped else ''}"


def run_lesson(path: Path, expected: list, slow: bool, timeout: int, env: dict) -> list:
    "Run one learner notebook in a fresh kernel; one row per exercise of its lesson."
    rows = lambda status, msg: [dict(exercise=n, title=t, status=status, message=msg) for n, t in expected]
    try: nb = nbformat.read(path, as_version=4)
    except Exception as e: return rows('not run', f"{path.name} cannot be read as a notebook ({type(e).__name__}: {e})")
    for c in nb.cells:   # the learner's saved outputs must not be taken for this run's
        if c.cell_type == 'code': c.outputs, c.execution_count = [], None
    if not slow: _skip_slow(nb)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp)/'verdicts.jsonl'
        client = NotebookClient(nb, timeout=timeout, kernel_name='python3', allow_errors=True, interrupt_on_timeout=True,
                                resources={'metadata': {'path': str(path.parent)}},
                                extra_arguments=['--IPKernelApp.log_level=CRITICAL'])
        stopped = None
        try: client.execute(env={**env, VERDICTS_ENV: str(log)})
        except CellTimeoutError: stopped = f"a cell ran longer than {timeout} s and was stopped"
        except DeadKernelError: stopped = "the kernel died (the learner's code ended the Python process)"
        except CellExecutionError as e: stopped = str(e).splitlines()[0]
        except Exception as e: stopped = f"{type(e).__name__}: {e}"
        logged = [json.loads(line) for line in (log.read_text().splitlines() if log.exists() else [])]
    errors, cells = _errors(nb, timeout), {e['exercise']: e for e in exercise_cells(nb.cells)}
    ran = {n: nb.cells[e['check']].get('execution_count') for n, e in cells.items() if e['check'] is not None}
    verdicts = {}   # each exercise's last verdict from its own check cell; failing that, its last one anywhere
    for v in logged:
        own = v.get('cell') is not None and v.get('cell') == ran.get(v['exercise'])
        if own or verdicts.get(v['exercise'], {}).get('own') is not True: verdicts[v['exercise']] = {**v, 'own': own}
    out = []
    for n, t in expected:
        if n in verdicts: status, msg = verdicts[n]['status'], verdicts[n]['message']
        else: status, msg = 'not run', _why_not_run(nb, cells.get(n), errors, stopped, path.name)
        out.append(dict(exercise=n, title=t, status=status, message=msg))
    return out


def _score(rows: list) -> tuple: return (sum(r['status'] == 'passed' for r in rows), -sum(r['status'] == 'not run' for r in rows))


def grade(folder: Path, jobs: int = 2, slow: bool = False, timeout: int = 120, nbs: Path = ROOT/'nbs') -> list:
    "One row per exercise of the course for one learner's folder: lesson, notebook, exercise, title, status, message."
    course = course_exercises(nbs)
    if not course: raise GradeError(f"no lesson in {nbs} has an `### Exercise N.k` heading; nothing to grade.")
    found, _ = find_notebooks(Path(folder), list(course))
    env = {**os.environ, 'PYTHONWARNINGS': 'ignore'}
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'): env.setdefault(var, str(max(1, (os.cpu_count() or 1) // jobs)))
    todo = [(stem, p) for stem, ps in found.items() if not isinstance(ps, str) for p in ps]
    with ThreadPoolExecutor(jobs) as ex:
        done = dict(zip(todo, ex.map(lambda sp: run_lesson(sp[1], course[sp[0]], slow, timeout, env), todo)))
    out = []
    for stem, ps in found.items():
        if isinstance(ps, str):
            out += [dict(lesson=stem, notebook=f'{stem}.ipynb', exercise=n, title=t, status='missing', message=ps)
                    for n, t in course[stem]]
            continue
        best = max(ps, key=lambda p: (_score(done[stem, p]), p.stat().st_mtime))   # the best copy, else the newest
        note = f" (graded {best.name}, the best of {len(ps)} copies)" if len(ps) > 1 else ''
        out += [dict(lesson=stem, notebook=best.name, **{**r, 'message': r['message'] + (note if i == 0 else '')})
                for i, r in enumerate(done[stem, best])]
    return out


def table(rows: list) -> str:
    "The rows as a plain-text table (messages for what went wrong), and a count per status."
    quiet = ('passed', 'not attempted')   # their messages say nothing a teacher needs; the CSV keeps them all
    cols = (['learner'] if 'learner' in rows[0] else []) + ['notebook', 'exercise', 'status']
    w = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    def line(r):
        msg = ' '.join(r['message'].split()) if r['status'] not in quiet or '(graded ' in r['message'] else ''
        if r['status'] in quiet and msg: msg = msg[msg.index('(graded '):]
        return '  '.join(f"{str(r[c]):<{w[c]}}" for c in cols) + f"  {msg}".rstrip()
    head = '  '.join(f"{c:<{w[c]}}" for c in cols) + '  message'
    counts = ', '.join(f"{sum(r['status'] == s for r in rows)} {s}" for s in STATUSES)
    return '\n'.join([head] + [line(r).rstrip() for r in rows] + ['', f"{len(rows)} exercises: {counts}"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('folders', nargs='+', help="a learner's folder of notebooks (or several, or a class folder)")
    ap.add_argument('--jobs', type=int, default=2, help='notebooks run at the same time (default: 2)')
    ap.add_argument('--slow', action='store_true', help='also run cells flagged `#| slow` or `#| cuda` (the resnet trainings)')
    ap.add_argument('--timeout', type=int, default=120, help='seconds allowed per cell (default: 120)')
    ap.add_argument('--csv', help='also write the table, with every message, to this CSV file')
    a = ap.parse_args(argv)
    if a.jobs < 1 or a.timeout < 1: ap.error('--jobs and --timeout must be at least 1')
    try:
        course = course_exercises()
        people = learners(a.folders, list(course))
        for _, f in people: find_notebooks(f, list(course))   # every folder checked before any grading starts
        sheet = open(a.csv, 'w', newline='') if a.csv else None
    except (GradeError, OSError) as e:
        print(f"grade: {e.strerror + ': ' + str(e.filename) if isinstance(e, OSError) else e}", file=sys.stderr)
        return 2
    rows, others = [], []
    for name, f in people:
        got = grade(f, a.jobs, a.slow, a.timeout)
        rows += [{'learner': name, **r} for r in got] if len(people) > 1 else got
        others += [f"{name}/{o}" if len(people) > 1 else o for o in find_notebooks(f, list(course))[1]]
    print(table(rows))
    if others: print(f"not graded (not a lesson with exercises, {list(course)[0]} to {list(course)[-1]}): {', '.join(others)}")
    if sheet:
        with sheet:
            w = csv.DictWriter(sheet, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
