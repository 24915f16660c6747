"""The process's Celery app: JSON only, no results, one task entry point, rebuilt when the broker changes."""

from pymacaron_async import get_celery_app, reset_celery_app
from pymacaron_async.app import TASK_NAME


def load(tmp_path, text):
    from pymacaron.config import load_config

    (tmp_path / "pym-config.yaml").write_text(text)
    return load_config(path=str(tmp_path))


def test_the_app_speaks_json_only_and_keeps_no_results(tmp_path):
    load(tmp_path, "name: x\nwith_async: true\n")
    app = get_celery_app()
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]
    assert app.conf.result_backend is None and app.conf.task_ignore_result is True
    assert TASK_NAME in app.tasks
    assert app.pym_broker.embedded
    assert not app.conf.worker_enable_remote_control  # no broadcast over the embedded broker
    assert (tmp_path / ".pym" / "celery" / "queue").is_dir()


def test_the_app_is_kept_until_the_broker_changes(tmp_path):
    load(tmp_path, "name: x\n")
    first = get_celery_app()
    assert get_celery_app() is first
    load(tmp_path, "name: x\ncelery_broker_url: redis://127.0.0.1:6399/1\n")
    second = get_celery_app()
    assert second is not first and second.conf.broker_url == "redis://127.0.0.1:6399/1"
    assert second.conf.broker_transport_options == {"visibility_timeout": 300, "unacked_mutex_expire": 10.0}
    assert second.conf.worker_enable_remote_control
    reset_celery_app()
    assert get_celery_app() is not second
