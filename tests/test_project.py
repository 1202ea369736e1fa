"The project's own promises: README in step with the docs home page, CI calling the README's test command, docs wiring."
import configparser, re, subprocess, sys
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
sys.path.insert(0, str(ROOT/'tools'))
from sync_readme import render_readme  # noqa: E402

LESSONS = sorted(p.name for p in NBS.glob('[0-9]*.ipynb'))


def test_readme_is_generated_from_index():
    assert (ROOT/'README.md').read_text() == render_readme(), 'run: python tools/sync_readme.py'


def test_readme_gives_the_two_commands_and_ci_runs_them():
    readme = (ROOT/'README.md').read_text()
    commands = re.findall(r'^bash tools/\w+\.sh$', readme, flags=re.M)
    assert commands[:2] == ['bash tools/course.sh', 'bash tools/test.sh']   # the main and the test command, first
    assert set(commands[2:]) <= {'bash tools/lab.sh', 'bash tools/browser_test.sh'}   # JupyterLab, the sliders' test
    ci = (ROOT/'.ci'/'run').read_text()
    assert re.search(r'^bash tools/test\.sh', ci, flags=re.M)
    assert re.search(r'^bash tools/browser_test\.sh', ci, flags=re.M)   # lesson 3's slider dragged in Chromium
    assert re.search(r'^bash tools/course\.sh --check-lessons', ci, flags=re.M)


def test_settings():
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini')
    d = cfg['DEFAULT']
    assert (d['lib_name'], d['nbs_path'], d['doc_path'], d['tst_flags']) == ('digit_sgd', 'nbs', '_docs', 'slow cuda')
    assert d['recursive'] == 'True'   # nbdev_test, nbdev_clean and nbdev_export also see the test notebooks in nbs/tests/
    assert d.get('allowed_cell_metadata_keys') == 'jupyter'   # a hidden cell stays collapsed (jupyter.source_hidden)
    import digit_sgd
    assert digit_sgd.__version__ == d['version']


def test_every_notebook_is_in_the_sidebar_and_linked_from_index():
    sidebar = (NBS/'sidebar.yml').read_text()
    index = (NBS/'index.ipynb').read_text()
    for nb in LESSONS:
        assert nb in sidebar, f'{nb} missing from nbs/sidebar.yml'
        assert nb in index, f'{nb} missing from nbs/index.ipynb'
    listed = re.findall(r'(\d\d_[\w.]+\.ipynb)', sidebar)   # 70_practice.exercise.ipynb: a module in a subpackage
    assert listed[:6] == sorted(listed[:6]), 'lessons are listed in course order'


@pytest.mark.parametrize('name', LESSONS)
def test_notebook_has_title_description_and_colab_link(name):
    nb = nbformat.read(NBS/name, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == 'markdown' and first.source.startswith('# ')
    assert '\n> ' in first.source, 'a one-line description under the title'
    assert f'colab.research.google.com/github/digit-sgd/digit_sgd/blob/main/nbs/{name}' in first.source


PKG = ROOT/'digit_sgd'
# Every generated module, subpackages included, by its dotted name below digit_sgd: 'baseline', 'practice.pixels'
MODULES = sorted('.'.join(p.relative_to(PKG).with_suffix('').parts) for p in PKG.rglob('*.py')
                 if not any(part.startswith('_') for part in p.relative_to(PKG).parts))
SUBPACKAGES = sorted(p.parent.name for p in PKG.glob('*/__init__.py'))


def module_path(m:str) -> Path: return PKG/(m.replace('.', '/') + '.py')


def test_modules_stay_small_and_import_nothing_private_from_each_other():
    assert 'practice.exercise' in MODULES and 'baseline' in MODULES
    for m in MODULES:
        path, src = module_path(m).relative_to(ROOT), module_path(m).read_text()
        code = [l for l in src.splitlines() if l.strip() and not l.startswith('# %%')]   # not nbdev's cell markers
        assert len(code) <= 200, f'{path} has {len(code)} lines of code; split its notebook'
        imports = re.findall(r'^from (?:digit_sgd\b|\.)[\w.]* import (\([^)]*\)|.*)', src, flags=re.M)
        private = [n for names in imports for n in re.findall(r'\b_[a-z]\w*', names)]
        assert not private, f'{path} imports private names from other modules: {private}'


def test_every_public_name_is_importable_from_the_package_and_listed_in_the_readme():
    import importlib, digit_sgd
    readme = (ROOT/'README.md').read_text()
    section = readme.split('## For teachers: the package', 1)[1].split('\n## ', 1)[0]
    for m in MODULES:
        mod = importlib.import_module(f'digit_sgd.{m}')   # digit_sgd.practice.pixels: a module of a subpackage
        assert f'digit_sgd.{m}' in section, f'the README package section does not list digit_sgd.{m}'
        for name in mod.__all__:
            assert getattr(digit_sgd, name) is getattr(mod, name), f'digit_sgd.{name} is not digit_sgd.{m}.{name}'
            assert f'`{name}`' in section or name.isupper(), f'the README package section does not list {name}'
    for sub in SUBPACKAGES:   # `import digit_sgd; digit_sgd.practice` works as `import digit_sgd.practice` does
        assert getattr(digit_sgd, sub) is importlib.import_module(f'digit_sgd.{sub}')
    with pytest.raises(AttributeError, match='no attribute'): digit_sgd.no_such_name
