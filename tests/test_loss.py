"Unit tests for digit_sgd.loss: data shaping, the linear model, sigmoid, the losses and every bad-shape error."
import pytest, torch

from digit_sgd.data import load_mnist_sample
from digit_sgd.loss import init_params, linear1, mnist_loss, mnist_loss_raw, mnist_xy, mse, sigmoid
from digit_sgd.sgd import check_grad

f64 = dict(dtype=torch.float64)


# ---- mnist_xy ---------------------------------------------------------------------------------------------------
def test_mnist_xy_on_the_real_data():
    d = load_mnist_sample()
    x, y = mnist_xy(d.train3, d.train7)
    assert x.shape == (12396, 784) and y.shape == (12396, 1)
    assert x.dtype == y.dtype == torch.float32
    assert y[:6131].eq(1).all() and y[6131:].eq(0).all()
    assert torch.equal(x[0], d.train3[0].view(-1)) and torch.equal(x[-1], d.train7[-1].view(-1))
    vx, vy = mnist_xy(d.valid3, d.valid7)
    assert vx.shape == (2038, 784) and vy.shape == (2038, 1) and vy.sum() == 1010


def test_mnist_xy_small_stacks_and_dtypes():
    x, y = mnist_xy(torch.zeros(2, 28, 28, **f64), torch.ones(3, 28, 28, **f64))
    assert x.dtype == y.dtype == torch.float64 and x.shape == (5, 784)
    assert y.view(-1).tolist() == [1., 1., 0., 0., 0.]
    x, _ = mnist_xy(torch.zeros(1, 28, 28, dtype=torch.uint8), torch.zeros(1, 28, 28, dtype=torch.uint8))
    assert x.is_floating_point()


@pytest.mark.parametrize('bad, msg', [(torch.zeros(4, 784), r'threes has shape \(4, 784\)'),
                                      (torch.zeros(28, 28), r'threes has shape \(28, 28\)'),
                                      (torch.zeros(4, 1, 28, 28), r'\(n, 28, 28\)'),
                                      (torch.zeros(4, 14, 56), r'\(n, 28, 28\)')])
def test_mnist_xy_rejects_bad_stacks(bad, msg):
    with pytest.raises(ValueError, match=msg): mnist_xy(bad, torch.zeros(2, 28, 28))


def test_mnist_xy_rejects_non_tensors():
    with pytest.raises(TypeError, match='sevens must be a torch.Tensor'): mnist_xy(torch.zeros(1, 28, 28), [[0.]*28]*28)
    with pytest.raises(ValueError, match='sevens has shape'): mnist_xy(torch.zeros(1, 28, 28), torch.zeros(3, 28))


# ---- init_params and linear1 ------------------------------------------------------------------------------------
def test_init_params_is_seeded_scaled_and_a_leaf():
    torch.manual_seed(1); a = init_params((784, 1))
    torch.manual_seed(1); b = torch.randn((784, 1))
    assert torch.equal(a.detach(), b) and a.is_leaf and a.requires_grad
    torch.manual_seed(1); c = init_params(784*1, std=0.5)
    assert torch.allclose(c.detach(), 0.5*b.view(-1))
    assert init_params(1).shape == (1,)
    d = init_params(3, device='cpu'); assert d.is_leaf and d.requires_grad


def test_linear1_matches_the_per_image_sum():
    torch.manual_seed(0)
    xb, w, b = torch.randn(5, 784), init_params((784, 1)), init_params(1)
    out = linear1(xb, w, b)
    assert out.shape == (5, 1)
    assert torch.allclose(out[2], (xb[2]*w.view(-1)).sum() + b, atol=1e-4)


@pytest.mark.parametrize('xb, w', [(torch.zeros(5, 28, 28), torch.zeros(784, 1)),
                                   (torch.zeros(5, 784), torch.zeros(28, 28)),
                                   (torch.zeros(5, 784), torch.zeros(10, 1)),
                                   (torch.zeros(5, 784), torch.tensor(1.))])
def test_linear1_rejects_mismatched_shapes(xb, w):
    with pytest.raises(ValueError, match="xb's last dimension must equal weights' first"): linear1(xb, w, torch.zeros(1))


def test_linear1_rejects_non_tensors():
    with pytest.raises(TypeError, match='xb must be a torch.Tensor, got list'): linear1([[0.]*784], torch.zeros(784, 1), torch.zeros(1))
    with pytest.raises(TypeError, match='bias must be a torch.Tensor, got float'): linear1(torch.zeros(2, 784), torch.zeros(784, 1), 0.)


# ---- sigmoid ----------------------------------------------------------------------------------------------------
def test_sigmoid_range_symmetry_and_agreement():
    x = torch.linspace(-15, 15, 301, **f64)
    s = sigmoid(x)
    assert ((s > 0) & (s < 1)).all() and (s.diff() > 0).all()
    assert torch.allclose(sigmoid(-x), 1 - s, atol=1e-12)
    assert sigmoid(torch.tensor(0.)).item() == 0.5
    assert torch.allclose(s, torch.sigmoid(x), atol=1e-12)
    assert sigmoid(torch.tensor(-1000.)).item() == 0.0 and sigmoid(torch.tensor(1000.)).item() == 1.0


def test_sigmoid_gradient_against_finite_differences():
    x = torch.linspace(-5, 5, 11, **f64)
    g = check_grad(lambda v: sigmoid(v).sum(), x)
    assert torch.allclose(g, torch.sigmoid(x)*(1 - torch.sigmoid(x)), atol=1e-12)


# ---- the losses -------------------------------------------------------------------------------------------------
def test_mnist_loss_raw_numbers_from_the_lesson():
    t = torch.tensor([1., 0., 1.])
    assert abs(mnist_loss_raw(torch.tensor([0.9, 0.4, 0.2]), t).item() - 0.4333) < 1e-4
    assert abs(mnist_loss_raw(torch.tensor([0.9, 0.4, 0.8]), t).item() - 0.2333) < 1e-4


def test_mnist_loss_in_unit_interval_and_falls_as_predictions_improve():
    torch.manual_seed(0)
    t = (torch.rand(200, 1) > 0.5).float()
    direction = 2*t - 1                                   # +1 for a 3, -1 for a 7: where the scores should go
    base = torch.randn(200, 1)*3
    losses = [mnist_loss(base + k*direction, t).item() for k in range(0, 30, 3)]
    assert all(0 < l < 1 for l in losses)
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert mnist_loss(100*direction, t).item() < 1e-6 and mnist_loss(-100*direction, t).item() > 1 - 1e-6


def test_mnist_loss_is_raw_loss_after_sigmoid_and_handles_huge_scores():
    p, t = torch.randn(10, 1), (torch.rand(10, 1) > 0.5).float()
    assert torch.allclose(mnist_loss(p, t), mnist_loss_raw(torch.sigmoid(p), t))
    big = torch.tensor([[-200.], [200.]], requires_grad=True)
    mnist_loss(big, torch.tensor([[1.], [0.]])).backward()
    assert torch.isfinite(big.grad).all()


def test_loss_gradients_against_finite_differences():
    torch.manual_seed(0)
    p, t = torch.randn(6, 1, **f64), torch.tensor([[1.], [0.], [1.], [1.], [0.], [0.]], **f64)
    check_grad(lambda q: mnist_loss(q, t), p)
    check_grad(lambda q: mnist_loss_raw(q, t), torch.rand(6, 1, **f64))
    check_grad(lambda q: mse(q, t), p)
    xb, w, b = torch.rand(8, 784, **f64), torch.randn(784, 1, **f64), torch.randn(1, **f64)
    yb = (torch.rand(8, 1) > 0.5).to(torch.float64)
    check_grad(lambda v: mnist_loss(linear1(xb, v, b), yb), w)
    check_grad(lambda v: mnist_loss(linear1(xb, w, v), yb), b)


def test_mse():
    assert mse(torch.tensor([1., 2., 3.]), torch.tensor([1., 4., 0.])).item() == pytest.approx(13/3)
    assert mse(torch.zeros(4, 1), torch.zeros(4, 1)).item() == 0


LOSSES = [mnist_loss, mnist_loss_raw, mse]


@pytest.mark.parametrize('loss', LOSSES, ids=lambda f: f.__name__)
def test_losses_refuse_shapes_that_would_broadcast(loss):
    p, t = torch.full((5,), 0.5), torch.ones(5, 1)
    with pytest.raises(ValueError, match=r'predictions have shape \(5,\) but targets have shape \(5, 1\)') as e:
        loss(p, t)
    msg = str(e.value)
    assert msg.startswith(loss.__name__ + ':') and '(N, N)' in msg and 'predictions.view((5, 1))' in msg
    with pytest.raises(ValueError, match=r'targets.view\(\(5, 1\)\)'): loss(t, p)       # the other way round


@pytest.mark.parametrize('loss', LOSSES, ids=lambda f: f.__name__)
def test_losses_refuse_different_sizes_and_non_tensors(loss):
    with pytest.raises(ValueError, match=r'different numbers of values \(5 vs 4\)'): loss(torch.zeros(5, 1), torch.zeros(4, 1))
    with pytest.raises(TypeError, match='predictions must be a torch.Tensor'): loss([0.5], torch.zeros(1))
    with pytest.raises(TypeError, match='targets must be a torch.Tensor'): loss(torch.zeros(1), [0.])


@pytest.mark.parametrize('loss', [mnist_loss, mnist_loss_raw], ids=lambda f: f.__name__)
def test_mnist_losses_refuse_labels_that_are_not_0_or_1(loss):
    with pytest.raises(ValueError, match=r'targets must be 0. or 1.*\[3.0, 7.0\]'):
        loss(torch.zeros(2, 1), torch.tensor([[3.], [7.]]))
