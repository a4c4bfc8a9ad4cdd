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
        self.processes.append(subprocess.Popen([BEARERBOX, str(conf)], stdout=log, stderr=log))  # noqa: S603
        _wait_port(self.smsbox_port, timeout)
        self.processes.append(subprocess.Popen([SMSBOX, str(conf)], stdout=log, stderr=log))  # noqa: S603
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


def parse_operator_log(log: str) -> list[tuple[str, str, str]]:
    """fakesmsc prints `Got message N: <from to ucs2 urlencoded-UCS-2>` (or `text`) per message."""
    out = []
    for line in log.splitlines():
        if "Got message" not in line or "<" not in line:
            continue
        body = line.split("<", 1)[1].rsplit(">", 1)[0]
        parts = body.split(" ", 3)
        if len(parts) < 4:
            continue
        sender, receiver, kind, data = parts
        raw = urllib.parse.unquote_to_bytes(data.replace("+", "%20"))  # Kannel writes a space as "+"
        text = raw.decode("utf-16-be", "replace") if kind in ("ucs2", "ucs-2") else raw.decode("latin-1")
        out.append((sender, receiver, text))
    return out


def _wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")
