"Unit tests for digit_sgd.minibatch: gradients, the epoch loop, metrics, BasicOptim, train_model, MiniLearner and the fast path."
import copy, math
import pytest, torch
from torch import nn

from digit_sgd.loss import mnist_loss, mse, linear1
from digit_sgd.minibatch import (calc_grad, train_epoch, batch_accuracy, validate_epoch, BasicOptim, train_model, MiniLearner,
                             TensorLoader, dataloader_orders, median_time, bare_epoch)
from fastai.data.load import DataLoader
from fastai.torch_core import default_device, set_seed


def separable(n=300, d=20, seed=0):
    "A small two-class problem a linear model can learn: targets 1./0. from the sign of a random projection."
    w = torch.randn(d, 1, generator=torch.Generator().manual_seed(1234))     # the same rule for every sample
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed))
    y = (x @ w > 0).float()
    return x, y


def pairs_loader(x, y, bs, shuffle, seed=42):
    set_seed(seed, reproducible=True)
    return DataLoader(list(zip(x, y)), bs=bs, shuffle=shuffle)


# ---- calc_grad ---------------------------------------------------------------------------------------------------
def test_calc_grad_returns_loss_and_accumulates():
    x, y = separable(8)
    w = torch.zeros(20, 1, requires_grad=True); b = torch.zeros(1, requires_grad=True)
    model = lambda xb: linear1(xb, w, b)
    loss = calc_grad(x, y, model, mnist_loss)
    assert loss.item() == pytest.approx(0.5)          # sigmoid(0) = 0.5 for every item
    g1 = w.grad.clone()
    assert g1.abs().sum() > 0
    calc_grad(x, y, model, mnist_loss)
    torch.testing.assert_close(w.grad, 2*g1)


# ---- train_epoch -------------------------------------------------------------------------------------------------
def test_train_epoch_lowers_the_loss_and_steps_by_hand():
    x, y = separable()
    torch.manual_seed(0)
    model = nn.Linear(20, 1)
    before = mnist_loss(model(x), y).item()
    mean_loss = train_epoch(model, pairs_loader(x, y, 32, True), mnist_loss, model.parameters(), lr=1.)
    assert 0 < mean_loss < 1
    assert mnist_loss(model(x), y).item() < before
    assert all(p.grad.abs().sum() == 0 for p in model.parameters())   # gradients reset after each step


def test_train_epoch_one_batch_is_exactly_minus_lr_grad():
    x, y = separable(16)
    torch.manual_seed(0)
    model = nn.Linear(20, 1)
    ref = copy.deepcopy(model)
    mnist_loss(ref(x), y).backward()
    expected = [(p - 0.5*p.grad).detach() for p in ref.parameters()]
    train_epoch(model, [(x, y)], mnist_loss, model.parameters(), lr=0.5)
    for p, e in zip(model.parameters(), expected): assert torch.equal(p.detach(), e)


def test_train_epoch_stops_on_a_diverging_learning_rate():
    torch.manual_seed(0)
    x = torch.randn(64, 1); y = 3*x + 1
    model = nn.Linear(1, 1)
    dl = [(x[i:i+8], y[i:i+8]) for i in range(0, 64, 8)]
    with pytest.raises(FloatingPointError, match=r'at batch \d+ with lr=10: .*smaller learning rate, e\.g\. lr=1\b'):
        for _ in range(50): train_epoch(model, dl, mse, model.parameters(), lr=10.)


@pytest.mark.parametrize('lr', [0, -0.1, float('nan'), float('inf'), True, '0.1', None])
def test_train_epoch_rejects_bad_learning_rates(lr):
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match='lr must be a positive, finite number'):
        train_epoch(model, [(torch.zeros(1, 2), torch.zeros(1, 1))], mnist_loss, model.parameters(), lr=lr)


def test_train_epoch_rejects_an_empty_loader():
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match='gave no batches'): train_epoch(model, [], mnist_loss, model.parameters(), lr=0.1)


# ---- batch_accuracy and validate_epoch ---------------------------------------------------------------------------
def test_batch_accuracy_thresholds_at_zero_score():
    preds = torch.tensor([[3.], [0.2], [-0.2], [-5.], [0.1]])
    y = torch.tensor([[1.], [0.], [0.], [0.], [1.]])
    assert batch_accuracy(preds, y).item() == pytest.approx(0.8)
    assert batch_accuracy(preds, (preds > 0).float()).item() == 1.


def test_batch_accuracy_refuses_mismatched_shapes_and_non_tensors():
    with pytest.raises(ValueError, match=r'predictions have shape \(5,\) but targets have shape \(5, 1\)'):
        batch_accuracy(torch.zeros(5), torch.zeros(5, 1))
    with pytest.raises(TypeError, match='predictions must be a torch.Tensor'): batch_accuracy([0.], torch.zeros(1))


def test_validate_epoch_weights_batches_by_their_size():
    ident = lambda xb: xb
    big = (torch.full((3, 1), 2.), torch.ones(3, 1))        # 3 right
    small = (torch.full((1, 1), 2.), torch.zeros(1, 1))     # 1 wrong
    assert validate_epoch(ident, [big, small]) == pytest.approx(0.75)   # a plain mean of batch means would say 0.5


def test_validate_epoch_refuses_nan_predictions_and_empty_loaders():
    nan_model = lambda xb: xb*float('nan')
    with pytest.raises(FloatingPointError, match='contain nan or inf'): validate_epoch(nan_model, [(torch.ones(2, 1), torch.ones(2, 1))])
    with pytest.raises(ValueError, match='gave no batches'): validate_epoch(lambda xb: xb, [])


def test_validate_epoch_takes_any_metric():
    x, y = separable(40)
    dl = [(x[:25], y[:25]), (x[25:], y[25:])]
    model = nn.Linear(20, 1)
    with torch.no_grad(): expected = mnist_loss(model(x), y).item()
    assert validate_epoch(model, dl, mnist_loss) == pytest.approx(expected, rel=1e-5)


# ---- BasicOptim --------------------------------------------------------------------------------------------------
def test_basic_optim_moves_a_parameter_by_exactly_lr_times_grad():
    p = torch.tensor([3.], requires_grad=True)
    opt = BasicOptim([p], lr=0.25)
    (2*p).sum().backward()
    opt.step()
    assert p.item() == 2.5 and p.grad.item() == 2.
    opt.zero_grad()
    assert p.grad.item() == 0.
    opt.step()
    assert p.item() == 2.5


def test_basic_optim_skips_parameters_without_gradients():
    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    opt = BasicOptim([a, b], lr=1.)
    a.sum().backward()
    opt.step(); opt.zero_grad()
    assert torch.equal(a.detach(), torch.zeros(2)) and torch.equal(b.detach(), torch.ones(2)) and b.grad is None


@pytest.mark.parametrize('params, lr, exc, msg', [
    ([], 0.1, ValueError, 'got no parameters'),
    ([torch.zeros(2)], 0.1, ValueError, 'requires_grad=False'),
    ([[1., 2.]], 0.1, TypeError, 'parameter 0 is a list'),
    ([torch.zeros(2, requires_grad=True)], 0., ValueError, 'lr must be a positive'),
    ([torch.zeros(2, requires_grad=True)], float('nan'), ValueError, 'lr must be a positive'),
])
def test_basic_optim_rejects_bad_arguments(params, lr, exc, msg):
    with pytest.raises(exc, match=msg): BasicOptim(params, lr)


# ---- train_model -------------------------------------------------------------------------------------------------
def test_train_model_with_basic_optim_equals_the_hand_written_step():
    x, y = separable()
    vx, vy = separable(100, seed=1)
    torch.manual_seed(0)
    m1 = nn.Linear(20, 1); m2 = copy.deepcopy(m1)
    valid = TensorLoader(vx, vy, bs=50, device='cpu')
    hist = train_model(m1, pairs_loader(x, y, 32, True), valid, mnist_loss, BasicOptim(m1.parameters(), 1.), epochs=4, show=False)
    dl = pairs_loader(x, y, 32, True)
    by_hand = [(train_epoch(m2, dl, mnist_loss, m2.parameters(), 1.), validate_epoch(m2, valid)) for _ in range(4)]
    assert hist == by_hand
    assert torch.equal(m1.weight, m2.weight) and torch.equal(m1.bias, m2.bias)
    assert hist[-1][1] > 0.9


@pytest.mark.parametrize('opt_name', ['basic', 'torch', 'fastai'])
def test_train_model_reports_the_epoch_and_lr_when_it_diverges(opt_name):
    from fastai.optimizer import SGD
    torch.manual_seed(0)
    x = torch.randn(64, 1); y = 3*x + 1
    model = nn.Linear(1, 1)
    dl = TensorLoader(x, y, bs=8, device='cpu')
    opt = dict(basic=BasicOptim, torch=torch.optim.SGD, fastai=SGD)[opt_name](model.parameters(), 10.)
    with pytest.raises(FloatingPointError, match=r'at epoch \d+, batch \d+ with lr=10: .*e\.g\. lr=1\.'):
        train_model(model, dl, dl, mse, opt, epochs=50, metric=mse, show=False)


def test_train_model_divergence_message_without_a_known_lr():
    class Opaque:
        def __init__(self, params): self.inner = BasicOptim(params, 10.)
        def step(self): self.inner.step()
        def zero_grad(self): self.inner.zero_grad()
    torch.manual_seed(0)
    x = torch.randn(64, 1); y = 3*x + 1
    model = nn.Linear(1, 1)
    dl = TensorLoader(x, y, bs=8, device='cpu')
    with pytest.raises(FloatingPointError, match=r'at epoch \d+, batch \d+: .*a tenth of this one'):
        train_model(model, dl, dl, mse, Opaque(model.parameters()), epochs=50, metric=mse, show=False)


@pytest.mark.parametrize('epochs', [0, -1, 2.5, True])
def test_train_model_rejects_bad_epochs(epochs):
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match='epochs must be a whole number'):
        train_model(model, [], [], mnist_loss, BasicOptim(model.parameters(), 0.1), epochs=epochs)


# ---- MiniLearner -------------------------------------------------------------------------------------------------
def make_learner(seed=0, opt_func=BasicOptim):
    x, y = separable()
    vx, vy = separable(100, seed=1)
    torch.manual_seed(seed)
    model = nn.Linear(20, 1)
    train = TensorLoader(x, y, bs=32, shuffle=True, seed=seed)
    return MiniLearner(train, TensorLoader(vx, vy, bs=64), model, mnist_loss, opt_func)


def test_mini_learner_fits_and_records_history():
    learn = make_learner()
    learn.fit(3, lr=1., show_progress=False)
    h = learn.history
    assert list(h.columns) == ['train_loss', 'valid_loss', 'batch_accuracy', 'seconds'] and list(h.index) == [0, 1, 2]
    assert h['batch_accuracy'].iloc[-1] > 0.9 and h['train_loss'].iloc[-1] < h['train_loss'].iloc[0]
    learn.fit(2, lr=0.5, show_progress=False)            # a second fit continues, with the new lr
    assert list(learn.history.index) == [0, 1, 2, 3, 4] and learn.opt.lr == 0.5
    assert learn.model.weight.device.type == default_device().type


def test_mini_learner_shows_a_progress_table(capsys):
    make_learner().fit(1, lr=1.)
    out = capsys.readouterr().out
    assert 'train_loss' in out and 'batch_accuracy' in out


def test_mini_learner_one_batch_and_validate():
    learn = make_learner()
    learn.opt = BasicOptim(learn.model.parameters(), 0.5); learn.lr = 0.5
    xb, yb = next(iter(learn.train_dl))
    ref = copy.deepcopy(learn.model)
    loss = mnist_loss(ref(xb), yb); loss.backward()
    assert learn.one_batch(xb, yb) == pytest.approx(loss.item())
    torch.testing.assert_close(learn.model.weight, ref.weight - 0.5*ref.weight.grad)
    valid_loss, acc = learn.validate()
    assert 0 < valid_loss < 1 and 0 <= acc <= 1


def test_mini_learner_equals_train_model():
    a, b = make_learner(), make_learner()
    a.fit(3, lr=1., show_progress=False)
    hist = train_model(b.model, b.train_dl, b.valid_dl, mnist_loss, BasicOptim(b.model.parameters(), 1.), 3, show=False)
    assert [round(v, 12) for v in a.history['batch_accuracy']] == [round(acc, 12) for _, acc in hist]
    assert torch.equal(a.model.weight, b.model.weight)


@pytest.mark.parametrize('opt_name', ['torch', 'fastai'])
def test_mini_learner_takes_other_optimizers(opt_name):
    from fastai.optimizer import SGD
    opt_func = torch.optim.SGD if opt_name == 'torch' else SGD
    ours, theirs = make_learner(), make_learner(opt_func=opt_func)
    ours.fit(2, lr=1., show_progress=False); theirs.fit(2, lr=1., show_progress=False)
    torch.testing.assert_close(theirs.model.weight, ours.model.weight, atol=1e-5, rtol=1e-5)
    theirs.fit(1, lr=0.3, show_progress=False)          # changing lr on an existing optimizer


def test_mini_learner_matches_fastai_learner():
    from fastai.learner import Learner
    from fastai.optimizer import SGD
    from fastai.data.core import DataLoaders
    x, y = separable()
    vx, vy = separable(100, seed=1)
    torch.manual_seed(0)
    m_fastai = nn.Linear(20, 1); m_ours = copy.deepcopy(m_fastai)
    dev = default_device()
    dls = DataLoaders(pairs_loader(x.to(dev), y.to(dev), 32, True), DataLoader(list(zip(vx, vy)), bs=64, device=dev))
    learn = Learner(dls, m_fastai, opt_func=SGD, loss_func=mnist_loss, metrics=batch_accuracy)
    with learn.no_logging(): learn.fit(3, lr=1.)
    ours = MiniLearner(pairs_loader(x.to(dev), y.to(dev), 32, True), DataLoader(list(zip(vx, vy)), bs=64, device=dev), m_ours, mnist_loss)
    ours.fit(3, lr=1., show_progress=False)
    fa = torch.tensor([v[1:] for v in learn.recorder.values])
    torch.testing.assert_close(torch.tensor(ours.history[['valid_loss', 'batch_accuracy']].values, dtype=fa.dtype), fa, atol=1e-4, rtol=0)
    torch.testing.assert_close(m_ours.weight.detach(), m_fastai.weight.detach(), atol=1e-4, rtol=0)


def test_mini_learner_stops_with_epoch_and_batch_on_divergence():
    torch.manual_seed(0)
    x = torch.randn(64, 1); y = 3*x + 1
    dl = TensorLoader(x, y, bs=8)
    learn = MiniLearner(dl, dl, nn.Linear(1, 1), mse, metric=mse)
    with pytest.raises(FloatingPointError, match=r'at epoch (\d+), batch \d+ with lr=10: .*smaller learning rate, e\.g\. lr=1\b') as e:
        learn.fit(50, lr=10., show_progress=False)
    assert f'epoch {learn.epoch},' in str(e.value) and len(learn.history) == learn.epoch


def test_mini_learner_rejects_bad_arguments():
    with pytest.raises(TypeError, match='needs an nn.Module'): MiniLearner([], [], lambda xb: xb, mse)
    learn = make_learner()
    with pytest.raises(ValueError, match='epochs must be a whole number'): learn.fit(0, lr=0.1)
    with pytest.raises(ValueError, match='lr must be a positive'): learn.fit(1, lr=-1)
    empty = MiniLearner([], [], nn.Linear(2, 1), mse)
    with pytest.raises(ValueError, match='training DataLoader gave no batches'): empty.fit(1, lr=0.1, show_progress=False)


# ---- TensorLoader and dataloader_orders --------------------------------------------------------------------------
def test_tensor_loader_batches_cover_every_item_once_per_epoch():
    x = torch.arange(10.).view(10, 1); y = 2*x
    tl = TensorLoader(x, y, bs=4, shuffle=True, seed=0)
    assert len(tl) == 3
    e1, e2 = list(tl), list(tl)
    assert [len(xb) for xb, _ in e1] == [4, 4, 2]
    for epoch in (e1, e2):
        assert sorted(torch.cat([xb for xb, _ in epoch]).view(-1).tolist()) == list(range(10))
        for xb, yb in epoch: assert torch.equal(yb, 2*xb)
    assert not torch.equal(torch.cat([xb for xb, _ in e1]), torch.cat([xb for xb, _ in e2]))
    assert e1[0][0].device.type == default_device().type


def test_tensor_loader_is_reproducible_and_follows_the_global_seed():
    x, y = separable(50)
    a = [xb for xb, _ in TensorLoader(x, y, bs=8, shuffle=True, seed=3)]
    b = [xb for xb, _ in TensorLoader(x, y, bs=8, shuffle=True, seed=3)]
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    torch.manual_seed(7); c = torch.cat([xb for xb, _ in TensorLoader(x, y, bs=8, shuffle=True)])
    torch.manual_seed(7); d = torch.cat([xb for xb, _ in TensorLoader(x, y, bs=8, shuffle=True)])
    assert torch.equal(c, d)


def test_tensor_loader_without_shuffle_and_drop_last():
    x = torch.arange(10.).view(10, 1)
    tl = TensorLoader(x, x, bs=4, device='cpu')
    assert [xb.view(-1).tolist() for xb, _ in tl] == [[0., 1., 2., 3.], [4., 5., 6., 7.], [8., 9.]]
    assert len(TensorLoader(x, x, bs=4, drop_last=True)) == 2
    assert [len(xb) for xb, _ in TensorLoader(x, x, bs=4, drop_last=True, shuffle=True, seed=0)] == [4, 4]


def test_tensor_loader_replays_given_orders():
    x = torch.arange(6.).view(6, 1)
    orders = [torch.tensor([5, 4, 3, 2, 1, 0]), [1, 0, 3, 2, 5, 4]]
    tl = TensorLoader(x, x, bs=4, orders=orders)
    assert torch.cat([xb for xb, _ in tl]).view(-1).tolist() == [5., 4., 3., 2., 1., 0.]
    assert torch.cat([xb for xb, _ in tl]).view(-1).tolist() == [1., 0., 3., 2., 5., 4.]
    with pytest.raises(ValueError, match='orders ran out after 2 epochs'): list(tl)


@pytest.mark.parametrize('kwargs, exc, msg', [
    (dict(x=torch.zeros(5, 2), y=torch.zeros(4, 1)), ValueError, 'same number of rows'),
    (dict(x=[[0.]], y=torch.zeros(1, 1)), TypeError, 'needs tensors x and y'),
    (dict(x=torch.zeros(5, 2), y=torch.zeros(5, 1), bs=0), ValueError, 'bs must be a whole number'),
    (dict(x=torch.zeros(5, 2), y=torch.zeros(5, 1), bs=2.0), ValueError, 'bs must be a whole number'),
    (dict(x=torch.zeros(5, 2), y=torch.zeros(5, 1), shuffle=True, orders=[range(5)]), ValueError, 'not both'),
])
def test_tensor_loader_rejects_bad_arguments(kwargs, exc, msg):
    with pytest.raises(exc, match=msg): TensorLoader(**kwargs)


@pytest.mark.parametrize('order', [[0, 1, 2], [0, 1, 2, 3, 3], [0, 1, 2, 3, 5]])
def test_tensor_loader_rejects_orders_that_are_not_permutations(order):
    tl = TensorLoader(torch.zeros(5, 1), torch.zeros(5, 1), orders=[order])
    with pytest.raises(ValueError, match=r'not a permutation of range\(5\)'): list(tl)


def test_dataloader_orders_predicts_the_shuffles_without_disturbing_the_loader():
    x, y = separable(100)
    dl = pairs_loader(x, y, 16, True)
    orders = dataloader_orders(dl, epochs=3)
    assert len(orders) == 3 and all(sorted(o.tolist()) == list(range(100)) for o in orders)
    for o in orders: assert torch.equal(torch.cat([xb for xb, _ in dl]), x[o])
    assert not torch.equal(orders[0], orders[1])
    unshuffled = dataloader_orders(DataLoader(list(zip(x, y)), bs=16), epochs=1)[0]
    assert unshuffled.tolist() == list(range(100))
    with pytest.raises(TypeError, match='reads fastai DataLoaders'): dataloader_orders(TensorLoader(x, y))
    with pytest.raises(ValueError, match='epochs must be'): dataloader_orders(dl, epochs=0)


def test_fast_path_gives_the_same_trajectory_as_the_lesson_path():
    "MiniLearner on a list-of-pairs DataLoader and on a TensorLoader replaying its orders: identical numbers."
    x, y = separable(500)
    vx, vy = separable(120, seed=1)
    dev = default_device()
    torch.manual_seed(0)
    slow_model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1)); fast_model = copy.deepcopy(slow_model)
    dl = pairs_loader(x.to(dev), y.to(dev), 64, True)
    fast_train = TensorLoader(x, y, bs=64, orders=dataloader_orders(dl, epochs=4))
    slow = MiniLearner(dl, DataLoader(list(zip(vx, vy)), bs=64, device=dev), slow_model, mnist_loss)
    fast = MiniLearner(fast_train, TensorLoader(vx, vy, bs=64), fast_model, mnist_loss)
    slow.fit(4, lr=0.5, show_progress=False); fast.fit(4, lr=0.5, show_progress=False)
    cols = ['train_loss', 'valid_loss', 'batch_accuracy']
    assert slow.history[cols].equals(fast.history[cols])
    for p, q in zip(slow_model.parameters(), fast_model.parameters()): assert torch.equal(p, q)


# ---- timing helpers ----------------------------------------------------------------------------------------------
def test_median_time_and_bare_epoch():
    calls = []
    t = median_time(lambda: calls.append(1), repeats=3, warmup=2)
    assert len(calls) == 5 and 0 <= t < 1
    with pytest.raises(ValueError, match='repeats must be'): median_time(lambda: None, repeats=0)
    with pytest.raises(ValueError, match='threads must be'): median_time(lambda: None, threads=0)
    before, seen = torch.get_num_threads(), []
    median_time(lambda: seen.append(torch.get_num_threads()), repeats=2, threads=1)
    assert seen == [1, 1, 1] and torch.get_num_threads() == before      # restored afterwards
    x, y = separable(64)
    model = nn.Linear(20, 1)
    bare_epoch(model, mnist_loss, list(TensorLoader(x, y, bs=16, device='cpu')))
    assert model.weight.grad is not None and model.weight.grad.abs().sum() > 0
