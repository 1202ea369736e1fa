"""The exercises and the teacher's grader. The grader is tested on small lessons built from lesson 1's first two
exercises (fast checkers), with the attacks a hostile class tried as learners' notebooks, plus one run of the real
course: every folded solution passes, the committed lessons are not attempted, and the README's example table."""
import copy, csv, importlib, os, re, subprocess, sys
from pathlib import Path
import nbformat, pytest
from concurrent.futures import ThreadPoolExecutor
from digit_sgd.grade.edition import exercise_cells, course_exercises, class_edition, solution_code, fill_solutions
from digit_sgd.grade import cli
from digit_sgd.grade.files import lesson_of, shown
from digit_sgd.grade.sandbox import bwrap_works

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p for p in (ROOT/'nbs').glob('0[1-9]_*.ipynb'))
COURSE = course_exercises()
_PIXELS = nbformat.read(ROOT/'nbs/01_pixels.ipynb', as_version=4)
SOLVED = {e['exercise']: solution_code(_PIXELS.cells, e) for e in exercise_cells(_PIXELS.cells)[:2]}   # 1.1, 1.2


def test_every_lesson_has_at_least_three_exercises():
    counts = {p.stem: len(COURSE.get(p.stem, [])) for p in LESSONS}
    assert all(n >= 3 for n in counts.values()), counts


@pytest.mark.parametrize('path', LESSONS, ids=[p.stem for p in LESSONS])
def test_each_exercise_has_a_placeholder_a_checker_call_and_a_solution(path):
    from digit_sgd.practice.exercise import CHECKERS, is_blank
    cells = nbformat.read(path, as_version=4).cells
    importlib.import_module(f"digit_sgd.practice.{path.stem.split('_', 1)[1]}")
    lesson = path.stem.split('_')[0].lstrip('0')
    imports = {}   # what the package and the lesson's import cells define, as the placeholder sees it
    from digit_sgd._modidx import d
    for mod in d['syms']: exec(f'from {mod} import *', imports)
    for c in cells:
        if c.cell_type == 'code' and c.source.strip() and all(
                l.startswith(('import ', 'from ')) or not l.strip() for l in c.source.splitlines()):
            exec(c.source, imports)
    for k, ex in enumerate(exercise_cells(cells), 1):
        n = ex['exercise']
        assert n == f'{lesson}.{k}', f'{path.name}: exercise {n} should be numbered {lesson}.{k}'
        assert None not in ex.values(), f'{path.name}: exercise {n} lacks a cell: {ex}'
        check = cells[ex['check']].source.strip()
        m = re.fullmatch(r'(check_\w+)\(.*\)', check)
        assert m, f'{path.name}: exercise {n}: the cell after the answer should be one checker call, got {check!r}'
        assert n in CHECKERS and CHECKERS[n].__name__ == m.group(1), f'{path.name}: {m.group(1)} is not the checker of {n}'
        answer = cells[ex['answer']].source
        assert '...' in answer, f'{path.name}: exercise {n} should be committed as a placeholder (`...`)'
        ns = dict(imports)
        exec(compile(answer, 'answer', 'exec'), ns)
        ns = {k_: v for k_, v in ns.items() if k_ not in imports}
        shown_ = [v for k_, v in ns.items() if not k_.startswith('__')]
        assert shown_ and all(is_blank(v) for v in shown_), f'{path.name}: exercise {n} placeholder is not blank'


def test_every_checker_belongs_to_an_exercise():
    from digit_sgd.practice.exercise import CHECKERS
    for p in LESSONS: importlib.import_module(f"digit_sgd.practice.{p.stem.split('_', 1)[1]}")
    assert set(CHECKERS) == {n for exs in COURSE.values() for n, _ in exs}


# ---- small lessons for the grader: lesson 1's imports and its exercises 1.1 (a function) and 1.2 (a value) ----
def toy_lesson(number: int):
    "A lesson `NN_toy` holding copies of lesson 1's import cells and first two exercises, renumbered N.1 and N.2."
    src = nbformat.from_dict(copy.deepcopy(_PIXELS))
    exs = exercise_cells(src.cells)
    imports = [c for c in src.cells if c.cell_type == 'code' and c.source.strip() and all(
        l.startswith(('import ', 'from ')) or not l.strip() for l in c.source.splitlines())]
    body = [nbformat.v4.new_code_cell('setup = 42  # a setup cell the learner may delete')]
    part = src.cells[exs[0]['heading']:exs[1]['solution'] + 1]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f'# Toy lesson {number}')] + imports + body
                                  + [nbformat.v4.new_markdown_cell('## Exercises')] + part)
    for c in nb.cells:
        if c.cell_type == 'markdown': c.source = re.sub(r'Exercise 1\.(\d)', rf'Exercise {number}.\1', c.source)
    nb.metadata = src.metadata
    return nb


def learner_copy(nb, answers: dict = None, edit=None):
    "The class edition of `nb` with `answers` {k: code} written into exercise k's answer cell, then `edit(cells, exs)`."
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    exs = exercise_cells(nb.cells)
    for k, code in (answers or {}).items(): nb.cells[exs[k - 1]['answer']].source = code
    if edit: edit(nb.cells, exs)
    return nb


@pytest.fixture(scope='module')
def toys():
    "lesson stem -> (class edition, record) for 24 toy lessons, 10_toy to 33_toy (numbers the course does not use)."
    return {f'{n}_toy': class_edition(toy_lesson(n), f'{n}_toy') for n in range(10, 34)}


def test_lessons_are_recognised_by_number_and_words():
    lessons = ['01_pixels', '02_baseline', '03_sgd', '04_loss']
    for name, want in [('Copy of 01_pixels.ipynb', '01_pixels'), ('03_SGD.IPYNB', '03_sgd'), ('4_loss.ipynb', '04_loss'),
                       ('01_pixels (1).ipynb', '01_pixels'), ('02_baseline-Copy1.ipynb', '02_baseline'),
                       ('Copy of Copy of 2_Baseline.ipynb', '02_baseline'), ('pixels.ipynb', '01_pixels'),
                       ('10_pixels.ipynb', None), ('notes.ipynb', None), (os.fsdecode(b'01_pix\xff.ipynb'), '01_pixels')]:
        assert lesson_of(name, lessons) == want, name
    assert shown(os.fsdecode(b'a\xffb.ipynb')) == 'a\\xffb.ipynb'


def test_plan_runs_imports_the_lessons_own_module_and_what_answers_need():
    cells = [dict(cell_type='code', source=s) for s in [
        '#| default_exp toy', 'import torch', '#| export\ndef helper(x): return x', 'data = load()',
        'def mse(a, b): return ((a - b)**2).mean()', 'k = 3', 'def my_f(x):\n    return mse(x, x) + helper(x)',
        'check_f(my_f)', '#| slow\nlearn.fit(10)']]
    sources, at = cli.plan(cells, [6])
    assert sources == ['import torch', 'from digit_sgd.toy import *', cells[4]['source'], cells[6]['source']]
    assert at == {6: 3}


@pytest.fixture(scope='module')
def hostile(tmp_path_factory, toys, course_run):   # the real course's run goes on meanwhile
    """A class of three: alice solves every toy lesson; mallory's copies each try one attack from the issue (in the
    answer cell, where a learner writes); trudy's notebooks try to break the run itself."""
    base = tmp_path_factory.mktemp('hostile')
    cls = base/'class'
    for who in ('alice', 'mallory', 'trudy'): (cls/who).mkdir(parents=True)
    ed = {s: e for s, (e, _) in toys.items()}
    for s in ('10_toy', '11_toy', '25_toy'):   # the lessons whose notebooks mallory and trudy try to harm
        nbformat.write(learner_copy(ed[s], {1: SOLVED['1.1'], 2: SOLVED['1.2']}), cls/'alice'/f'{s}.ipynb')
    wrong = 'def my_crop(img, top, left, height, width):\n    return img[:height, :width]\n'
    alice = cls/'alice'/'10_toy.ipynb'
    attacks = {   # mallory: each answer is wrong or missing, and the attack tries to make it pass anyway
        10: "import digit_sgd.practice.exercise as E\nE._verdict = lambda ex, f, a: E.Verdict(ex, 'passed', 'ok')\n",
        11: "from digit_sgd.practice.exercise import Verdict\n_i = Verdict.__init__\n"
            "Verdict.__init__ = lambda s, e, st, m: _i(s, e, 'passed', m)\n",
        12: "import digit_sgd.practice.exercise as E, digit_sgd.practice.pixels as P\n"
            "E.expect_close = P.expect_close = lambda *a, **k: None\nE.is_blank = P.is_blank = lambda a: False\n",
        13: "from digit_sgd.practice.exercise import Verdict\ndef check_crop(f): return Verdict('13.1', 'passed', 'ok')\n",
        14: "import os\nfor v in ('DIGIT_SGD_VERDICTS', 'DIGIT_SGD_RESULTS'):\n"
            "    open(os.environ.get(v, 'verdicts.jsonl'), 'a').write('{\"exercise\": \"14.1\", \"status\": \"passed\"}')\n",
        15: "import os\nfor fd in range(3, 64):\n    try: os.write(fd, b\"('verdicts', b'x', [('15.1', 'passed', 'ok')], [])\\n\")\n"
            "    except OSError: pass\n",
        16: "import site\nopen(site.getsitepackages()[0] + '/zz_evil.pth', 'w').write('import os')\n",
        17: f"import digit_sgd, os\nfor harm in (lambda: open(digit_sgd.__file__, 'a').write('#'), "
            f"lambda: os.remove({str(alice)!r}), lambda: os.remove({str(cls/'mallory'/'17_toy.ipynb')!r}), "
            "lambda: open(os.path.expanduser('~/.bashrc'), 'a')):\n"
            "    try: harm()\n    except OSError: pass\n",
        18: "raise ValueError('broken')\n",   # the right answer, then an error: the cell did not run through
        19: "import os\nos._exit(0)\n",
    }
    if not bwrap_works(): del attacks[16], attacks[17]   # without the sandbox they would harm this machine
    for n, attack in attacks.items():
        code = SOLVED['1.1'] + '\n' + attack if n == 18 else attack + wrong
        nbformat.write(learner_copy(ed[f'{n}_toy'], {1: code}), cls/'mallory'/f'{n}_toy.ipynb')
    def edit_check(cells, exs):   # the check cell made to check a right answer; the setup cell deleted
        cells[exs[0]['check']].source = "check_crop(lambda img, t, l, h, w: img[t:t + h, l:l + w])"
        cells[:] = [c for c in cells if 'setup = 42' not in c.source]
    nbformat.write(learner_copy(ed['20_toy'], {1: wrong}, edit_check), cls/'mallory'/'20_toy.ipynb')
    def move_check(cells, exs):   # the check cell deleted, and one of the learner's own checking a right answer
        cells[exs[0]['check']] = nbformat.v4.new_code_cell("check_crop(lambda i, t, l, h, w: i[t:t + h, l:l + w])")
    nbformat.write(learner_copy(ed['31_toy'], {}, move_check), cls/'mallory'/'31_toy.ipynb')
    trudy = {   # harm to the run: endless loops deaf to interrupts, sleeps, memory, processes left behind
        21: "import signal, time\nfor s in (signal.SIGINT, signal.SIGALRM, signal.SIGTERM): signal.signal(s, signal.SIG_IGN)\n"
            "while True: time.sleep(0.1)   # deaf to every signal but the kill (a sleep: no core burnt in the test)\n",
        22: "import time\ntime.sleep(25)\n",
        23: "x = bytearray(16 << 30)\n",
        24: "import subprocess\nsubprocess.Popen(['sleep', '1234'], start_new_session=True)\n" + SOLVED['1.1'],
        25: f"import shutil\nshutil.rmtree({str(cls/'alice')!r}, ignore_errors=True)\n" + SOLVED['1.1'],
    }
    if not bwrap_works(): del trudy[25]
    (cls/'tilly').mkdir()
    for n, code in trudy.items():   # tilly has the sleeps, so that her wait and trudy's overlap
        nbformat.write(learner_copy(ed[f'{n}_toy'], {1: code, 2: 'import time\ntime.sleep(25)' if n == 22 else
                                                      SOLVED['1.2']}), cls/('tilly' if n == 22 else 'trudy')/f'{n}_toy.ipynb')
    # names: Colab's copies, another case, unpadded numbers, bytes that are not UTF-8; a link to a system file
    for n, name in [(26, 'Copy of 26_toy.ipynb'), (27, '27_TOY.IPYNB'), (28, os.fsdecode(b'28_toy\xff.ipynb'))]:
        nbformat.write(learner_copy(ed[f'{n}_toy'], {1: SOLVED['1.1']}), cls/'trudy'/name)
    os.symlink('/etc/passwd', cls/'trudy'/'29_toy.ipynb')
    (cls/'trudy'/'30_toy.ipynb').write_text('{"cells": [' * 100000)   # nested past what a parser can take
    site_before = {p.name for p in Path(nbformat.__file__).parents[1].iterdir()}
    pkg = (ROOT/'digit_sgd'/'__init__.py').read_bytes()
    # and, graded beside the class without a sandbox, a learner whose second notebook loops deaf to every signal
    deaf = "import signal, time\nfor s in (signal.SIGINT, signal.SIGALRM): signal.signal(s, signal.SIG_IGN)\nwhile True: time.sleep(0.1)"
    (base/'plain').mkdir()
    nbformat.write(learner_copy(ed['10_toy'], {1: SOLVED['1.1'], 2: SOLVED['1.2']}), base/'plain'/'10_toy.ipynb')
    nbformat.write(learner_copy(ed['11_toy'], {1: deaf}), base/'plain'/'11_toy.ipynb')
    with ThreadPoolExecutor(1) as ex:
        plain = ex.submit(cli.grade_learner, base/'plain', toys, budget=8, sandbox=False)
        rows, others = cli.grade_class(cli.learners([cls]), toys, jobs=2, progress=False, budget=8, memory_mib=1024)
        fallback = plain.result()[0]
    cli.write_csv(rows, base/'marks.csv')
    return dict(rows={(r['learner'], r['exercise']): r for r in rows}, others=others, base=base,
                fallback=fallback,
                site_before=site_before, pkg=pkg, alice=alice)


def test_a_solved_class_passes_and_the_table_and_csv_are_written(hostile):
    rows = hostile['rows']
    alice = [r for (who, _), r in rows.items() if who == 'alice']
    assert len(alice) == 48 and [r['status'] for r in alice].count('passed') == 6, cli.table(alice)
    assert {r['status'] for r in alice} == {'passed', 'missing'}
    sheet = list(csv.DictReader(open(hostile['base']/'marks.csv', encoding='utf-8')))
    assert len(sheet) == 4 * 48 and list(sheet[0]) == ['learner', 'lesson', 'notebook', 'exercise', 'title', 'status',
                                                       'message', 'note']
    assert hostile['alice'].exists(), "a classmate's code reached alice's folder"
    assert (hostile['base']/'class'/'mallory'/'17_toy.ipynb').exists(), "a notebook deleted its own file"


@pytest.mark.parametrize('n', [*range(10, 21), 31])
def test_no_attack_passes_undone_work(hostile, n):
    if n in (16, 17) and not bwrap_works(): pytest.skip('attacks on the machine are tried only inside the sandbox')
    r = hostile['rows']['mallory', f'{n}.1']
    assert r['status'] in ('failed', 'not run', 'not attempted'), (n, r)
    if n == 18: assert r['status'] == 'not run' and 'raised ValueError: broken' in r['message']
    if n == 19: assert r['status'] == 'not run' and 'ended before its answers could be checked' in r['message']
    if n == 20: assert r['note'] == 'restored 1 changed cell and 1 deleted cell from the class edition', r
    if n == 31: assert r['status'] == 'not attempted' and 'cell added to the notebook was not run' in r['note'], r


def test_what_learner_code_cannot_touch(hostile):
    assert {p.name for p in Path(nbformat.__file__).parents[1].iterdir()} == hostile['site_before']   # no .pth
    assert (ROOT/'digit_sgd'/'__init__.py').read_bytes() == hostile['pkg']
    left = subprocess.run(['pgrep', '-f', 'sleep 1234'], capture_output=True, text=True).stdout
    assert left == '', 'a process a notebook started outlived the grader'


def test_a_run_that_cannot_be_stopped_costs_only_its_own_rows(hostile):
    rows = hostile['rows']
    loop, sleep, mem = rows['trudy', '21.1'], rows['tilly', '22.1'], rows['trudy', '23.1']
    assert loop['status'] == 'not run' and 'was killed' in loop['message'], loop
    assert sleep['status'] == 'not run' and 'ran longer than' in sleep['message'], sleep
    assert mem['status'] == 'not run' and 'MemoryError' in mem['message'], mem
    assert rows['trudy', '24.1']['status'] == 'passed'


def test_file_names_links_and_broken_files(hostile):
    rows, others = hostile['rows'], hostile['others']
    for n in (26, 27, 28): assert rows['trudy', f'{n}.1']['status'] == 'passed', rows['trudy', f'{n}.1']
    assert rows['trudy', '28.1']['notebook'] == '28_toy\\xff.ipynb'
    assert ('trudy', '29_toy.ipynb', 'a symbolic link: copy the notebook itself into the folder') in others
    assert rows['trudy', '29.1']['status'] == 'missing' and 'root:' not in str(rows) + str(others)
    assert rows['trudy', '30.1']['status'] == 'not run' and 'cannot be read as a notebook' in rows['trudy', '30.1']['message']


def test_without_a_sandbox_a_deaf_endless_loop_is_still_killed(hostile):
    "Where bubblewrap is missing the worker runs unsandboxed: the budget and the process-group kill still hold."
    got = {r['exercise']: r for r in hostile['fallback']}
    assert got['10.1']['status'] == got['10.2']['status'] == 'passed'
    assert got['11.1']['status'] == 'not run' and 'was killed' in got['11.1']['message']


# ---- the real course, once: every folded solution passes, untouched lessons are not attempted, the README's table --
def readme_example(folder: Path):
    "The learner of the README's grading example (lessons 1, 2, 5 solved but one answer, 3.1 only, no lesson 4)."
    for name in ['01_pixels', '02_baseline', '03_sgd', '05_minibatch', '06_neural_net']:
        nb = nbformat.read(ROOT/'nbs'/f'{name}.ipynb', as_version=4)
        exs = exercise_cells(nb.cells)
        for e in exs[:{'01_pixels': 4, '02_baseline': 5, '03_sgd': 1, '05_minibatch': 4}.get(name, 0)]:
            nb.cells[e['answer']].source = solution_code(nb.cells, e)
        if name == '02_baseline':   # the RMSE without its square root
            nb.cells[exs[1]['answer']].source = solution_code(nb.cells, exs[1]).replace('.sqrt()', '')
        nbformat.write(nb, folder/('02_baseline-Copy1.ipynb' if name == '02_baseline' else f'{name}.ipynb'))


@pytest.fixture(scope='module')
def course_run(tmp_path_factory):
    "The command started on a class of two (every solution; the README's learner), left to run beside other tests."
    cls = tmp_path_factory.mktemp('course')
    for who in ('solved', 'readme'): (cls/who).mkdir()
    for p in LESSONS: nbformat.write(fill_solutions(nbformat.read(p, as_version=4)), cls/'solved'/p.name)
    readme_example(cls/'readme')
    return cls, subprocess.Popen([sys.executable, '-m', 'digit_sgd.grade.cli', str(cls), '--csv', str(cls/'m.csv')],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope='module')
def course(course_run):
    cls, proc = course_run
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    rows = list(csv.DictReader(open(cls/'m.csv', encoding='utf-8')))
    return {who: [x for x in rows if x['learner'] == who] for who in ('solved', 'readme')}, out


def test_the_folded_solutions_pass_and_untouched_exercises_are_not_attempted(course):
    rows, _ = course
    n = sum(map(len, COURSE.values()))
    assert len(rows['solved']) == n and {r['status'] for r in rows['solved']} == {'passed'}, rows['solved']
    untouched = [r for r in rows['readme'] if r['lesson'] in ('03_sgd', '06_neural_net') and r['exercise'] != '3.1']
    assert len(untouched) == 7 and {r['status'] for r in untouched} == {'not attempted'}, untouched


def test_the_readme_grading_example_is_what_the_grader_prints(course):
    rows, _ = course
    got = cli.table([{k: v for k, v in r.items() if k != 'learner'} for r in rows['readme']])
    shown_ = (ROOT/'README.md').read_text().split('prints exactly this table.', 1)[1].split('```text\n', 1)[1]
    assert got == shown_.split('\n```', 1)[0]
    failed = [r for r in rows['readme'] if r['status'] == 'failed']
    assert [r['exercise'] for r in failed] == ['2.2'] and 'square root is missing' in failed[0]['message']


@pytest.fixture(scope='module')
def refused(tmp_path_factory):
    "The command run at once on a folder that is absent, one that is empty and a file: (process, its CSV path)."
    base, runs = tmp_path_factory.mktemp('refused'), {}
    for make in ('absent', 'empty', 'file'):
        target = base/make/'learner'; target.parent.mkdir()
        if make == 'empty': target.mkdir()
        if make == 'file': target.write_text('x')
        runs[make] = (subprocess.Popen([sys.executable, '-m', 'digit_sgd.grade.cli', str(target), '--csv',
                                        str(base/make/'m.csv')], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True), base/make/'m.csv')
    return {k: (p.communicate(timeout=120), p.returncode, csv_) for k, (p, csv_) in runs.items()}


@pytest.mark.parametrize('make', ['absent', 'empty', 'file'])
def test_a_folder_that_cannot_be_graded_gets_one_line(refused, make):
    (out, err), rc, sheet = refused[make]
    assert rc == 2 and out == ''
    assert err.startswith('grade: ') and err.count('\n') == 1 and 'Traceback' not in err, err
    assert not sheet.exists()   # checked before anything is written


def test_the_csv_is_written_atomically(tmp_path):
    target = tmp_path/'m.csv'; target.write_text('old')
    with pytest.raises(ValueError): cli.write_csv([dict(a=1), dict(b=2)], target)   # a row the sheet cannot hold
    assert target.read_text() == 'old' and [p.name for p in tmp_path.iterdir()] == ['m.csv']


def pandoc_id(heading: str) -> str:
    "The id Pandoc (and so Quarto) gives a heading: punctuation but `_-.` dropped, spaces to `-`, lower case."
    s = re.sub(r'[^\w\s.-]', '', heading.replace('`', '')).strip().lower()
    s = re.sub(r'\s+', '-', s)
    return re.sub(r'^[^a-z]+', '', s) or 'section'


def headings(path: Path) -> set:
    cells = nbformat.read(path, as_version=4).cells
    return {pandoc_id(m.group(1)) for c in cells if c.cell_type == 'markdown'
            for m in re.finditer(r'^#{1,4}\s+(.+?)\s*$', c.source, re.M)}


def test_pandoc_ids():
    assert pandoc_id('Serving the batches: `DataLoader`') == 'serving-the-batches-dataloader'
    assert pandoc_id('Lesson 3: how a model learns — gradients and SGD') == 'lesson-3-how-a-model-learns-gradients-and-sgd'


@pytest.mark.parametrize('path', LESSONS, ids=[p.stem for p in LESSONS])
def test_each_lesson_ends_with_five_self_check_questions(path):
    cells = nbformat.read(path, as_version=4).cells
    start = [i for i, c in enumerate(cells) if c.cell_type == 'markdown' and re.match(r'## Self-check', c.source)]
    assert len(start) == 1, f'{path.name}: one `## Self-check` section'
    text = '\n'.join(c.source for c in cells[start[0]:] if c.cell_type == 'markdown')
    assert re.findall(r'^\*\*(\d+)\. ', text, re.M) == ['1', '2', '3', '4', '5'], f'{path.name}: five numbered questions'
    assert text.count('<details><summary>Answer</summary>') == 5, f'{path.name}: each with its answer folded'


def test_the_questionnaire_covers_every_lesson_with_linked_answers():
    cells = nbformat.read(ROOT/'nbs/95_questionnaire.ipynb', as_version=4).cells
    questions = [c.source for c in cells if c.cell_type == 'markdown' and re.match(r'\*\*\d+\. ', c.source)]
    assert len(questions) >= 30
    assert [int(re.match(r'\*\*(\d+)\.', q).group(1)) for q in questions] == list(range(1, len(questions) + 1))
    ids = {p.name: headings(p) for p in LESSONS}
    linked = set()
    for q in questions:
        assert '<details><summary>Answer</summary>' in q and '</details>' in q, q[:60]
        links = re.findall(r'\]\((0\d_\w+\.ipynb)#([\w.-]+)\)', q)
        assert links, f'no link to the section that teaches it: {q[:60]}'
        for nb, anchor in links:
            assert anchor in ids[nb], f'{nb} has no section #{anchor}'
            linked.add(nb)
    assert linked == set(ids), f'lessons without a question: {set(ids) - linked}'
    readme = (ROOT/'README.md').read_text()
    assert f'{len(questions)} questions across the seven lessons' in readme and f'asks {len(questions)} longer ones' in readme
