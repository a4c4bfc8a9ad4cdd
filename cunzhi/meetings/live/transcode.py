"""The transcoder of one live meeting: feeds the received chunks, in order, to ffmpeg, and keeps it going.

Started by the web process on a take's first chunk (services.live_chunk_receive) as its own process
(`python -m cunzhi.meetings.live.transcode FOLDER FFMPEG`), so it outlives the request and any web
worker; a pid file says it runs (and where: it is touched every few seconds, so app servers sharing the
live folder see it running too), and a second start finds it running. It needs no database.

- Chunks are read from the folder, not from the request: whatever was received is on disk first.
- ffmpeg stopping while chunks remain (a crash, a chunk it cannot read) is restarted on the take's
  header and the chunk it stopped at; a chunk that stops it three times running is skipped.
- A missing sequence number (a chunk lost on the way that the page did not send again) is waited for
  GAP_SECONDS, then skipped: the gap shows in the recording, nothing after it is lost.
- A new take (the broadcaster started again) ends the current ffmpeg cleanly and starts another one
  that appends to the same playlists.
- `ended` makes it drain, let ffmpeg finish its playlists, and exit; so does IDLE_SECONDS without a
  chunk (the next chunk starts it again, from state.json).
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from cunzhi.meetings.live import media

GAP_SECONDS = 5.0
IDLE_SECONDS = 900.0
POLL_SECONDS = 0.2
MAX_TRIES = 3


class _Encoder:
    """One ffmpeg process fed on its standard input."""

    def __init__(self, ffmpeg: str, folder: Path) -> None:
        for r in media.RENDITIONS:
            (folder / r).mkdir(parents=True, exist_ok=True)
        self.log: IO[bytes] = (folder / "ffmpeg.log").open("ab")
        self.proc = subprocess.Popen(  # noqa: S603  # the program named in settings, fixed arguments
            media.ffmpeg_command(ffmpeg, folder), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def feed(self, data: bytes) -> bool:
        """Write a chunk; False if ffmpeg has stopped."""
        assert self.proc.stdin is not None  # PIPE
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            return False
        return self.alive()

    def finish(self, timeout: float = 60) -> None:
        """Close its input: ffmpeg writes the last segments and ENDLIST, then exits."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.close()
        except OSError:
            pass  # already gone: nothing more to finish
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _seqs(folder: Path, take: int) -> list[int]:
    where = media.take_dir(folder, take)
    if not where.is_dir():
        return []
    return sorted(int(p.stem) for p in where.iterdir() if p.suffix == media.CHUNK_SUFFIX and p.stem.isdigit())


def run(
    folder: Path,
    ffmpeg: str,
    *,
    gap_seconds: float = GAP_SECONDS,
    idle_seconds: float = IDLE_SECONDS,
    poll: float = POLL_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Feed chunks until `ended` (or idle); return the final state (take, seq, restarts)."""
    state = media.state_load(folder)
    encoder: _Encoder | None = None
    tries = 0
    waiting_since: float | None = None
    last_chunk = touched = monotonic()
    while True:
        if monotonic() - touched >= media.RUNNER_TOUCH_SECONDS:
            media.runner_touch(folder)
            touched = monotonic()
        take, seq = state["take"], state["seq"]
        path = media.chunk_path(folder, take, seq)
        if path.exists():
            data = path.read_bytes()
            if encoder is None or not encoder.alive():
                if encoder is not None:
                    encoder.finish(timeout=5)
                    state["restarts"] += 1
                encoder = _Encoder(ffmpeg, folder)
                if seq > 0:
                    first = media.chunk_path(folder, take, 0)
                    if first.exists():
                        encoder.feed(media.init_bytes(first.read_bytes()))
            if encoder.feed(data):
                state["seq"], tries = seq + 1, 0
            else:
                tries += 1
                if tries >= MAX_TRIES:  # this chunk stops ffmpeg every time: skip it
                    state["seq"], tries = seq + 1, 0
            media.state_save(folder, state)
            waiting_since, last_chunk = None, monotonic()
            continue
        later = [s for s in _seqs(folder, take) if s > seq]
        next_take = media.take_dir(folder, take + 1).is_dir()
        if later or next_take:
            # A gap: wait for the missing chunk a little, then go on without it.
            waiting_since = waiting_since if waiting_since is not None else monotonic()
            if monotonic() - waiting_since >= gap_seconds or (next_take and not later):
                if later:
                    state["seq"] = later[0]
                else:
                    if encoder is not None:
                        encoder.finish()
                        encoder = None
                    state["take"], state["seq"] = take + 1, 0
                media.state_save(folder, state)
                waiting_since = None
                continue
        elif (folder / "ended").exists() or monotonic() - last_chunk >= idle_seconds:
            break
        sleep(poll)
    if encoder is not None:
        encoder.finish()
    media.state_save(folder, state)
    return state


def main(argv: list[str]) -> int:
    folder, ffmpeg = Path(argv[1]), argv[2]
    pidfile = folder / "runner.pid"
    # Two app servers may each start one for the same meeting at the same moment (the live folder on shared
    # storage): the later one sees the other's fresh pid file and leaves.
    named = pidfile.read_text().strip() if pidfile.exists() else ""
    if named and named != f"{os.getpid()}@{socket.gethostname()}" and media.runner_alive(folder):
        return 0
    media.runner_mark(folder, os.getpid())
    try:
        run(folder, ffmpeg)
    finally:
        if pidfile.exists() and pidfile.read_text().strip().partition("@")[0] == str(os.getpid()):
            pidfile.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
