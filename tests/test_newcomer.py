"""A newcomer's first minutes: a fresh copy of the project on a machine with no data, no network and an empty home.
The main and test commands must fail within seconds with the recipe, install nothing and write nothing outside the
project; a wrong interpreter gets a message that names it."""
import os, shutil, subprocess, sys, tarfile, time
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


@pytest.fixture
def newcomer(tmp_path):
    "A fresh copy (with no ../shared beside it), an empty home and an empty FASTAI_HOME."
    repo = fresh_copy(tmp_path/'digit_sgd')
    (tmp_path/'home').mkdir(); (tmp_path/'fastai_home').mkdir()
    return repo, tmp_path/'home', tmp_path/'fastai_home'


@pytest.mark.parametrize('script', ['course.sh', 'test.sh'])
def test_no_data_fails_fast_installs_nothing_and_leaves_home_alone(newcomer, script):
    repo, home, fastai_home = newcomer
    start = time.perf_counter()
    r = subprocess.run(['bash', f'tools/{script}'], cwd=repo, env=newcomer_env(home, fastai_home),
                       capture_output=True, text=True, timeout=60)
    seconds, out = time.perf_counter() - start, r.stdout + r.stderr
    assert r.returncode != 0 and seconds < 30, (r.returncode, seconds, out)
    assert out.startswith('Checking the data and the disk\ndigit_sgd: the data (MNIST_SAMPLE, 3 MB) is not on this')
    assert 'cannot be downloaded' in out and out.rstrip().endswith('Nothing has been installed.')
    assert f'DIGIT_SGD_ARCHIVE=/path/to/mnist_sample.tgz bash tools/{script}' in out   # the one-variable fix
    assert f'tar -xzf /path/to/mnist_sample.tgz -C "{fastai_home}/data"' in out        # and the manual one
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


def test_preflight_url_is_fastais():
    from fastai.data.external import URLs
    assert preflight.URL == URLs.MNIST_SAMPLE


def fake_archive(path: Path, top: str = 'mnist_sample') -> Path:
    "A tiny archive shaped like MNIST_SAMPLE: the four folders, one file each."
    src = path.parent/'src'
    for f in preflight.FOLDERS: (src/top/f).mkdir(parents=True); (src/top/f/'0.png').write_bytes(b'png')
    with tarfile.open(path, 'w:gz') as tf: tf.add(src/top, arcname=top)
    return path


def test_preflight_unpacks_a_given_archive(tmp_path, monkeypatch):
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'fh'))
    monkeypatch.setenv('DIGIT_SGD_ARCHIVE', str(fake_archive(tmp_path/'a.tgz')))
    assert preflight.check_data('bash tools/course.sh').startswith('data: unpacked')
    assert preflight.is_unpacked(tmp_path/'fh'/'data'/'mnist_sample')
    assert [p.name for p in (tmp_path/'fh'/'data').iterdir()] == ['mnist_sample']   # no temporary folder left
    assert preflight.check_data('bash tools/course.sh').startswith('data: ')           # present now


@pytest.mark.parametrize('case, says', [('missing', 'is not a file'), ('not a tar', 'is not a complete mnist_sample.tgz'),
                                        ('wrong content', 'it is not mnist_sample.tgz')])
def test_preflight_bad_archive_says_what_is_wrong_and_leaves_nothing(tmp_path, monkeypatch, case, says):
    archive = tmp_path/'a.tgz'
    if case == 'not a tar': archive.write_bytes(b'this is not a tar file')
    if case == 'wrong content': fake_archive(archive, top='something_else')
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'fh'))
    monkeypatch.setenv('DIGIT_SGD_ARCHIVE', str(archive))
    with pytest.raises(preflight.PreflightError, match=says): preflight.check_data('bash tools/course.sh')
    assert not (tmp_path/'fh').exists()                       # not even the folders it would have made


def test_preflight_refuses_a_disk_too_small(tmp_path):
    with pytest.raises(preflight.PreflightError, match='GB free'): preflight.check_disk(tmp_path/'venv', need_gb=1e9)
    assert preflight.check_disk(tmp_path/'venv', need_gb=0).startswith('disk:')


def test_scripts_leave_git_hooks_to_contributors():
    for script in ('setup.sh', 'course.sh', 'test.sh', 'lab.sh'):
        assert 'nbdev_install_hooks' not in (ROOT/'tools'/script).read_text()
    assert 'nbdev_install_hooks' in (ROOT/'README.md').read_text()


def test_relative_archive_is_found_from_where_you_are(newcomer):
    "DIGIT_SGD_ARCHIVE=name.tgz means the file in the folder you run the command from, not in the project."
    repo, home, fastai_home = newcomer
    here = repo.parent/'elsewhere'; here.mkdir()
    (here/'mnist_sample.tgz').write_bytes(b'not an archive')
    r = subprocess.run(['bash', str(repo/'tools'/'course.sh')], cwd=here, capture_output=True, text=True, timeout=60,
                       env=newcomer_env(home, fastai_home, DIGIT_SGD_ARCHIVE='mnist_sample.tgz'))
    assert r.returncode != 0 and f'{here}/mnist_sample.tgz is not a complete mnist_sample.tgz' in r.stderr, r.stderr
    assert not (repo/'.venv').exists() and list(home.iterdir()) == [] and list(fastai_home.iterdir()) == []


def test_test_command_refuses_arguments_it_would_ignore(newcomer):
    repo, home, fastai_home = newcomer
    r = subprocess.run(['bash', 'tools/test.sh', '-k', 'foo'], cwd=repo, env=newcomer_env(home, fastai_home),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and 'takes at most one argument, --slow' in r.stderr


def test_an_interpreter_that_does_not_run_says_why(newcomer):
    "Like a pyenv shim with no version behind it: the interpreter's own complaint is shown."
    repo, home, fastai_home = newcomer
    shim = repo.parent/'python3.9'
    shim.write_text('#!/bin/sh\necho "pyenv: python3.9: command not found" >&2\nexit 127\n'); shim.chmod(0o755)
    r = subprocess.run(['bash', 'tools/course.sh'], cwd=repo, env=newcomer_env(home, fastai_home, PYTHON=str(shim)),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)     # a clean exit, not a broken pipe under pipefail
    assert "does not run as a Python interpreter (pyenv: python3.9: command not found)" in r.stderr
