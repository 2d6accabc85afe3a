"""`consent up`: the whole service on embedded defaults, and Ctrl-C stops all of it."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.processes import consent_cli, free_port, wait_for_http
from tests.stack import mailer_state, wait_until


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_up_runs_every_part_and_a_consent_reaches_the_mailer(tmp_path, stop_signal) -> None:
    instance = tmp_path / "instance"
    environ = {
        "CONSENT_INSTANCE_DIR": str(instance),
        "CONSENT_DATABASE_URL": "",
        "BROKER_URL": "",
        "MAILER_DATABASE_URL": "",
        "CONSENT_SECRET_KEY": "",
    }
    port = free_port()
    up = subprocess.Popen(
        [sys.executable, "-m", "consent_service", "up", "--port", str(port)],
        env=os.environ | environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", timeout=30)
        key = consent_cli(environ, "keys", "create", "--name", "t", "--scope", "consents:write")
        request = urllib.request.Request(
            f"{base}/v1/consents",
            data=b'{"subject": {"email": "up@example.kg"}, "purposes": {"personalization": true},'
            b' "source": "registration"}',
            headers={
                "Authorization": f"Bearer {key.stdout.split()[-1]}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        mailer_db = f"sqlite:///{instance / 'mailer.db'}"
        assert wait_until(
            lambda: list(mailer_state(mailer_db).values()) == [{"personalization": "granted"}], 30
        )
        up.send_signal(stop_signal)
        output, _ = up.communicate(timeout=30)
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
    assert up.returncode == 0
    assert base in output
    assert f"Console    {base}/console/" in output
    assert "first login: consent users create --email you@example.org --role admin" in output
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/healthz", timeout=2)
    leftovers = subprocess.run(
        ["pgrep", "-s", str(up.pid)], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == ""
