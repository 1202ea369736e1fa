"Unit tests for digit_sgd.neural_net: the simple_net factory, and what its ReLU buys over a linear model."
import pytest, torch
from torch import nn

from digit_sgd.loss import mnist_loss
from digit_sgd.neural_net import simple_net
from digit_sgd.minibatch import MiniLearner, TensorLoader


def test_simple_net_default_shape_and_parameters():
    net = simple_net()
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]
    assert (net[0].in_features, net[0].out_features, net[2].in_features, net[2].out_features) == (784, 30, 30, 1)
    assert sum(p.numel() for p in net.parameters()) == 784*30 + 30 + 30 + 1 == 23581
    assert net(torch.zeros(7, 784)).shape == (7, 1)


def test_simple_net_custom_sizes():
    net = simple_net(10, 4, 3)
    assert net(torch.randn(5, 10)).shape == (5, 3)
    assert sum(p.numel() for p in net.parameters()) == 10*4 + 4 + 4*3 + 3


@pytest.mark.parametrize('kwargs, name', [(dict(n_in=0), 'n_in'), (dict(n_hidden=-3), 'n_hidden'), (dict(n_out=1.0), 'n_out'),
                                          (dict(n_hidden=True), 'n_hidden'), (dict(n_in='784'), 'n_in')])
def test_simple_net_rejects_bad_sizes(kwargs, name):
    with pytest.raises(ValueError, match=f'simple_net: {name} must be a whole number of at least 1'): simple_net(**kwargs)


def test_simple_net_computes_linear_relu_linear():
    torch.manual_seed(0)
    net = simple_net(6, 5, 2)
    x = torch.randn(4, 6)
    expected = torch.clamp_min(x @ net[0].weight.T + net[0].bias, 0) @ net[2].weight.T + net[2].bias
    torch.testing.assert_close(net(x), expected)


def test_without_relu_two_linear_layers_collapse_into_one():
    torch.manual_seed(0)
    net = simple_net(6, 5, 1)
    l1, l2 = net[0], net[2]
    x = torch.randn(20, 6)
    merged_w, merged_b = l2.weight @ l1.weight, l2.weight @ l1.bias + l2.bias
    with torch.no_grad():
        torch.testing.assert_close(l2(l1(x)), x @ merged_w.T + merged_b)
        assert (net(x) - (x @ merged_w.T + merged_b)).abs().max() > 1e-3      # with the ReLU they differ


def xor_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g)*2 - 1
    y = ((x[:, :1] > 0) ^ (x[:, 1:] > 0)).float()      # 1. in two opposite quadrants: no straight line separates them
    return x, y


def accuracy_after_training(model, seed=0):
    x, y = xor_data(512, 0); vx, vy = xor_data(256, 1)
    learn = MiniLearner(TensorLoader(x, y, bs=32, shuffle=True, seed=seed), TensorLoader(vx, vy, bs=256), model, mnist_loss)
    learn.fit(60, lr=1., show_progress=False)
    return learn.history['batch_accuracy'].iloc[-1]


def test_the_relu_lets_simple_net_learn_what_a_linear_model_cannot():
    torch.manual_seed(0)
    net_acc = accuracy_after_training(simple_net(2, 16, 1))
    torch.manual_seed(0)
    linear_acc = accuracy_after_training(nn.Linear(2, 1))
    assert net_acc > 0.9 and linear_acc < 0.8, (net_acc, linear_acc)
