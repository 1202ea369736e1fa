"""The exercises and the teacher's grader: every lesson's exercises are complete, the committed notebooks grade as
'not attempted', the folded solutions grade as 'passed', and bad input gets a clear line or message."""
import importlib, json, re, subprocess, sys
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import grade  # noqa: E402

LESSONS = sorted(p for p in (ROOT/'nbs').glob('0[1-9]_*.ipynb'))
COURSE = grade.course_exercises()


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
    for k, ex in enumerate(grade.exercise_cells(cells), 1):
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
        shown = [v for k_, v in ns.items() if not k_.startswith('__')]
        assert shown and all(is_blank(v) for v in shown), f'{path.name}: exercise {n} placeholder is not blank'


def test_every_checker_belongs_to_an_exercise():
    from digit_sgd.practice.exercise import CHECKERS
    for p in LESSONS: importlib.import_module(f"digit_sgd.practice.{p.stem.split('_', 1)[1]}")
    headings = {n for exs in COURSE.values() for n, _ in exs}
    assert set(CHECKERS) == headings


@pytest.fixture(scope='module')
def committed():
    return grade.grade(ROOT/'nbs')


@pytest.fixture(scope='module')
def solved(tmp_path_factory):
    d = tmp_path_factory.mktemp('solved')
    for p in LESSONS: nbformat.write(grade.fill_solutions(nbformat.read(p, as_version=4)), d/p.name)
    return grade.grade(d)


def test_committed_notebooks_grade_as_not_attempted(committed):
    assert len(committed) == sum(map(len, COURSE.values())) >= 18
    assert {r['status'] for r in committed} == {'not attempted'}, grade.table(committed)


def test_the_folded_solutions_pass(solved):
    assert {r['status'] for r in solved} == {'passed'}, grade.table(solved)
    assert all(r['message'] for r in solved)


def _lesson(tmp_path, edit, name='02_baseline'):
    "A folder holding one lesson, changed by `edit(cells, exercises)`."
    nb = nbformat.read(ROOT/'nbs'/f'{name}.ipynb', as_version=4)
    edit(nb.cells, grade.exercise_cells(nb.cells))
    nbformat.write(nb, tmp_path/f'{name}.ipynb')
    return [r for r in grade.grade(tmp_path) if r['lesson'] == name]


def readme_example(folder: Path):
    "The learner of the README's grading example (lessons 1, 2, 5 solved but one answer, 3.1 only, no lesson 4)."
    for name in ['01_pixels', '02_baseline', '03_sgd', '05_minibatch', '06_neural_net']:
        nb = nbformat.read(ROOT/'nbs'/f'{name}.ipynb', as_version=4)
        exs = grade.exercise_cells(nb.cells)
        for e in exs[:{'01_pixels': 4, '02_baseline': 5, '03_sgd': 1, '05_minibatch': 4}.get(name, 0)]:
            nb.cells[e['answer']].source = grade.solution_code(nb.cells, e)
        if name == '02_baseline':   # the RMSE without its square root
            nb.cells[exs[1]['answer']].source = grade.solution_code(nb.cells, exs[1]).replace('.sqrt()', '')
        nbformat.write(nb, folder/('02_baseline-Copy1.ipynb' if name == '02_baseline' else f'{name}.ipynb'))


def test_the_readme_grading_example_is_what_the_grader_prints(tmp_path):
    readme_example(tmp_path)
    rows = grade.grade(tmp_path)
    shown = (ROOT/'README.md').read_text().split('prints exactly this table.', 1)[1].split('```text\n', 1)[1]
    assert grade.table(rows) == shown.split('\n```', 1)[0]
    failed = [r for r in rows if r['status'] == 'failed']
    assert [r['exercise'] for r in failed] == ['2.2'] and 'square root is missing' in failed[0]['message']


def test_an_error_before_an_exercise_is_named(tmp_path):
    def edit(cells, exs):
        cells[exs[0]['answer']].source = 'raise ValueError("learner broke this")'
    rows = _lesson(tmp_path, edit)
    assert rows[0]['status'] == 'not run'
    assert rows[0]['message'] == 'the answer cell raised ValueError: learner broke this', rows[0]
    assert {r['status'] for r in rows[1:]} == {'not attempted'}


def test_missing_renamed_and_unreadable_notebooks(tmp_path):
    (tmp_path/'01_pixels-Copy1.ipynb').write_text('{ not json')
    rows = grade.grade(tmp_path, jobs=1)
    by = {r['lesson']: r for r in rows}
    assert by['01_pixels']['status'] == 'not run' and 'cannot be read as a notebook' in by['01_pixels']['message']
    assert by['02_baseline']['status'] == 'missing' and by['02_baseline']['message'] == 'no 02_baseline.ipynb in the folder'


def test_of_two_copies_of_a_lesson_the_better_one_counts(tmp_path):
    nb = nbformat.read(ROOT/'nbs/01_pixels.ipynb', as_version=4)
    nbformat.write(nb, tmp_path/'01_pixels.ipynb')                               # the untouched original
    nbformat.write(grade.fill_solutions(nb), tmp_path/'01_pixels-Copy1.ipynb')   # the learner's work
    rows = [r for r in grade.grade(tmp_path) if r['lesson'] == '01_pixels']
    assert {r['status'] for r in rows} == {'passed'} and {r['notebook'] for r in rows} == {'01_pixels-Copy1.ipynb'}
    assert rows[0]['message'].endswith('(graded 01_pixels-Copy1.ipynb, the best of 2 copies)')
    assert 'the best of 2 copies' in grade.table(rows).splitlines()[1]


def test_an_endless_loop_is_interrupted_and_the_rest_still_runs(tmp_path):
    def edit(cells, exs): cells[exs[0]['answer']].source = 'while True: pass'
    nb = nbformat.read(ROOT/'nbs/01_pixels.ipynb', as_version=4)
    edit(nb.cells, grade.exercise_cells(nb.cells))
    nbformat.write(nb, tmp_path/'01_pixels.ipynb')
    rows = [r for r in grade.grade(tmp_path, timeout=10) if r['lesson'] == '01_pixels']
    assert rows[0]['status'] == 'not run', rows[0]
    assert rows[0]['message'] == 'the answer cell ran longer than 10 s and was interrupted (an endless loop?)'
    assert {r['status'] for r in rows[1:]} == {'not attempted'}


def test_a_class_folder_gives_one_sheet_with_a_learner_column(tmp_path):
    for who in ('alice', 'bob'):
        (tmp_path/'class'/who).mkdir(parents=True)
        (tmp_path/'class'/who/'Untitled.ipynb').write_text('{}')   # nothing to run: every lesson is missing
    r = subprocess.run(['bash', str(ROOT/'tools/grade.sh'), 'class', '--csv', 'marks.csv'], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    header = next(line for line in r.stdout.splitlines() if line.startswith('learner'))   # after setup's lines
    assert header.split() == ['learner', 'notebook', 'exercise', 'status', 'message']
    assert ('not graded (not a lesson with exercises, 01_pixels to 07_ten_digits): alice/Untitled.ipynb, '
            'bob/Untitled.ipynb') in r.stdout
    sheet = (tmp_path/'marks.csv').read_text().splitlines()     # written where the command was run
    assert sheet[0] == 'learner,lesson,notebook,exercise,title,status,message'
    assert len(sheet) == 1 + 2 * sum(map(len, COURSE.values())) and sheet[1].startswith('alice,01_pixels,')


@pytest.mark.parametrize('make', ['absent', 'empty', 'file'])
def test_a_folder_that_cannot_be_graded_gets_one_line(tmp_path, make):
    target = tmp_path/'learner'
    if make == 'empty': target.mkdir()
    if make == 'file': target.write_text('x')
    r = subprocess.run([sys.executable, str(ROOT/'tools/grade.py'), str(target), '--csv', str(tmp_path/'m.csv')],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ''
    assert r.stderr.startswith('grade: ') and r.stderr.count('\n') == 1 and 'Traceback' not in r.stderr, r.stderr
    assert not (tmp_path/'m.csv').exists()   # checked before anything is written


def test_a_csv_that_cannot_be_written_is_refused_before_grading(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'tools/grade.py'), str(ROOT/'nbs'), '--csv', '/nonexistent/m.csv'],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr == 'grade: No such file or directory: /nonexistent/m.csv\n'


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
