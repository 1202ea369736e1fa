#!/usr/bin/env python3
"""Check, before anything heavy is installed, that the course can get its data and has room for its environment.

Run by tools/setup.sh (which sets FASTAI_HOME to the project's .fastai_home unless it is set) with the plain system
Python (standard library only), so a machine that cannot get the data finds out in a second, not after a 6 GB
install. It checks, in order:

1. the data, for each dataset in DATASETS (described in digit_sgd.catalog: MNIST_SAMPLE for lessons 1-6, the full
   MNIST for lesson 7; both are needed): already unpacked under $FASTAI_HOME/data, or a local archive to unpack there
   ($DIGIT_SGD_ARCHIVE and $DIGIT_SGD_MNIST_ARCHIVE, else mnist_sample.tgz and mnist_png.tgz in ../shared/data beside
   the project, where CI keeps copies), or the download address answering;
2. the disk: when the virtual environment does not exist yet, enough free space for it.

It prints one line per check and exits 0, or prints what to do and exits 1 (no traceback, and $FASTAI_HOME left as
it was: an archive is unpacked only once every dataset has a source, and one that fails undoes the others).
Usage: python3 tools/preflight.py [--command "bash tools/course.sh"]
"""
from __future__ import annotations
import argparse, os, shutil, sys, tarfile, tempfile, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_GB = 8.0     # the installed environment measures 6.7 GB (6.3 GiB); pip needs room for its temporary files
sys.path.insert(0, str(ROOT))   # each dataset is described once, in digit_sgd.catalog (standard library only)
from digit_sgd.catalog import Dataset, MNIST_SAMPLE as SAMPLE, MNIST, DATASETS  # noqa: E402


class PreflightError(Exception):
    "A problem the learner can fix; the message says how."


def data_dir() -> Path:
    "Where fastai's `untar_data` looks for the data: $FASTAI_HOME/data (fastai's default FASTAI_HOME is ~/.fastai)."
    return Path(os.environ.get('FASTAI_HOME') or '~/.fastai').expanduser()/'data'


def is_unpacked(folder: Path, ds: Dataset = SAMPLE) -> bool: return all((folder/f).is_dir() for f in ds.folders)


def archive_given(ds: Dataset = SAMPLE) -> Path | None:
    "The local archive to unpack: $<ds.var> (which must exist), else ../shared/data's copy if present."
    given = os.environ.get(ds.var)
    if given:
        p = Path(given).expanduser()
        if not p.is_file():
            raise PreflightError(f"{ds.var}={p} is not a file. Point it at your copy of {ds.archive}, "
                                 f"or unset it to download the data.")
        return p
    shared = ROOT.parent/'shared'/'data'/ds.archive
    return shared if shared.is_file() else None


def unpack_all(jobs, dest: Path) -> list[Path]:
    """Unpack each (archive, dataset) of `jobs` into `dest`; if one fails, remove what this call unpacked and the
    folders it made, so a failed run leaves $FASTAI_HOME as it found it."""
    made = [p for p in [dest, *dest.parents] if not p.exists()]   # folders we create, to remove again on failure
    done = []
    try:
        for archive, ds in jobs: done.append(_unpack_into(archive, dest, ds))
    except PreflightError:
        for p in done: shutil.rmtree(p, ignore_errors=True)
        for p in made:
            try: p.rmdir()
            except OSError: break
        raise
    return done


def _unpack_into(archive: Path, dest: Path, ds: Dataset) -> Path:
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for stale in dest.glob('.unpacking-*'): shutil.rmtree(stale, ignore_errors=True)   # from an interrupted run
        with tempfile.TemporaryDirectory(dir=dest, prefix='.unpacking-') as tmp:
            try:
                with tarfile.open(archive) as tf:
                    kw = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
                    tf.extractall(tmp, **kw)
            except (tarfile.TarError, EOFError) as e:
                raise PreflightError(f"{archive} is not a complete {ds.archive}: it cannot be read as a gzipped "
                                     f"tar archive ({type(e).__name__}).\n"
                                     f"Copy it again from a machine that has it, or download it from {ds.url}.")
            if not is_unpacked(Path(tmp)/ds.name, ds):
                raise PreflightError(f"{archive} does not hold {ds.name}/ with {ds.shown}: it is not "
                                     f"{ds.archive}. Get the right archive from {ds.url}.")
            os.replace(Path(tmp)/ds.name, dest/ds.name)
    except OSError as e:   # no room, no permission, or a file where a folder should be
        raise PreflightError(f"{archive} could not be unpacked into {dest}: {e}.\n"
                             f"Check that the disk has room and that you can write to {dest}.")
    return dest/ds.name


def reachable(url: str, timeout: float = 10) -> str | None:
    "None if `url` answers a HEAD request, else the reason it did not."
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method='HEAD'), timeout=timeout) as r:
            return None if r.status < 400 else f'HTTP {r.status}'
    except Exception as e:  # URLError, timeouts, refused connections, proxies: all mean "cannot download"
        return str(getattr(e, 'reason', e))


def recipe(reason: str, command: str, ds: Dataset = SAMPLE) -> str:
    d = data_dir()
    return f"""the data ({ds.label}, {ds.size}) is not on this machine and cannot be downloaded:
  {ds.url}: {reason}
Do one of these, then run the same command again:
  - connect this machine to the internet: the command then downloads the data itself;
  - copy {ds.archive} onto this machine (from the address above, on a machine that is online) and point at it:
        {ds.var}=/path/to/{ds.archive} {command}
  - or unpack it yourself where the course looks for it:
        mkdir -p "{d}" && tar -xzf /path/to/{ds.archive} -C "{d}\""""


def check_data(command: str, datasets=DATASETS) -> list[str]:
    """One line per dataset saying where it will come from; `PreflightError` if one cannot come from anywhere.
    Where each comes from is settled before anything is unpacked, so a dataset that cannot be had leaves nothing."""
    d, plan, missing = data_dir(), [], []
    for ds in datasets:
        if is_unpacked(d/ds.name, ds): plan.append((ds, None)); continue
        if (d/ds.name).exists():   # fastai would take it as there and the lessons would fail on what is missing
            lacks = next(f for f in ds.folders if not (d/ds.name/f).is_dir())
            raise PreflightError(f"{d/ds.name} is there but incomplete (it has no {lacks}/).\n"
                                 f"Remove it (rm -rf \"{d/ds.name}\") and run the same command again.")
        archive = archive_given(ds)
        if archive is not None: plan.append((ds, archive)); continue
        reason = reachable(ds.url)
        if reason is None: plan.append((ds, ds.url))
        else: missing.append((ds, reason))
    if missing:
        parts = [recipe(reason, command, ds) for ds, reason in missing]
        if len(missing) > 1:
            parts.append(f"{'Both' if len(missing) == 2 else 'All'} are needed: to use local copies, put the "
                         f"variables on one command line:\n        "
                         + ' '.join(f'{ds.var}=/path/to/{ds.archive}' for ds, _ in missing) + f' {command}')
        raise PreflightError('\n\n'.join(parts))
    archives = [(src, ds) for ds, src in plan if isinstance(src, Path)]
    into = dict(zip([ds for _, ds in archives], unpack_all(archives, d)))   # all of them, or none
    return [f"data: {d/ds.name}" if src is None else f"data: unpacked {src} into {into[ds]}" if ds in into
            else f"data: {src} answers; it is downloaded into {d} on first use" for ds, src in plan]


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
        for line in (*check_data(a.command), check_disk(Path(a.venv), command=a.command)):
            if line: print(f"  {line}")
    except PreflightError as e:
        print(f"digit_sgd: {e}\nNothing has been installed.", file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
