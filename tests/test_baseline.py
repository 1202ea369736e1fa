"Unit tests for digit_sgd.baseline: the two image distances, the nearest-ideal classifier and the accuracy helper."
import pytest, torch

from digit_sgd.baseline import binary_accuracy, is_3, mean_abs_distance, rmse_distance
from digit_sgd.data import load_mnist_sample

DISTANCES = [mean_abs_distance, rmse_distance]


@pytest.fixture(scope='module')
def data():
    return load_mnist_sample()


@pytest.fixture(scope='module')
def ideals(data):
    return data.train3.mean(0), data.train7.mean(0)


# --- happy path -------------------------------------------------------------------------------------------------

def test_distances_on_small_images():
    a, b = torch.zeros(2, 2), torch.tensor([[1., 0.], [0., 0.]])
    assert mean_abs_distance(a, b).item() == pytest.approx(0.25)
    assert rmse_distance(a, b).item() == pytest.approx(0.5)
    assert mean_abs_distance(b, b).item() == 0 and rmse_distance(b, b).item() == 0


def test_distances_are_symmetric_and_rmse_is_at_least_l1():
    torch.manual_seed(0)
    a, b = torch.rand(5, 28, 28), torch.rand(5, 28, 28)
    assert torch.allclose(mean_abs_distance(a, b), mean_abs_distance(b, a))
    assert torch.allclose(rmse_distance(a, b), rmse_distance(b, a))
    assert (rmse_distance(a, b) >= mean_abs_distance(a, b)).all()


@pytest.mark.parametrize('dist', DISTANCES)
def test_distance_shapes_batch_vs_image_and_batch_vs_batch(dist):
    batch, other, img = torch.rand(7, 28, 28), torch.rand(7, 28, 28), torch.rand(28, 28)
    assert dist(batch, img).shape == (7,)
    assert dist(img, batch).shape == (7,)
    assert dist(batch, other).shape == (7,)
    assert dist(img, img).shape == ()
    per_item = torch.stack([dist(x, y) for x, y in zip(batch, other)])
    assert torch.allclose(dist(batch, other), per_item)


def test_distances_match_torch_losses():
    torch.manual_seed(1)
    a, b = torch.rand(28, 28), torch.rand(28, 28)
    assert mean_abs_distance(a, b).item() == pytest.approx(torch.nn.functional.l1_loss(a, b).item(), abs=1e-6)
    assert rmse_distance(a, b).item() == pytest.approx(torch.nn.functional.mse_loss(a, b).sqrt().item(), abs=1e-6)


def test_seed_numbers_for_the_second_three(data, ideals):
    ideal3, ideal7 = ideals
    a3 = data.train3[1]
    assert mean_abs_distance(a3, ideal3).item() == pytest.approx(0.1114, abs=1e-4)
    assert rmse_distance(a3, ideal3).item() == pytest.approx(0.2021, abs=1e-4)
    assert mean_abs_distance(a3, ideal7).item() == pytest.approx(0.1586, abs=1e-4)
    assert rmse_distance(a3, ideal7).item() == pytest.approx(0.3021, abs=1e-4)


def test_is_3_on_ideals_and_custom_distance(ideals):
    ideal3, ideal7 = ideals
    assert is_3(ideal3, ideal3, ideal7).item() is True
    assert is_3(ideal7, ideal3, ideal7).item() is False
    both = torch.stack([ideal3, ideal7])
    assert is_3(both, ideal3, ideal7, distance=rmse_distance).tolist() == [True, False]
    assert is_3(both, ideal3, ideal7).dtype == torch.bool


def test_baseline_validation_accuracy(data, ideals):
    ideal3, ideal7 = ideals
    acc3 = binary_accuracy(is_3(data.valid3, ideal3, ideal7), True)
    acc7 = binary_accuracy(is_3(data.valid7, ideal3, ideal7), False)
    assert acc3 == pytest.approx(0.9168, abs=1e-4)
    assert acc7 == pytest.approx(0.9854, abs=1e-4)
    assert (acc3 + acc7) / 2 == pytest.approx(0.9511, abs=1e-4)


def test_binary_accuracy_values():
    preds = torch.tensor([True, False, True, True])
    assert binary_accuracy(preds, True) == 0.75
    assert binary_accuracy(preds, False) == 0.25
    assert binary_accuracy(preds, torch.tensor([True, True, False, False])) == 0.25
    assert binary_accuracy(preds, torch.tensor(True)) == 0.75
    assert binary_accuracy(torch.tensor(False), False) == 1.0
    assert isinstance(binary_accuracy(preds, True), float)


# --- bad input: every error, with its message -------------------------------------------------------------------

@pytest.mark.parametrize('dist', DISTANCES)
def test_flattened_batch_against_image(dist):
    with pytest.raises(ValueError) as e: dist(torch.rand(10, 784), torch.rand(28, 28))
    msg = str(e.value)
    assert '(10, 784)' in msg and '(28, 28)' in msg and 'view(-1, 28, 28)' in msg


@pytest.mark.parametrize('dist', DISTANCES)
def test_flattened_single_image(dist):
    with pytest.raises(ValueError) as e: dist(torch.rand(784), torch.rand(28, 28))
    assert '(784,)' in str(e.value) and '(height, width)' in str(e.value)


@pytest.mark.parametrize('dist', DISTANCES)
def test_batches_of_different_lengths(dist):
    with pytest.raises(ValueError) as e: dist(torch.rand(3, 28, 28), torch.rand(4, 28, 28))
    msg = str(e.value)
    assert 'Batch shapes differ' in msg and '(3, 28, 28)' in msg and '(4, 28, 28)' in msg


@pytest.mark.parametrize('dist', DISTANCES)
def test_batch_shapes_that_would_silently_broadcast(dist):
    # (3,1,28,28) - (4,28,28) would broadcast to (3,4,28,28) without complaint
    with pytest.raises(ValueError, match='Batch shapes differ'): dist(torch.rand(3, 1, 28, 28), torch.rand(4, 28, 28))


@pytest.mark.parametrize('dist', DISTANCES)
def test_image_sizes_differ(dist):
    with pytest.raises(ValueError) as e: dist(torch.rand(28, 28), torch.rand(14, 14))
    assert 'Image sizes differ' in str(e.value) and '(14, 14)' in str(e.value)


@pytest.mark.parametrize('dist', DISTANCES)
def test_integer_pixels_are_refused(dist):
    with pytest.raises(TypeError) as e: dist(torch.zeros(28, 28, dtype=torch.uint8), torch.rand(28, 28))
    assert 'torch.uint8' in str(e.value) and '.float()/255' in str(e.value)


@pytest.mark.parametrize('dist', DISTANCES)
def test_non_tensor_is_refused(dist):
    with pytest.raises(TypeError, match='got list'): dist(torch.rand(2, 2), [[0., 0.], [0., 0.]])


def test_is_3_refuses_a_stack_as_ideal():
    with pytest.raises(ValueError) as e: is_3(torch.rand(28, 28), torch.rand(5, 28, 28), torch.rand(28, 28))
    assert '`ideal3` has shape (5, 28, 28)' in str(e.value) and 'mean(0)' in str(e.value)
    with pytest.raises(ValueError, match='`ideal7` has shape'): is_3(torch.rand(28, 28), torch.rand(28, 28), torch.rand(1, 28, 28))


def test_is_3_refuses_flattened_images():
    with pytest.raises(ValueError, match='`x` looks like flattened images'):
        is_3(torch.rand(5, 784), torch.rand(28, 28), torch.rand(28, 28))


def test_is_3_refuses_non_tensor_ideal():
    with pytest.raises(TypeError, match='`ideal7` must be a torch.Tensor'):
        is_3(torch.rand(28, 28), torch.rand(28, 28), [[0.] * 28] * 28)


def test_binary_accuracy_refuses_scores():
    with pytest.raises(TypeError, match=r'preds > 0\.5'): binary_accuracy(torch.tensor([0.9, 0.1]), True)
    with pytest.raises(TypeError, match='got list'): binary_accuracy([True, False], True)


def test_binary_accuracy_refuses_non_bool_targets():
    with pytest.raises(TypeError, match='targets == 1'): binary_accuracy(torch.tensor([True]), torch.tensor([1]))
    with pytest.raises(TypeError, match='got int'): binary_accuracy(torch.tensor([True]), 1)


def test_binary_accuracy_refuses_mismatched_shapes():
    with pytest.raises(ValueError) as e: binary_accuracy(torch.tensor([True, False]), torch.tensor([True, False, True]))
    assert '`preds` has shape (2,)' in str(e.value) and '`targets` has shape (3,)' in str(e.value)


def test_binary_accuracy_refuses_empty_preds():
    with pytest.raises(ValueError, match='empty'): binary_accuracy(torch.zeros(0, dtype=torch.bool), True)
