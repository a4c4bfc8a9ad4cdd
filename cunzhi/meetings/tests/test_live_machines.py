"""The live stream's transcoder seen from several app servers sharing the live folder (docs/scaling.md)."""

import os
import socket
import time

from cunzhi.meetings.live import media, transcode


def test_a_transcoder_on_another_machine_counts_while_it_touches_its_pid_file(tmp_path):
    pidfile = tmp_path / "runner.pid"
    assert not media.runner_alive(tmp_path)
    pidfile.write_text("4242@another-app-server")
    assert media.runner_alive(tmp_path)  # just written: fresh
    stale = time.time() - media.RUNNER_FRESH_SECONDS - 1
    os.utime(pidfile, (stale, stale))
    assert not media.runner_alive(tmp_path)  # it stopped touching it: gone (killed with its machine)
    media.runner_touch(tmp_path)
    assert media.runner_alive(tmp_path)


def test_this_machine_asks_the_process(tmp_path):
    media.runner_mark(tmp_path, os.getpid())
    assert (tmp_path / "runner.pid").read_text() == f"{os.getpid()}@{socket.gethostname()}"
    assert media.runner_alive(tmp_path)
    (tmp_path / "runner.pid").write_text(f"999999999@{socket.gethostname()}")  # no such process
    assert not media.runner_alive(tmp_path)
    (tmp_path / "runner.pid").write_text(str(os.getpid()))  # the older form (RTMP's ffmpeg): this machine
    assert media.runner_alive(tmp_path)


def test_a_second_transcoder_started_elsewhere_at_the_same_moment_leaves(tmp_path, monkeypatch):
    (tmp_path / "runner.pid").write_text("4242@another-app-server")
    ran = []
    monkeypatch.setattr(transcode, "run", lambda folder, ffmpeg: ran.append(folder))
    assert transcode.main(["transcode", str(tmp_path), "ffmpeg"]) == 0
    assert ran == [] and (tmp_path / "runner.pid").read_text() == "4242@another-app-server"
    # Once that one is gone (no touch for RUNNER_FRESH_SECONDS), a new start runs and names itself.
    stale = time.time() - media.RUNNER_FRESH_SECONDS - 1
    os.utime(tmp_path / "runner.pid", (stale, stale))
    assert transcode.main(["transcode", str(tmp_path), "ffmpeg"]) == 0
    assert ran == [tmp_path] and not (tmp_path / "runner.pid").exists()  # removed when it ended
