"""The package reads like the lessons: checks are declared in one line and live in `digit_sgd.checks`."""
import ast, inspect, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
from pkg_shape import LESSON_MODULES, package_shape  # noqa: E402
from digit_sgd.checks import checked, check_count, check_lr  # noqa: E402


def test_checking_is_at_most_a_tenth_of_the_lesson_modules_and_no_check_is_told_its_callers_name():
    shape = package_shape()
    total = shape['all']
    assert total['checks'] <= 0.10 * total['body'], {m: (r['checks'], r['body']) for m, r in shape.items()}
    assert total['named'] == [], total['named']


def test_the_lesson_modules_define_no_validation_helpers():
    for m in LESSON_MODULES:
        tree = ast.parse((ROOT/'digit_sgd'/f'{m}.py').read_text())
        defs = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        helpers = [d for d in defs if d.lstrip('_').startswith('check') and d != 'check_grad']   # check_grad is lesson 3's
        assert not helpers, f'digit_sgd/{m}.py defines {helpers}: validation helpers live in digit_sgd.checks'


def fit(epochs): return check_count(epochs, 'epochs')


class Optim:
    def __init__(self, lr): self.lr = check_lr(lr)
    def set_lr(self, lr): self.lr = check_lr(lr)


def in_a_comprehension(ns): return [check_count(n) for n in ns]


@pytest.mark.parametrize('call, name', [
    (lambda: fit(0), 'fit'),                          # a function's own name, found on the stack
    (lambda: Optim(0), 'Optim'),                      # __init__: the class, as the learner called it
    (lambda: Optim(1).set_lr(-1), 'Optim.set_lr'),    # a method: Class.method
    (lambda: in_a_comprehension([1, 0]), 'in_a_comprehension'),
    (lambda: check_count(0), 'check_count'),          # called directly, a check names itself
])
def test_a_check_names_the_function_that_called_it(call, name):
    with pytest.raises(ValueError) as e: call()
    assert str(e.value).startswith(f'{name}: '), str(e.value)


def test_a_declared_check_names_the_decorated_function_and_converts_its_argument():
    @checked(epochs=check_count, lr=check_lr)
    def train(epochs, lr=1): return epochs, lr
    assert train(2) == (2, 1.0) and isinstance(train(2)[1], float)
    with pytest.raises(ValueError, match='^train: lr must be a positive'): train(2, lr=0)
    with pytest.raises(ValueError, match='^train: epochs must be a whole number'): train(2.5)


def test_decorated_functions_keep_their_signature_and_docments():
    from fastcore.docments import docments
    from digit_sgd import mean_abs_distance, MiniLearner, simple_net
    assert list(inspect.signature(mean_abs_distance).parameters) == ['a', 'b']
    assert docments(mean_abs_distance)['a'] and docments(simple_net)['n_hidden']
    assert mean_abs_distance.__name__ == 'mean_abs_distance' and 'Mean absolute' in mean_abs_distance.__doc__
    assert MiniLearner.fit.__qualname__ == 'MiniLearner.fit'
