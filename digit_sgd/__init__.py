__version__ = "0.1.0"

import warnings
# fastai 2.8 calls torch.jit.script at import time, which torch 2.14 flags as deprecated; the notice means nothing to a learner.
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
