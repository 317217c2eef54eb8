"""`cubelet validate`: the offline check of manifests, driven as a user runs it."""
import json
import re

import yaml  # python3-yaml (scripts/install-deps.sh)


def test_examples_are_valid(cubelet):
    r = cubelet("validate", "-f", "examples/")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.splitlines() == [
        "pod/myapp-pod valid",
        "service/mydb valid",
        "service/myservice valid",
        "deployment/nginx-deployment valid",
        "pod/pod-demo2 valid",
        "pod/pod-test1 valid",
        "pod/pod-test1 valid",
        "pod/static-web valid",
    ]


def test_invalid_pod_reports_all_four_errors_with_lines(cubelet):
    r = cubelet("validate", "-f", "tests/cli/testdata/invalid-pod.yaml")
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    path = "tests/cli/testdata/invalid-pod.yaml"
    assert f'{path}:17: unknown field "spec.containers[0].comand"' in lines
    assert (f'{path}:16: spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": '
            'supported values: "Always", "IfNotPresent", "Never"') in lines
    # Kubernetes checks init container names against the app containers' names.
    assert f'{path}:7: spec.initContainers[0].name: Duplicate value: "init"' in lines
    assert (f"{path}:10: spec.initContainers[0].readinessProbe: Forbidden: may not be set for "
            "init containers without restartPolicy=Always") in lines
    assert len(lines) == 4, r.stderr


def test_defaulted_deployment_shows_the_seed_template(cubelet):
    r = cubelet("validate", "-f", "examples/nginx-deployment.yaml", "-o", "yaml")
    assert r.returncode == 0, r.stderr
    obj = yaml.safe_load(r.stdout)
    spec = obj["spec"]["template"]["spec"]
    container = spec["containers"][0]
    assert container["image"] == "nginx:1.15.4"
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert obj["spec"]["strategy"] == {"type": "RollingUpdate",
                                       "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert obj["metadata"]["namespace"] == "default"
    # kubectl prints unset timestamps as null.
    assert "  creationTimestamp: null\n" in r.stdout


def test_pull_policy_defaults_by_tag(cubelet):
    r = cubelet("validate", "-f", "examples/pod-demo2.yaml", "-f", "examples/myapp-pod.yaml",
                "-o", "json")
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert listed["kind"] == "List"
    demo, myapp = listed["items"]
    assert demo["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"  # given
    assert [c["imagePullPolicy"] for c in myapp["spec"]["initContainers"]] == ["IfNotPresent"] * 2


def test_stdin_and_namespace(cubelet):
    manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n"
    r = cubelet("validate", "-f", "-", "-n", "team", "-o", "json", stdin=manifest)
    assert r.returncode == 0, r.stderr
    pod = json.loads(r.stdout)
    assert pod["metadata"]["namespace"] == "team"
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "Always"  # no tag


def test_yaml_syntax_error_names_file_and_line(cubelet):
    r = cubelet("validate", "-f", "-", stdin="apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n")
    assert r.returncode == 1
    assert re.match(r"^STDIN:\d+: yaml: ", r.stderr), r.stderr


def test_output_round_trips_through_validate(cubelet, tmp_path):
    first = cubelet("validate", "-f", "examples/", "-o", "yaml")
    assert first.returncode == 0, first.stderr
    out = tmp_path / "all.yaml"
    out.write_text(first.stdout)
    second = cubelet("validate", "-f", str(out), "-o", "yaml")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_version(cubelet):
    r = cubelet("version")
    assert r.returncode == 0
    assert r.stdout.startswith("cubelet v")
