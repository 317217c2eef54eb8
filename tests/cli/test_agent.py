"""`cubelet agent`: static pods from a manifest directory on the real runtime (root)."""
import os
import pathlib
import signal
import subprocess
import textwrap
import time

import pytest

from conftest import _binary

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the runtime needs root")


class Agent:
    """A `cubelet agent` process whose output goes to a file the test reads."""

    def __init__(self, data, manifests, parent, log):
        self.log = log
        self.out = open(log, "a")
        self.proc = subprocess.Popen(
            [_binary(), "agent", "--data-dir", str(data), "--pod-manifest-path", str(manifests),
             "--node-name", "node1", "--cgroup-parent", parent],
            stdout=self.out, stderr=subprocess.STDOUT)

    def wait_for(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in pathlib.Path(self.log).read_text():
                return
            assert self.proc.poll() is None, pathlib.Path(self.log).read_text()
            time.sleep(0.1)
        pytest.fail(f"no {text!r} in the agent's output:\n{pathlib.Path(self.log).read_text()}")

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=60)
        self.out.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=60)
        self.out.close()
        return code


@pytest.fixture
def env(cubelet, tmp_path):
    data = tmp_path / "data"
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    parent = f"cubelet-agenttest-{os.getpid()}"
    agents = []

    def runtime(*args):
        return cubelet("runtime", "--data-dir", str(data), "--cgroup-parent", parent, *args)

    def start():
        agent = Agent(data, manifests, parent, tmp_path / "agent.log")
        agents.append(agent)
        return agent

    yield data, manifests, runtime, start
    for agent in agents:
        if agent.proc.poll() is None:
            agent.stop()
    assert runtime("rmp", "-a").returncode == 0
    assert str(data) not in pathlib.Path("/proc/self/mountinfo").read_text(), "mounts left"
    for hierarchy in ("memory", "pids", "cpu"):
        try:
            os.rmdir(f"/sys/fs/cgroup/{hierarchy}/{parent}")
        except OSError:
            pass
        assert not pathlib.Path(f"/sys/fs/cgroup/{hierarchy}/{parent}").exists()


def test_static_pod_lifecycle_and_agent_restart(env, registries):
    data, manifests, runtime, start = env
    image = f"{registries['PLAIN']}/library/busybox:latest"
    agent = start()
    agent.wait_for("agent running static pods from")
    (manifests / "web.yaml").write_text(textwrap.dedent(f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: web
            image: {image}
            command: [sleep, "3600"]
        """))
    agent.wait_for("pod default/web-node1 Running ready 1/1 restarts 0")
    agent.wait_for("Normal Started: Started container web")
    pods = runtime("pods").stdout
    assert "web-node1" in pods and "Ready" in pods, pods
    before = runtime("ps", "-a", "-q").stdout.split()
    assert len(before) == 1

    # The agent is killed; the pod keeps running, and the next agent adopts it.
    agent.kill()
    assert "Ready" in runtime("pods").stdout
    agent = start()
    agent.wait_for("agent running static pods from", timeout=30)
    time.sleep(2)
    assert runtime("ps", "-a", "-q").stdout.split() == before, "a second copy was started"

    # A broken manifest is reported by file and line and changes nothing.
    (manifests / "bad.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\n"
                                        "spec:\n  containers:\n  - name: c\n    imagee: x\n")
    agent.wait_for("bad.yaml:7")
    assert runtime("ps", "-a", "-q").stdout.split() == before

    # The file goes away: so does the pod.
    (manifests / "web.yaml").unlink()
    deadline = time.monotonic() + 60
    while "web-node1" in runtime("pods").stdout and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "web-node1" not in runtime("pods").stdout
    assert agent.stop() == 0
