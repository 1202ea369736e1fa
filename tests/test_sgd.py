"Unit tests for digit_sgd.sgd: finite-difference gradients, the gradient checker, the quadratic and the SGD step."
import pytest, torch

from digit_sgd.sgd import GradCheckError, check_grad, numerical_grad, quadratic, sgd_step

f64 = dict(dtype=torch.float64)


def mse(preds, targets): return ((preds - targets)**2).mean()


def test_numerical_grad_matches_known_derivatives():
    x = torch.tensor([3., 4., 10.], **f64)
    assert torch.allclose(numerical_grad(lambda v: (v**2).sum(), x), 2*x, atol=1e-8)
    x = torch.linspace(-2, 2, 7, **f64)
    assert torch.allclose(numerical_grad(lambda v: v.sin().sum(), x), x.cos(), atol=1e-6)


def test_numerical_grad_any_shape_and_leaves_x_alone():
    x = torch.randn(2, 3, 4, **f64)
    before = x.clone()
    g = numerical_grad(lambda v: (v**3).sum(), x)
    assert g.shape == x.shape and torch.allclose(g, 3*x**2, atol=1e-5)
    assert torch.equal(x, before)
    assert torch.allclose(numerical_grad(lambda v: v**2, torch.tensor(3., **f64)), torch.tensor(6., **f64))  # 0-d
    xt = torch.randn(3, 2, **f64).t()                                                                # non-contiguous
    assert torch.allclose(numerical_grad(lambda v: (v*torch.arange(6.).view(2, 3)).sum(), xt), torch.arange(6., **f64).view(2, 3))


def test_numerical_grad_errors():
    with pytest.raises(ValueError, match=r'returned a tensor of shape \(3,\).*\.sum\(\)'):
        numerical_grad(lambda v: v**2, torch.ones(3, **f64))
    with pytest.raises(TypeError, match='floating-point tensor'): numerical_grad(lambda v: v.sum(), torch.tensor([1, 2]))
    with pytest.raises(TypeError, match='floating-point tensor'): numerical_grad(lambda v: v, 3.0)
    with pytest.raises(ValueError, match='eps must be positive'): numerical_grad(lambda v: v.sum(), torch.ones(2), eps=0)
    with pytest.raises(TypeError, match='must return a number'): numerical_grad(lambda v: 'x', torch.ones(2))


def test_check_grad_passes_and_returns_autograd_gradient():
    x = torch.randn(5, **f64)
    g = check_grad(lambda v: (v.sigmoid()*v.exp()).sum(), x)
    xr = x.clone().requires_grad_(); (xr.sigmoid()*xr.exp()).sum().backward()
    assert torch.equal(g, xr.grad)
    assert not x.requires_grad                                   # the caller's tensor is untouched


def test_check_grad_catches_a_detached_gradient():
    x = torch.tensor([1., 2., 3.], **f64)
    with pytest.raises(GradCheckError, match=r'worst at index \(2,\): autograd 3, numerical 6'):
        check_grad(lambda v: (v*v.detach()).sum(), x)
    assert issubclass(GradCheckError, AssertionError)


def test_check_grad_hints_at_float32():
    with pytest.raises(GradCheckError, match='retry with x.double'):
        check_grad(lambda v: (v*v.detach()).sum(), torch.tensor([1., 2., 3.]))


def test_check_grad_errors():
    x = torch.ones(3, **f64)
    with pytest.raises(ValueError, match='does not track gradients'): check_grad(lambda v: (v > 0).float().sum(), x)
    with pytest.raises(ValueError, match='single number'): check_grad(lambda v: v*2, x)
    with pytest.raises(TypeError, match='floating-point'): check_grad(lambda v: v.sum(), torch.ones(3, dtype=torch.long))


def test_check_grad_unused_input_counts_as_zero():
    w = torch.ones(2, **f64, requires_grad=True)
    assert torch.equal(check_grad(lambda v: (w**2).sum(), torch.ones(3, **f64)), torch.zeros(3, **f64))


def test_quadratic():
    t = torch.tensor([0., 1., 2., 3.])
    assert torch.equal(quadratic(t, torch.tensor([1., 2., 3.])), torch.tensor([3., 6., 11., 18.]))
    assert torch.equal(quadratic(t, torch.tensor([[1.], [2.], [3.]])), torch.tensor([3., 6., 11., 18.]))
    p = torch.tensor([0.5, -1., 2.], **f64)
    g = check_grad(lambda q: quadratic(t.double(), q).sum(), p)
    assert torch.allclose(g, torch.tensor([(t**2).sum(), t.sum(), 4.], **f64))
    with pytest.raises(ValueError, match=r'three numbers \(a, b, c\), got \(2,\)'): quadratic(t, torch.ones(2))
    with pytest.raises(ValueError, match='got list'): quadratic(t, [1., 2., 3.])


def _coaster():
    "The lesson's 20 noisy speed readings: (seconds, speed)."
    secs = torch.arange(20.)
    torch.manual_seed(42)
    noise = 3*torch.randn(20)
    return secs, noise + 0.75*(secs - 9.5)**2 + 1


def test_sgd_step_lowers_the_loss_and_matches_a_manual_step():
    secs, speed = _coaster()
    torch.manual_seed(0); p0 = torch.randn(3)
    p = p0.clone().requires_grad_()
    losses = [sgd_step(p, secs, speed, 1e-5, quadratic, mse) for _ in range(10)]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    q = p0.clone().requires_grad_()
    mse(quadratic(secs, q), speed).backward()
    p1 = p0.clone().requires_grad_(); sgd_step(p1, secs, speed, 1e-5, quadratic, mse)
    assert torch.allclose(p1.detach(), p0 - 1e-5*q.grad)
    assert isinstance(losses[0], float)


def test_sgd_step_clears_stale_gradients():
    secs, speed = _coaster()
    a = torch.tensor([0.1, 0.2, 0.3], requires_grad=True)
    b = a.detach().clone().requires_grad_()
    b.grad = torch.full((3,), 1e6)                          # junk left from elsewhere
    sgd_step(a, secs, speed, 1e-5, quadratic, mse); sgd_step(b, secs, speed, 1e-5, quadratic, mse)
    assert torch.equal(a.detach(), b.detach())


def test_sgd_step_with_a_list_of_parameters():
    x = torch.linspace(-1, 1, 50, **f64); y = 3*x - 2
    w, c = torch.zeros(1, **f64, requires_grad=True), torch.zeros(1, **f64, requires_grad=True)
    for _ in range(300): sgd_step([w, c], x, y, 0.3, lambda x, ps: ps[0]*x + ps[1], mse)
    assert abs(w.item() - 3) < 1e-3 and abs(c.item() + 2) < 1e-3


def test_sgd_step_errors():
    secs, speed = _coaster()
    with pytest.raises(ValueError, match='one without requires_grad'): sgd_step(torch.ones(3), secs, speed, 1e-5, quadratic, mse)
    with pytest.raises(ValueError, match='not a leaf'):
        sgd_step(torch.ones(3, requires_grad=True)*1, secs, speed, 1e-5, quadratic, mse)
    with pytest.raises(ValueError, match='list'): sgd_step([[1., 2., 3.]], secs, speed, 1e-5, quadratic, mse)
    p = torch.ones(3, requires_grad=True)
    for lr in (0, -1e-5, float('nan')):
        with pytest.raises(ValueError, match='positive number'): sgd_step(p, secs, speed, lr, quadratic, mse)
    assert torch.equal(p.detach(), torch.ones(3))            # nothing moved
