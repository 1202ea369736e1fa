#!/usr/bin/env python3
"""Check, before anything heavy is installed, that the course can get its data and has room for its environment.

Run by tools/setup.sh (which sets FASTAI_HOME to the project's .fastai_home unless it is set) with the plain system
Python (standard library only), so a machine that cannot get the data finds out in a second, not after a 6 GB
install. It checks, in order:

1. the data: MNIST_SAMPLE already unpacked under $FASTAI_HOME/data, or a local archive to unpack there
   ($DIGIT_SGD_ARCHIVE, else ../shared/data/mnist_sample.tgz beside the project, where CI keeps a copy), or the
   download address answering;
2. the disk: when the virtual environment does not exist yet, enough free space for it.

It prints one line per check and exits 0, or prints what to do and exits 1 (no traceback, nothing left behind).
Usage: python3 tools/preflight.py [--command "bash tools/course.sh"]
"""
from __future__ import annotations
import argparse, os, shutil, sys, tarfile, tempfile, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
URL = 'https://s3.amazonaws.com/fast-ai-sample/mnist_sample.tgz'   # fastai's URLs.MNIST_SAMPLE (a test checks it)
NAME = 'mnist_sample'
FOLDERS = ('train/3', 'train/7', 'valid/3', 'valid/7')
VENV_GB = 8.0     # the installed environment measures 6.7 GB (6.3 GiB); pip needs room for its temporary files


class PreflightError(Exception):
    "A problem the learner can fix; the message says how."


def data_dir() -> Path:
    "Where fastai's `untar_data` looks for the data: $FASTAI_HOME/data (fastai's default FASTAI_HOME is ~/.fastai)."
    return Path(os.environ.get('FASTAI_HOME') or '~/.fastai').expanduser()/'data'


def is_unpacked(folder: Path) -> bool: return all((folder/f).is_dir() for f in FOLDERS)


def archive_given() -> Path | None:
    "The local archive to unpack: $DIGIT_SGD_ARCHIVE (which must exist), else ../shared/data's copy if present."
    given = os.environ.get('DIGIT_SGD_ARCHIVE')
    if given:
        p = Path(given).expanduser()
        if not p.is_file():
            raise PreflightError(f"DIGIT_SGD_ARCHIVE={p} is not a file. Point it at your copy of {NAME}.tgz, "
                                 f"or unset it to download the data.")
        return p
    shared = ROOT.parent/'shared'/'data'/f'{NAME}.tgz'
    return shared if shared.is_file() else None


def unpack(archive: Path, dest: Path) -> Path:
    "Unpack `archive` into `dest` through a temporary folder, so a broken archive leaves nothing behind."
    made = [p for p in [dest, *dest.parents] if not p.exists()]   # folders we create, to remove again on failure
    dest.mkdir(parents=True, exist_ok=True)
    try: return _unpack_into(archive, dest)
    except PreflightError:
        for p in made:
            try: p.rmdir()
            except OSError: break
        raise


def _unpack_into(archive: Path, dest: Path) -> Path:
    for stale in dest.glob('.unpacking-*'): shutil.rmtree(stale, ignore_errors=True)   # from an interrupted run
    with tempfile.TemporaryDirectory(dir=dest, prefix='.unpacking-') as tmp:
        try:
            with tarfile.open(archive) as tf:
                kw = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
                tf.extractall(tmp, **kw)
        except (tarfile.TarError, EOFError) as e:
            raise PreflightError(f"{archive} is not a complete {NAME}.tgz: it cannot be read as a gzipped tar "
                                 f"archive ({type(e).__name__}).\n"
                                 f"Copy it again from a machine that has it, or download it from {URL}.")
        except OSError as e:
            raise PreflightError(f"{archive} could not be unpacked into {dest}: {e}.\n"
                                 f"Check that the disk has room and that you can write to {dest}.")
        if not is_unpacked(Path(tmp)/NAME):
            raise PreflightError(f"{archive} does not hold {NAME}/ with {', '.join(FOLDERS)}: it is not "
                                 f"{NAME}.tgz. Get the right archive from {URL}.")
        os.replace(Path(tmp)/NAME, dest/NAME)
    return dest/NAME


def reachable(url: str, timeout: float = 10) -> str | None:
    "None if `url` answers a HEAD request, else the reason it did not."
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method='HEAD'), timeout=timeout) as r:
            return None if r.status < 400 else f'HTTP {r.status}'
    except Exception as e:  # URLError, timeouts, refused connections, proxies: all mean "cannot download"
        return str(getattr(e, 'reason', e))


def recipe(reason: str, command: str) -> str:
    d = data_dir()
    return f"""the data (MNIST_SAMPLE, 3 MB) is not on this machine and cannot be downloaded:
  {URL}: {reason}
Do one of these, then run the same command again:
  - connect this machine to the internet: the command then downloads the data itself;
  - copy {NAME}.tgz onto this machine (from the address above, on a machine that is online) and point at it:
        DIGIT_SGD_ARCHIVE=/path/to/{NAME}.tgz {command}
  - or unpack it yourself where the course looks for it:
        mkdir -p "{d}" && tar -xzf /path/to/{NAME}.tgz -C "{d}\""""


def check_data(command: str) -> str:
    "One line saying where the data will come from; `PreflightError` if it cannot come from anywhere."
    d = data_dir()
    if is_unpacked(d/NAME): return f"data: {d/NAME}"
    archive = archive_given()
    if archive is not None: return f"data: unpacked {archive} into {unpack(archive, d)}"
    reason = reachable(URL)
    if reason is None: return f"data: {URL} answers; it is downloaded into {d} on first use"
    raise PreflightError(recipe(reason, command))


def check_disk(venv: Path, need_gb: float = VENV_GB, command: str = 'bash tools/course.sh') -> str | None:
    "A line on the free space for a virtual environment not built yet (None when it exists); error if too little."
    if (venv/'bin'/'python').exists(): return None
    parent = next(p for p in [venv, *venv.parents] if p.exists())
    free = shutil.disk_usage(parent).free/1e9
    if free < need_gb:
        raise PreflightError(f"the environment needs about {need_gb:.0f} GB of disk "
                             f"(PyTorch with its CUDA libraries is most of it) and {parent} has {free:.1f} GB free.\n"
                             f"Free some space, or build it on a larger disk:\n"
                             f"    DIGIT_SGD_VENV=/bigger/disk/venv {command}")
    return f"disk: {free:.0f} GB free for {venv} (it will take about 6.7 GB)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--command', default='bash tools/course.sh', help='the command to tell the learner to rerun')
    ap.add_argument('--venv', default=os.environ.get('DIGIT_SGD_VENV') or str(ROOT/'.venv'))
    a = ap.parse_args(argv)
    try:
        for line in (check_data(a.command), check_disk(Path(a.venv), command=a.command)):
            if line: print(f"  {line}")
    except PreflightError as e:
        print(f"digit_sgd: {e}\nNothing has been installed.", file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
