"""The argument checks behind every error message, and the `checked` decorator that declares them (written by hand: nbdev exports the modules).

`from digit_sgd.checks import check_lr` imports any check of any of its modules."""
from .core import *
from .images import *
from .models import *
from .classes import *
from .data import *
