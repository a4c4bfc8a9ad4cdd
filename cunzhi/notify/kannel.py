"""Running the Kannel SMS gateway (Debian's `kannel`): bearerbox talks to the operator, smsbox gives
us HTTP (sending: `KannelSmsGateway` in transports.py; incoming texts reach Cunzhi through smsbox's
`get-url`). In the demo and the tests the operator is Kannel's own test SMSC, `fakesmsc` (package
kannel-extras), which prints every message it receives and acknowledges it with a delivery report,
so real SMS traffic runs on this machine. In production the `smsc` group is the operator's (SMPP,
usually): see docs/sms.md.

`KannelBox` writes the configuration and runs the processes (`manage.py kannel`, and the tests).
"""

import secrets
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class KannelBox:
    """A Kannel of our own in `folder`: bearerbox, smsbox and (demo, tests) fakesmsc as the operator.

    MO texts reach `get_url`; `inject()` makes the operator deliver one, as a phone would."""

    folder: Path
    get_url: str  # Cunzhi's inbound endpoint, with its secret
    sendsms_port: int = field(default_factory=free_port)
    smsbox_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    operator_port: int = field(default_factory=free_port)  # fakesmsc that receives what we send
    phones_port: int = field(default_factory=free_port)  # fakesmsc runs that send what phones send
    sender: str = "106900001"  # the service number texts come from unless the request names one
    username: str = "cunzhi"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    processes: list = field(default_factory=list)

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    @property
    def received_log(self) -> Path:
        return self.folder / "operator.log"

    def config(self) -> str:
        f = self.folder
        # Two fake SMSCs: the operator, connected all the time, takes every outgoing text
        # (forced-smsc); the other takes the short fakesmsc runs that play phones sending texts.
        return f"""
group = core
admin-port = {self.admin_port}
admin-password = {self.password}
admin-allow-ip = "127.0.0.1"
smsbox-port = {self.smsbox_port}
box-allow-ip = "127.0.0.1"
log-file = "{f}/bearerbox.log"
log-level = 1
store-type = file
store-location = "{f}/store"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = operator
port = {self.operator_port}
connect-allow-ip = "127.0.0.1"

group = smsc
smsc = fake
smsc-id = phones
# Only texts addressed to this link: otherwise bearerbox may route an outgoing text to a phone's
# fakesmsc run, which ends when its text is in, and the outgoing text is lost (bench/sms.py found it).
allowed-smsc-id = phones
port = {self.phones_port}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{f}/smsbox.log"
log-level = 1
mo-recode = true
http-request-retry = 5
http-queue-delay = 2

group = sendsms-user
username = {self.username}
password = {self.password}
forced-smsc = operator
# Not smsbox's global-sender: that would also overwrite the number phones sent their texts to,
# which carries the reply code.
default-sender = {self.sender}
max-messages = 3
concatenation = true

group = sms-service
keyword = default
catch-all = true
get-url = "{self.get_url}"
max-messages = 0
omit-empty = true
"""

    def start(self, timeout: float = 20) -> "KannelBox":
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "store").mkdir(exist_ok=True)
        conf = self.folder / "kannel.conf"
        conf.write_text(self.config(), encoding="utf-8")
        log = (self.folder / "processes.log").open("ab")
        # -v 1 (info): at the default debug level both boxes hex-dump every request, ~7 kB a text.
        self.processes.append(subprocess.Popen([BEARERBOX, "-v", "1", str(conf)], stdout=log, stderr=log))  # noqa: S603
        _wait_port(self.smsbox_port, timeout)
        self.processes.append(subprocess.Popen([SMSBOX, "-v", "1", str(conf)], stdout=log, stderr=log))  # noqa: S603
        _wait_port(self.sendsms_port, timeout)
        # fakesmsc prints what the operator receives; -m 0: it sends nothing itself.
        operator_log = self.received_log.open("ab")
        self.processes.append(
            subprocess.Popen(  # noqa: S603
                [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.operator_port), "-m", "0", "0 0 text x"],
                stdout=operator_log,
                stderr=operator_log,
            )
        )
        self._wait_operator(timeout)
        return self

    def _wait_operator(self, timeout: float) -> None:
        """Until bearerbox reports the operator link online (status page on the admin port)."""
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password={self.password}"
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    status = r.read().decode()
                if "operator" in status and "online" in status.split("operator", 1)[1].splitlines()[0]:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"Kannel's operator link did not come up; see {self.folder}")

    def inject(self, sender: str, receiver: str, text: str, timeout: float = 20) -> None:
        """A phone sends a text: fakesmsc hands it to bearerbox as the operator would (UCS-2).
        fakesmsc stays connected after sending, so it is stopped once it says the text is sent."""
        data = urllib.parse.quote(text.encode("utf-16-be"))
        p = subprocess.Popen(  # noqa: S603
            [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.phones_port), "-m", "1", f"{sender} {receiver} ucs2 {data}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        try:
            for line in p.stdout:  # type: ignore[union-attr]
                if b"sent message" in line:
                    return
                if time.monotonic() > deadline:
                    break
            raise RuntimeError(f"fakesmsc could not send the text; see {self.folder}")
        finally:
            p.terminate()
            p.wait(timeout=10)

    def received(self) -> list[tuple[str, str, str]]:
        """(sender, receiver, text) of every message the operator got, decoded, in order."""
        return parse_operator_log(self.received_log.read_text("utf-8", "replace"))

    def stop(self) -> None:
        for p in reversed(self.processes):
            p.terminate()
        for p in self.processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.processes.clear()


def _concat_header(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, parts, this part) of a concatenated text's user data header, if it has one."""
    i = 1  # udh[0] is the header's length
    while i + 1 < len(udh):
        iei, size = udh[i], udh[i + 1]
        data = udh[i + 2 : i + 2 + size]
        if iei == 0x00 and size == 3:
            return data[0], data[1], data[2]
        if iei == 0x08 and size == 4:
            return data[0] << 8 | data[1], data[2], data[3]
        i += 2 + size
    return None


def parse_operator_log(log: str) -> list[tuple[str, str, str]]:
    """fakesmsc prints `Got message N: <from to ucs2 urlencoded-UCS-2>` (or `text`) per message, and
    `<from to udh HEADER data BYTES>` per segment of a long text: segments are joined again."""

    def unquote(data: str) -> bytes:
        return urllib.parse.unquote_to_bytes(data.replace("+", "%20"))  # Kannel writes a space as "+"

    out: list[tuple[str, str, str]] = []
    pending: dict[tuple[str, str, int, int], dict[int, bytes]] = {}
    slots: dict[tuple[str, str, int, int], int] = {}
    for line in log.splitlines():
        if "Got message" not in line or "<" not in line:
            continue
        body = line.split("<", 1)[1].rsplit(">", 1)[0]
        parts = body.split(" ", 3)
        if len(parts) < 4:
            continue
        sender, receiver, kind, data = parts
        if kind == "udh" and " data " in data:
            header, payload = data.split(" data ", 1)
            concat = _concat_header(unquote(header))
            if concat is not None:
                ref, total, seq = concat
                key = (sender, receiver, ref, total)
                if key not in pending:
                    pending[key], slots[key] = {}, len(out)
                    out.append((sender, receiver, ""))
                pending[key][seq] = unquote(payload)
                if len(pending[key]) == total:
                    segments = pending.pop(key)
                    raw = b"".join(segments[n] for n in range(1, total + 1))
                    # The segments do not say their coding: UCS-2 has zero bytes (Latin letters) or
                    # bytes above 0x7F (Chinese punctuation); 7-bit text has neither.
                    ucs2 = any(b == 0 or b > 0x7F for b in raw)
                    out[slots.pop(key)] = (sender, receiver, raw.decode("utf-16-be" if ucs2 else "latin-1", "replace"))
                continue
            kind, data = "data", payload
        raw = unquote(data)
        text = raw.decode("utf-16-be", "replace") if kind in ("ucs2", "ucs-2") else raw.decode("latin-1")
        out.append((sender, receiver, text))
    # A long text whose segments have not all arrived yet is not a message yet.
    return [m for i, m in enumerate(out) if i not in slots.values()]


def _wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
