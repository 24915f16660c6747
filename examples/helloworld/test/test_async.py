"""helloworld.tasks in unit tests: eager mode runs the tasks inline, as a worker would (no worker needed)."""

import pytest

from pymacaron_async import eager_tasks


@pytest.fixture
def code_file(tmp_path, monkeypatch):
    from pymacaron.config import get_config

    path = tmp_path / "code.txt"
    monkeypatch.setattr(get_config(), "uuid_file_path", str(path))
    return path


def test_async_writes_the_code(client, code_file):
    with eager_tasks(raise_errors=True):
        r = client.get("/async")
    assert r.status_code == 200
    code = r.get_json()["message"].split()[-1]
    assert code_file.read_text() == code


def test_asyncdie_crashes_in_the_task_not_in_the_endpoint(client):
    with eager_tasks():  # as in a worker: the crash becomes a FATAL report, the caller is unaffected
        assert client.get("/asyncdie").status_code == 200
    with eager_tasks(raise_errors=True):  # the task's exception reaches the endpoint: a 500
        r = client.get("/asyncdie")
    assert r.status_code == 500
    assert "asked to die" not in r.get_json()["error_description"]  # a 500 says nothing internal
