#!/usr/bin/env bash
# The main job: build the environment, get the data, run every lesson top to bottom (slow cells included) and print
# each model's validation accuracy and training time, plus the total. Extra arguments go to tools/run_course.py.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
if [ ! -f "$data_dir/mnist_sample/digit_sgd_cache.pt" ]; then
  echo "Getting the data (downloads MNIST_SAMPLE the first time, then decodes it once into a cache)"
  python -c "from digit_sgd.data import load_mnist_sample; d = load_mnist_sample(); print('  ', {k: len(v) for k, v in d._asdict().items()})"
fi
python tools/run_course.py "$@"
