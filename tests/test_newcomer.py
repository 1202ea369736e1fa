"""A newcomer's first minutes: a fresh copy of the project on a machine with no data, no network and an empty home.
The main and test commands must fail within seconds with the recipe, install nothing and write nothing outside the
project; a wrong interpreter gets a message that names it."""
import os, shutil, subprocess, sys, tarfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import preflight  # noqa: E402

OFFLINE = 'http://127.0.0.1:9'   # a proxy nothing listens on: every download fails at once, on any machine


def fresh_copy(dest: Path) -> Path:
    "The project as a fresh clone of this working tree would have it (tracked and new, not ignored, files)."
    files = subprocess.run(['git', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split('\0')
    for f in filter(None, files):
        if (ROOT/f).is_file():
            (dest/f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT/f, dest/f)
    return dest


def newcomer_env(home: Path, fastai_home: Path, **extra) -> dict:
    "A clean environment: this Python first on PATH, an empty home and data folder, no network, no course settings."
    keep = {k: v for k, v in os.environ.items()
            if k in ('PATH', 'LANG', 'LC_ALL', 'TMPDIR') or k.startswith('PIP_')}
    keep['PATH'] = f"{Path(sys.executable).parent}{os.pathsep}{keep.get('PATH', '')}"
    proxies = {k: OFFLINE for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY')}
    return {**keep, **proxies, 'no_proxy': '', 'NO_PROXY': '', 'HOME': str(home), 'FASTAI_HOME': str(fastai_home),
            **extra}


@pytest.fixture(scope='module')
def project_copy(tmp_path_factory):
    """A fresh copy (with no ../shared beside it), made once for this module: the scripts under test must write
    nothing into it, and each test that runs one checks that they did not (no .venv, no .cache)."""
    return fresh_copy(tmp_path_factory.mktemp('newcomer')/'digit_sgd')


@pytest.fixture
def newcomer(project_copy, tmp_path):
    "The fresh copy, and an empty home and an empty FASTAI_HOME of this test's own."
    (tmp_path/'home').mkdir(); (tmp_path/'fastai_home').mkdir()
    return project_copy, tmp_path/'home', tmp_path/'fastai_home'


@pytest.mark.parametrize('script', ['course.sh', 'test.sh'])
def test_no_data_fails_fast_installs_nothing_and_leaves_home_alone(newcomer, script):
    repo, home, fastai_home = newcomer
    r = subprocess.run(['bash', f'tools/{script}'], cwd=repo, env=newcomer_env(home, fastai_home),
                       capture_output=True, text=True, timeout=60)
    out = r.stdout + r.stderr
    assert r.returncode != 0, (r.returncode, out)
    assert out.startswith('Checking the data and the disk\ndigit_sgd: the data (MNIST_SAMPLE, 3 MB) is not on this')
    assert 'cannot be downloaded' in out and out.rstrip().endswith('Nothing has been installed.')
    assert f'DIGIT_SGD_ARCHIVE=/path/to/mnist_sample.tgz bash tools/{script}' in out   # the one-variable fix
    assert f'tar -xzf /path/to/mnist_sample.tgz -C "{fastai_home}/data"' in out        # and the manual one
    assert '\n\nthe data (MNIST, 16 MB) is not on this machine and cannot be downloaded:\n' in out   # lesson 7's too
    assert f'  {preflight.MNIST.url}: ' in out
    assert f'DIGIT_SGD_MNIST_ARCHIVE=/path/to/mnist_png.tgz bash tools/{script}' in out
    assert f'tar -xzf /path/to/mnist_png.tgz -C "{fastai_home}/data"' in out
    assert ('DIGIT_SGD_ARCHIVE=/path/to/mnist_sample.tgz DIGIT_SGD_MNIST_ARCHIVE=/path/to/mnist_png.tgz '
            f'bash tools/{script}') in out                                             # both on one command line
    assert 'Traceback' not in out and 'Installing' not in out
    assert not (repo/'.venv').exists() and not (repo/'.cache').exists()
    assert list(home.iterdir()) == [] and list(fastai_home.iterdir()) == []


@pytest.mark.parametrize('python, says', [
    ('/nonexistent/python3', "there is no '/nonexistent/python3' on this machine"),
    ('python2.7', 'is Python 2.7'), ('python3.8', 'is Python 3.8'), ('python3.9', 'is Python 3.9')])
def test_wrong_interpreter_is_named(newcomer, python, says):
    if not python.startswith('/'):   # the real interpreter behind any shim (pyenv's need $HOME, which we empty)
        found = shutil.which(python)
        real = found and subprocess.run([found, '-c', 'import sys; print(sys.executable)'], capture_output=True,
                                        text=True).stdout.strip()
        real = real or next(iter(sorted(Path('~/.pyenv/versions').expanduser().glob(f'*/bin/{python}'))), None)
        if not real: pytest.skip(f'{python} is not installed here')
        python = str(real)
    repo, home, fastai_home = newcomer
    r = subprocess.run(['bash', 'tools/course.sh'], cwd=repo, env=newcomer_env(home, fastai_home, PYTHON=python),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and says in r.stderr, r.stderr
    assert 'needs Python 3.10 or newer' in r.stderr and 'PYTHON=/path/to/python3.11 bash tools/course.sh' in r.stderr
    assert not (repo/'.venv').exists()


def test_preflight_urls_are_fastais():
    from fastai.data.external import URLs
    assert preflight.SAMPLE.url == URLs.MNIST_SAMPLE
    assert preflight.MNIST.url == URLs.MNIST
    assert preflight.DATASETS == (preflight.SAMPLE, preflight.MNIST)   # both required: lessons 1-6 and lesson 7


def fake_archive(path: Path, ds=preflight.SAMPLE, top: str | None = None) -> Path:
    "A tiny archive shaped like `ds`'s (MNIST_SAMPLE's 4 folders, or MNIST's 20), one file in each folder."
    top = top or ds.name
    src = path.parent/f'src-{path.stem}'
    for f in ds.folders: (src/top/f).mkdir(parents=True); (src/top/f/'0.png').write_bytes(b'png')
    with tarfile.open(path, 'w:gz') as tf: tf.add(src/top, arcname=top)
    shutil.rmtree(src)
    return path


@pytest.fixture
def no_shared(tmp_path, monkeypatch):
    "preflight as in a project with no ../shared/data beside it, no archive variables and no network."
    monkeypatch.setattr(preflight, 'ROOT', tmp_path/'project')
    for ds in preflight.DATASETS: monkeypatch.delenv(ds.var, raising=False)
    monkeypatch.setattr(preflight, 'reachable', lambda url, timeout=10: 'offline (test)')
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'fh'))
    return tmp_path/'fh'/'data'


def test_preflight_unpacks_the_given_archives(tmp_path, no_shared, monkeypatch):
    for ds in preflight.DATASETS: monkeypatch.setenv(ds.var, str(fake_archive(tmp_path/f'{ds.name}.tgz', ds)))
    lines = preflight.check_data('bash tools/course.sh')
    assert lines == [f'data: unpacked {tmp_path}/{ds.name}.tgz into {no_shared/ds.name}' for ds in preflight.DATASETS]
    assert all(preflight.is_unpacked(no_shared/ds.name, ds) for ds in preflight.DATASETS)
    assert sorted(p.name for p in no_shared.iterdir()) == ['mnist_png', 'mnist_sample']   # no temporary folder left
    assert preflight.check_data('bash tools/course.sh') == [f'data: {no_shared/ds.name}' for ds in preflight.DATASETS]


@pytest.mark.parametrize('ds', preflight.DATASETS, ids=lambda ds: ds.label)
def test_preflight_finds_the_copy_in_shared(tmp_path, no_shared, monkeypatch, ds):
    other = next(o for o in preflight.DATASETS if o != ds)
    monkeypatch.setenv(other.var, str(fake_archive(tmp_path/'other.tgz', other)))
    shared = tmp_path/'shared'/'data'; shared.mkdir(parents=True)
    fake_archive(shared/f'{ds.name}.tgz', ds)
    assert f'data: unpacked {shared}/{ds.name}.tgz into {no_shared/ds.name}' in preflight.check_data('x')


@pytest.mark.parametrize('ds', preflight.DATASETS, ids=lambda ds: ds.label)
def test_preflight_one_missing_offline_gives_its_recipe_and_unpacks_nothing(tmp_path, no_shared, monkeypatch, ds):
    other = next(o for o in preflight.DATASETS if o != ds)
    monkeypatch.setenv(other.var, str(fake_archive(tmp_path/'other.tgz', other)))   # that one could be unpacked
    with pytest.raises(preflight.PreflightError) as e: preflight.check_data('bash tools/course.sh')
    msg = str(e.value)
    assert msg.startswith(f'the data ({ds.label}, {ds.size}) is not on this machine and cannot be downloaded:\n'
                          f'  {ds.url}: offline (test)\n')
    assert f'{ds.var}=/path/to/{ds.name}.tgz bash tools/course.sh' in msg
    assert f'mkdir -p "{no_shared}" && tar -xzf /path/to/{ds.name}.tgz -C "{no_shared}"' in msg
    assert f'({other.label}, ' not in msg and other.var not in msg and 'on one command line' not in msg
    assert not (tmp_path/'fh').exists()                       # the other one was not unpacked either


CASES = [('missing', 'is not a file'), ('not a tar', 'is not a complete {name}.tgz'),
         ('wrong content', 'it is not {name}.tgz'), ('the other one', 'it is not {name}.tgz'),
         ('unwritable', 'could not be unpacked into')]


@pytest.mark.parametrize('ds', preflight.DATASETS, ids=lambda ds: ds.label)
@pytest.mark.parametrize('case, says', CASES, ids=[c for c, _ in CASES])
def test_preflight_bad_archive_says_what_is_wrong_and_leaves_nothing(tmp_path, no_shared, monkeypatch, ds, case, says):
    other = next(o for o in preflight.DATASETS if o != ds)
    monkeypatch.setenv(other.var, str(fake_archive(tmp_path/'other.tgz', other)))   # good: unpacked, then removed
    archive = tmp_path/'a.tgz'
    if case in ('not a tar', 'unwritable'): archive.write_bytes(b'this is not a tar file')
    if case == 'wrong content': fake_archive(archive, ds, top='something_else')
    if case == 'the other one': fake_archive(archive, other)
    if case == 'unwritable': no_shared.parent.mkdir(); no_shared.write_text('a file where the folder should be')
    monkeypatch.setenv(ds.var, str(archive))
    with pytest.raises(preflight.PreflightError, match=says.format(name=ds.name)) as e:
        preflight.check_data('bash tools/course.sh')
    if case != 'unwritable':
        assert f'{ds.var}={archive}' in str(e.value) if case == 'missing' else str(e.value).startswith(str(archive))
        assert not (tmp_path/'fh').exists()                   # not even the folders it would have made
    else:
        assert [p.name for p in (tmp_path/'fh').iterdir()] == ['data'] and no_shared.is_file()


def test_preflight_names_the_folders_a_wrong_archive_lacks(tmp_path, no_shared, monkeypatch):
    monkeypatch.setenv('DIGIT_SGD_ARCHIVE', str(fake_archive(tmp_path/'s.tgz')))
    monkeypatch.setenv('DIGIT_SGD_MNIST_ARCHIVE', str(fake_archive(tmp_path/'m.tgz', top='mnist_sample')))
    with pytest.raises(preflight.PreflightError, match=r'does not hold mnist_png/ with training/0\.\.9, testing/0\.\.9'):
        preflight.check_data('x')


def test_preflight_refuses_a_half_unpacked_folder_and_keeps_it(tmp_path, no_shared, monkeypatch):
    for ds in preflight.DATASETS: monkeypatch.setenv(ds.var, str(fake_archive(tmp_path/f'{ds.name}.tgz', ds)))
    (no_shared/'mnist_png'/'training'/'0').mkdir(parents=True)
    with pytest.raises(preflight.PreflightError, match=r'mnist_png is there but incomplete \(it has no training/1/\)'):
        preflight.check_data('x')
    assert [p.name for p in no_shared.iterdir()] == ['mnist_png']   # the learner's folder is theirs to remove


def test_preflight_refuses_a_disk_too_small(tmp_path):
    with pytest.raises(preflight.PreflightError, match='GB free'): preflight.check_disk(tmp_path/'venv', need_gb=1e9)
    assert preflight.check_disk(tmp_path/'venv', need_gb=0).startswith('disk:')


def test_scripts_leave_git_hooks_to_contributors():
    for script in ('setup.sh', 'course.sh', 'test.sh', 'lab.sh'):
        assert 'nbdev_install_hooks' not in (ROOT/'tools'/script).read_text()
    assert 'nbdev_install_hooks' in (ROOT/'README.md').read_text()


@pytest.mark.parametrize('ds', preflight.DATASETS, ids=lambda ds: ds.label)
def test_relative_archive_is_found_from_where_you_are(newcomer, tmp_path, ds):
    "DIGIT_SGD_ARCHIVE=name.tgz means the file in the folder you run the command from, not in the project."
    repo, home, fastai_home = newcomer
    here = tmp_path/'elsewhere'; here.mkdir()
    (here/f'{ds.name}.tgz').write_bytes(b'not an archive')
    others = {o.var: str(fake_archive(tmp_path/f'{o.name}.tgz', o)) for o in preflight.DATASETS if o != ds}
    r = subprocess.run(['bash', str(repo/'tools'/'course.sh')], cwd=here, capture_output=True, text=True, timeout=60,
                       env=newcomer_env(home, fastai_home, **{ds.var: f'{ds.name}.tgz'}, **others))
    assert r.returncode != 0 and f'{here}/{ds.name}.tgz is not a complete {ds.name}.tgz' in r.stderr, r.stderr
    assert not (repo/'.venv').exists() and list(home.iterdir()) == [] and list(fastai_home.iterdir()) == []


def test_test_command_refuses_arguments_it_would_ignore(newcomer):
    repo, home, fastai_home = newcomer
    r = subprocess.run(['bash', 'tools/test.sh', '-k', 'foo'], cwd=repo, env=newcomer_env(home, fastai_home),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and 'takes at most one argument, --slow' in r.stderr


def test_an_interpreter_that_does_not_run_says_why(newcomer, tmp_path):
    "Like a pyenv shim with no version behind it: the interpreter's own complaint is shown."
    repo, home, fastai_home = newcomer
    shim = tmp_path/'python3.9'
    shim.write_text('#!/bin/sh\necho "pyenv: python3.9: command not found" >&2\nexit 127\n'); shim.chmod(0o755)
    r = subprocess.run(['bash', 'tools/course.sh'], cwd=repo, env=newcomer_env(home, fastai_home, PYTHON=str(shim)),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)     # a clean exit, not a broken pipe under pipefail
    assert "does not run as a Python interpreter (pyenv: python3.9: command not found)" in r.stderr
