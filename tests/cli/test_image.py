"""`cubelet image pull|ls|rm|prune` against the loopback registries."""


def test_pull_ls_rm_prune(cubelet, registries, tmp_path):
    data = str(tmp_path / "data")
    plain = registries["PLAIN"]
    r = cubelet("image", "--data-dir", data, "pull", f"{plain}/library/busybox:latest")
    assert r.returncode == 0, r.stderr
    # Piped output: plain lines, one per finished blob, then a summary line.
    assert "\033[" not in r.stdout
    assert any(line.startswith("pulled sha256:") for line in r.stdout.splitlines()), r.stdout
    assert f"pulled {plain}/library/busybox:latest ({plain}/library/busybox@sha256:" in r.stdout

    r = cubelet("image", "--data-dir", data, "pull", f"{plain}/multiarch:latest")
    assert r.returncode == 0, r.stderr

    ls = cubelet("image", "--data-dir", data, "ls")
    assert ls.returncode == 0, ls.stderr
    lines = ls.stdout.splitlines()
    assert lines[0].split() == ["IMAGE", "TAG", "IMAGE", "ID", "SIZE"]
    assert [line.split()[:2] for line in lines[1:]] == [
        [f"{plain}/library/busybox", "latest"],
        [f"{plain}/multiarch", "latest"],
    ]

    rm = cubelet("image", "--data-dir", data, "rm", f"{plain}/library/busybox:latest")
    assert rm.returncode == 0, rm.stderr
    assert len(cubelet("image", "--data-dir", data, "ls").stdout.splitlines()) == 2

    again = cubelet("image", "--data-dir", data, "rm", f"{plain}/library/busybox:latest")
    assert again.returncode == 1
    assert "not found" in again.stderr

    prune = cubelet("image", "--data-dir", data, "prune")
    assert prune.returncode == 0, prune.stderr
    assert f"Deleted: {plain}/multiarch:latest" in prune.stdout
    assert len(cubelet("image", "--data-dir", data, "ls").stdout.splitlines()) == 1


def test_private_pull_needs_docker_config(cubelet, registries, tmp_path):
    data = str(tmp_path / "data")
    image = f"{registries['TOKEN']}/private/busybox:latest"
    denied = cubelet("image", "--data-dir", data, "pull", image)
    assert denied.returncode == 1
    assert registries["TOKEN"] in denied.stderr
    assert "ErrImagePull" in denied.stderr
    ok = cubelet("image", "--data-dir", data, "pull", image,
                 "--docker-config", registries["AUTH_CONFIG"])
    assert ok.returncode == 0, ok.stderr


def test_registry_config_mirror(cubelet, registries, tmp_path):
    config = tmp_path / "registries.yaml"
    config.write_text(f'mirrors:\n  docker.io:\n    endpoint: ["http://{registries["PLAIN"]}"]\n')
    r = cubelet("image", "--data-dir", str(tmp_path / "data"), "--registry-config", str(config),
                "pull", "busybox")
    assert r.returncode == 0, r.stderr
    assert "pulled docker.io/library/busybox:latest" in r.stdout


def test_bad_registry_config_names_file_and_line(cubelet, tmp_path):
    config = tmp_path / "registries.yaml"
    config.write_text("mirrors:\n  docker.io:\n    endpoints: [x]\n")
    r = cubelet("image", "--data-dir", str(tmp_path / "data"), "--registry-config", str(config),
                "pull", "busybox")
    assert r.returncode == 1
    assert f"{config}:2: mirrors[docker.io]: expected endpoint" in r.stderr


def test_killed_pull_resumes_and_stores_nothing_twice(cubelet, registries, tmp_path):
    """kill -9 in the middle of a pull of the ~100 MB image, then pull again."""
    import os
    import signal
    import subprocess
    import time

    from conftest import _binary

    data = tmp_path / "data"
    image = f"{registries['PLAIN']}/library/big:latest"
    ingest = data / "images" / "content" / "ingest"
    proc = subprocess.Popen([_binary(), "image", "--data-dir", str(data), "pull", image],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    partial = 0
    while time.monotonic() < deadline and proc.poll() is None:
        partial = 0
        for f in ingest.glob("*.partial") if ingest.exists() else []:
            try:
                partial += f.stat().st_size
            except FileNotFoundError:
                pass  # committed (renamed into the blob store) between glob and stat
        if partial > 4 << 20:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the pull finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert partial > 0

    ls = cubelet("image", "--data-dir", str(data), "ls")
    assert len(ls.stdout.splitlines()) == 1  # header only: nothing recorded as pulled

    again = cubelet("image", "--data-dir", str(data), "pull", image)
    assert again.returncode == 0, again.stderr
    assert list(ingest.glob("*")) == []
    blobs = list((data / "images" / "content" / "blobs" / "sha256").iterdir())
    layers = [p for p in (data / "images" / "layers").iterdir()]
    assert all(len(p.name) == 64 for p in layers), layers  # no tmp-* leftovers
    # manifest + config + one blob per layer, each once
    import json

    def as_manifest(path):
        if path.stat().st_size > 1 << 20:
            return None
        try:
            doc = json.loads(path.read_bytes())
        except ValueError:
            return None
        return doc if isinstance(doc.get("layers"), list) else None

    manifests = [m for m in map(as_manifest, blobs) if m]
    assert len(manifests) == 1
    n_layers = len(manifests[0]["layers"])
    assert len(blobs) == n_layers + 2
    assert len(layers) == n_layers
