"Unit tests for digit_sgd.data: the real dataset, the cache, and each failure mode's message."
import shutil, socket, warnings
from pathlib import Path

import numpy as np, pytest, torch
from PIL import Image

from digit_sgd import data
from digit_sgd.data import (CACHE_NAME, EXPECTED_COUNTS, MnistDataError, image_files, load_mnist_sample,
                            mnist_sample_path)


@pytest.fixture(scope='module')
def real_path():
    return mnist_sample_path()


@pytest.fixture
def small(real_path, tmp_path):
    "A copy of the dataset with 4 images per folder."
    files = image_files(real_path)
    for key, fs in files.items():
        (tmp_path/key).mkdir(parents=True)
        for f in fs[:4]: shutil.copy2(f, tmp_path/key/f.name)
    return tmp_path, {k: 4 for k in files}


def test_real_dataset_counts_and_range(real_path):
    d = load_mnist_sample(real_path)
    assert [len(t) for t in d] == [6131, 6265, 1010, 1028]
    assert all(t.shape[1:] == (28, 28) and t.dtype == torch.float32 for t in d)
    assert 0 <= float(d.train3.min()) and float(d.train3.max()) <= 1
    assert (real_path/CACHE_NAME).exists()


def test_files_are_in_name_order(real_path):
    fs = image_files(real_path)['valid/7']
    assert [f.name for f in fs] == sorted(f.name for f in fs)


def test_cache_matches_a_fresh_decode(small):
    path, counts = small
    cached = load_mnist_sample(path, expected=counts)
    fresh = load_mnist_sample(path, expected=counts, cache=False)
    for a, b in zip(cached, fresh): assert torch.equal(a, b)
    first = sorted((path/'train'/'3').glob('*.png'))[0]
    assert torch.equal(cached.train3[0], torch.tensor(np.array(Image.open(first)), dtype=torch.float32)/255)


def test_offline_without_data_says_how_to_seed(tmp_path, monkeypatch):
    def no_network(*a, **k): raise OSError('network disabled in this test')
    monkeypatch.setattr(socket.socket, 'connect', no_network)
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(MnistDataError) as e: mnist_sample_path()
    msg = str(e.value)
    assert 'export FASTAI_HOME' in msg and 'tar -xzf mnist_sample.tgz' in msg and str(tmp_path) in msg


def test_wrong_count_names_the_folder(small):
    path, counts = small
    with pytest.raises(MnistDataError, match=r'train/3 holds 4 PNG files but MNIST_SAMPLE has 6131'):
        load_mnist_sample(path)
    (path/'valid'/'7'/'extra.png').write_bytes((path/'valid'/'7').glob('*.png').__next__().read_bytes())
    with pytest.raises(MnistDataError, match=r'valid/7 holds 5'):
        image_files(path, counts)


def test_missing_folder_is_named(small):
    path, counts = small
    shutil.rmtree(path/'valid'/'3')
    with pytest.raises(MnistDataError, match='valid/3 is missing'): load_mnist_sample(path, expected=counts)


def test_unreadable_or_wrong_size_file_is_named(small):
    path, counts = small
    bad = sorted((path/'train'/'7').glob('*.png'))[2]
    bad.write_bytes(b'this is not a PNG')
    with pytest.raises(MnistDataError, match=bad.name): load_mnist_sample(path, expected=counts)
    Image.fromarray(np.zeros((32, 32), dtype=np.uint8)).save(bad)
    with pytest.raises(MnistDataError, match='28×28'): load_mnist_sample(path, expected=counts)


def test_stale_cache_is_rebuilt_never_used(small):
    path, counts = small
    before = load_mnist_sample(path, expected=counts)
    f = sorted((path/'train'/'3').glob('*.png'))[0]
    Image.fromarray(np.full((28, 28), 255, dtype=np.uint8)).save(f)
    with pytest.warns(UserWarning, match='does not match'):
        after = load_mnist_sample(path, expected=counts)
    assert float(after.train3[0].min()) == 1.0 and not torch.equal(before.train3[0], after.train3[0])
    # the rebuilt cache is now current: no warning the next time
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        load_mnist_sample(path, expected=counts)


def test_corrupt_cache_is_rebuilt(small):
    path, counts = small
    load_mnist_sample(path, expected=counts)
    (path/CACHE_NAME).write_bytes(b'garbage')
    with pytest.warns(UserWarning, match='Could not read the cache'):
        d = load_mnist_sample(path, expected=counts)
    assert len(d.train3) == 4


def test_expected_counts_match_the_published_split():
    assert EXPECTED_COUNTS == {'train/3': 6131, 'train/7': 6265, 'valid/3': 1010, 'valid/7': 1028}
