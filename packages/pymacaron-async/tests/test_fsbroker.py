"""The embedded broker: messages complete or invisible, delivered once, private, gone once read."""

import os
import stat
import threading

import pytest
from kombu import Connection

from pymacaron_async import broker


@pytest.fixture
def embedded(tmp_path):
    brk = broker._embedded(str(tmp_path / "celery"))
    broker.prepare(brk)
    return brk


def connect(brk):
    return Connection(brk.url, transport=brk.transport, transport_options=brk.transport_options)


def test_a_message_goes_through_and_leaves_no_file_behind(embedded):
    with connect(embedded) as conn:
        q = conn.SimpleQueue("jobs")
        q.put({"n": 1})
        files = os.listdir(embedded.transport_options["data_folder_in"])
        assert len(files) == 1 and files[0].endswith(".jobs.msg")
        path = os.path.join(embedded.transport_options["data_folder_in"], files[0])
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # messages carry tokens
        msg = q.get(timeout=5)
        assert msg.payload == {"n": 1}
        msg.ack()
        q.close()
    assert os.listdir(embedded.transport_options["data_folder_in"]) == []
    assert os.listdir(embedded.transport_options["processed_folder"]) == []


def test_the_folders_are_private(embedded):
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        assert stat.S_IMODE(os.stat(embedded.transport_options[key]).st_mode) == 0o700


def test_a_message_being_written_is_invisible(embedded):
    folder = embedded.transport_options["data_folder_in"]
    with open(os.path.join(folder, ".000000000000001_x.jobs.msg.part"), "w") as f:
        f.write('{"half')
    with connect(embedded) as conn:
        q = conn.SimpleQueue("jobs")
        assert q.qsize() == 0
        with pytest.raises(q.Empty):
            q.get(timeout=0.3)
        q.close()


def test_queues_do_not_mix(embedded):
    with connect(embedded) as conn:
        a, b = conn.SimpleQueue("a"), conn.SimpleQueue("b")
        a.put("for a")
        assert b.qsize() == 0 and a.qsize() == 1
        with pytest.raises(b.Empty):
            b.get(timeout=0.2)
        assert a.get(timeout=5).payload == "for a"
        a.close()
        b.close()


def test_competing_readers_get_each_message_exactly_once(embedded):
    count = 200
    with connect(embedded) as conn:
        q = conn.SimpleQueue("race")
        for i in range(count):
            q.put(i)
        q.close()
    got = [[] for _ in range(4)]

    def read(into):
        with connect(embedded) as conn:
            q = conn.SimpleQueue("race")
            while True:
                try:
                    msg = q.get(timeout=0.5)
                except q.Empty:
                    break
                into.append(msg.payload)
                msg.ack()
            q.close()

    threads = [threading.Thread(target=read, args=(g,)) for g in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    everything = sorted(x for g in got for x in g)
    assert everything == list(range(count))
