"""`cubelet runtime`: a Pod manifest run on real namespaces from a loopback registry (root)."""
import os
import pathlib
import textwrap

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the runtime needs root")


@pytest.fixture
def rt(cubelet, tmp_path):
    """Runs `cubelet runtime` on a private data dir and cgroup parent; removes every pod after."""
    data = tmp_path / "data"
    parent = f"cubelet-clitest-{os.getpid()}"

    def run(*args, stdin=None):
        return cubelet("runtime", "--data-dir", str(data), "--cgroup-parent", parent, *args,
                       stdin=stdin)

    run.data = data
    run.parent = parent
    yield run
    removed = run("rmp", "-a")
    assert removed.returncode == 0, removed.stderr
    mounts = pathlib.Path("/proc/self/mountinfo").read_text()
    assert str(data) not in mounts, "mounts left behind"
    for hierarchy in ("memory", "pids", "cpu"):
        assert not pathlib.Path(f"/sys/fs/cgroup/{hierarchy}/{parent}").exists() or not any(
            p.is_dir() for p in pathlib.Path(f"/sys/fs/cgroup/{hierarchy}/{parent}").iterdir())
        try:
            os.rmdir(f"/sys/fs/cgroup/{hierarchy}/{parent}")
        except OSError:
            pass


def write(tmp_path, text):
    path = tmp_path / "pod.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_init_containers_run_in_order_then_the_app(rt, registries, tmp_path):
    image = f"{registries['PLAIN']}/library/busybox:latest"
    pod = write(tmp_path, f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: ordered
        spec:
          volumes:
          - name: work
            emptyDir: {{}}
          initContainers:
          - name: first
            image: {image}
            command: ["sh", "-c", "echo one >> /work/order"]
            volumeMounts: [{{name: work, mountPath: /work}}]
          - name: second
            image: {image}
            command: ["sh", "-c", "echo two >> /work/order"]
            volumeMounts: [{{name: work, mountPath: /work}}]
          containers:
          - name: app
            image: {image}
            command: ["sh", "-c", "cat /work/order; exec sleep 3600"]
            volumeMounts: [{{name: work, mountPath: /work}}]
        """)
    result = rt("run", "-f", pod)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pod/ordered running, sandbox ")

    pods = rt("pods")
    assert "ordered" in pods.stdout and "Ready" in pods.stdout
    ps = rt("ps", "-a").stdout.splitlines()
    # CREATED ("3s ago") has a space: count the columns from the right.
    states = {line.split()[-4]: line.split()[-5] for line in ps[1:]}
    assert states == {"first": "Exited", "second": "Exited", "app": "Running"}, ps

    app = next(line.split()[0] for line in ps[1:] if line.split()[-4] == "app")
    assert rt("logs", app).stdout == "one\ntwo\n"
    assert rt("logs", "--tail", "1", app).stdout == "two\n"
    assert rt("exec", app, "--", "hostname").stdout == "ordered\n"
    code = rt("exec", app, "--", "sh", "-c", "exit 5")
    assert code.returncode == 5

    removed = rt("rmp", "ordered")
    assert removed.returncode == 0, removed.stderr
    assert rt("pods", "-q").stdout == ""
    assert rt("ps", "-a", "-q").stdout == ""


def test_failing_init_container_stops_before_the_app(rt, registries, tmp_path):
    image = f"{registries['PLAIN']}/library/busybox:latest"
    pod = write(tmp_path, f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: broken
        spec:
          initContainers:
          - name: check
            image: {image}
            command: ["sh", "-c", "echo no database; exit 3"]
          containers:
          - name: app
            image: {image}
            command: ["sleep", "3600"]
        """)
    result = rt("run", "-f", pod)
    assert result.returncode == 1
    assert "init container check failed: exit code 3 (Error)" in result.stderr
    names = [line.split()[-4] for line in rt("ps", "-a").stdout.splitlines()[1:]]
    assert names == ["check"], "the app must not start after a failed init container"


def test_missing_command_is_a_start_error(rt, registries, tmp_path):
    image = f"{registries['PLAIN']}/library/busybox:latest"
    pod = write(tmp_path, f"""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: typo
        spec:
          containers:
          - name: app
            image: {image}
            command: ["slep", "3600"]
        """)
    result = rt("run", "-f", pod)
    assert result.returncode == 1
    assert 'exec: "slep": executable file not found in $PATH' in result.stderr


def test_bad_manifest_is_refused_with_file_and_line(rt, tmp_path):
    pod = write(tmp_path, """\
        apiVersion: v1
        kind: Pod
        metadata:
          name: bad
        spec:
          containers:
          - name: app
            image: busybox
            imagee: typo
        """)
    result = rt("run", "-f", pod)
    assert result.returncode == 1
    assert "pod.yaml:9:" in result.stderr and "imagee" in result.stderr
    assert rt("pods", "-q").stdout == ""


def test_only_pods_are_run(rt, tmp_path):
    deployment = pathlib.Path(os.environ.get("CUBELET_SOURCE_DIR", ".")) / "examples" / \
        "nginx-deployment.yaml"
    result = rt("run", "-f", str(deployment))
    assert result.returncode == 1
    assert "runs Pods only" in result.stderr
