"Unit tests for digit_sgd.results: records, the JSON files the course runner collects, the table."
import json
import pytest
from digit_sgd.results import RESULTS_ENV, load_results, record_result, results_table


def test_no_file_outside_the_runner(tmp_path, monkeypatch):
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    r = record_result('02_baseline', 'pixel similarity', 0.95, 0.1)
    assert r['accuracy'] == 0.95 and list(tmp_path.iterdir()) == []


def test_records_are_written_and_read_back_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    record_result('06_neural_net', 'simple_net', 0.98, 4.5, epochs=40)
    record_result('05_minibatch', 'linear / hand loop', 0.97, 3.0)
    record_result('05_minibatch', 'linear / BasicOptim', 0.975, 3.1)
    files = sorted(tmp_path.glob('*.json'))
    assert len(files) == 3 and json.loads(files[-1].read_text())['epochs'] == 40
    recs = load_results(tmp_path)
    assert [r['model'] for r in recs] == ['linear / hand loop', 'linear / BasicOptim', 'simple_net']
    t = results_table(recs)
    assert list(t.columns) == ['lesson', 'model', 'valid accuracy', 'train time (s)']
    assert t['valid accuracy'].tolist() == [0.97, 0.975, 0.98]


@pytest.mark.parametrize('acc,secs,msg', [(97.0, 1.0, 'between 0 and 1'), (-0.1, 1.0, 'between 0 and 1'),
                                         (0.5, -1.0, 'train_seconds'), (0.5, float('inf'), 'train_seconds')])
def test_bad_values_are_refused(acc, secs, msg):
    with pytest.raises(ValueError, match=msg): record_result('x', 'y', acc, secs)
