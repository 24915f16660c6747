"""Choosing the broker: celery_broker_url, else the embedded one under the project's .pym/ folder."""

import os

import pytest

from pymacaron_async import AsyncConfigError
from pymacaron_async.broker import EMBEDDED_TRANSPORT, broker_for, prepare


def config(tmp_path, **keys):
    from pymacaron.config import load_config

    lines = "".join(f"{k}: {v}\n" for k, v in keys.items())
    (tmp_path / "pym-config.yaml").write_text("name: x\n" + lines)
    return load_config(path=str(tmp_path))


def test_without_a_url_tasks_go_through_files_under_the_projects_pym_folder(tmp_path):
    brk = broker_for(config(tmp_path))
    assert brk.embedded and brk.transport == EMBEDDED_TRANSPORT
    assert brk.folder == str(tmp_path / ".pym" / "celery")
    assert brk.transport_options["data_folder_in"] == brk.transport_options["data_folder_out"]
    assert brk.description == f"embedded broker in {tmp_path / '.pym' / 'celery'}"
    prepare(brk)
    assert sorted(os.listdir(brk.folder)) == ["control", "processing", "queue"]


def test_a_redis_url_selects_redis_and_is_described_without_its_password(tmp_path, monkeypatch):
    monkeypatch.setenv("PYM_TEST_BROKER", "redis://:s3cret-pw@10.0.0.5:6380/2")
    brk = broker_for(config(tmp_path, celery_broker_url="PYM_TEST_BROKER", env_secrets="[PYM_TEST_BROKER]"))
    assert not brk.embedded and brk.transport is None
    assert brk.url == "redis://:s3cret-pw@10.0.0.5:6380/2"
    assert brk.description == "redis://10.0.0.5:6380/2"
    assert brk.transport_options == {"visibility_timeout": 300, "unacked_mutex_expire": 10.0}
    assert "s3cret" not in repr(brk)


def test_a_filesystem_url_means_the_embedded_broker(tmp_path):
    assert broker_for(config(tmp_path, celery_broker_url="filesystem://")).embedded


@pytest.mark.parametrize("url, message", [
    ("localhost:6379", "unknown broker scheme 'localhost'"),
    ("nope://host", "unknown broker scheme 'nope'"),
    ("just-a-name", "is not a broker URL"),
    ("42", "must be a URL string"),
])
def test_a_bad_url_says_which_key_and_file_and_what_to_write(tmp_path, url, message):
    with pytest.raises(AsyncConfigError) as e:
        broker_for(config(tmp_path, celery_broker_url=url))
    assert message in str(e.value)
    assert f"celery_broker_url in {tmp_path / 'pym-config.yaml'}" in str(e.value)


def test_an_unwritable_project_folder_is_a_clear_error(tmp_path):
    brk = broker_for(config(tmp_path))
    (tmp_path / ".pym").write_text("a file where the folder should be")
    with pytest.raises(AsyncConfigError, match=r"cannot create the embedded broker's folder .*set celery_broker_url"):
        prepare(brk)
