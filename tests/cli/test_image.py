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
