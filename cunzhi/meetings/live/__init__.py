"""The meeting's own live stream (issue 19): the broadcaster's browser sends MediaRecorder chunks, an
ffmpeg per live meeting turns them into HLS (low video and audio only), members watch with signed,
short-lived segment links, remote members ask questions, and the segments become the recording.

A sub-package of meetings, not a feature domain of its own: it reads meetings' rosters and rules, and
feature domains are independent of each other (pyproject.toml, the `features` contract)."""
