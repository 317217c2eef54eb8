"""`cubelet server` as an API: authentication, watch fan-out, resumed watches, durability.

The acceptance tests of the API server that need no kubectl: 100 concurrent watchers each see
every event of 1000 pod creations in order; a watch resumed from an old resourceVersion
replays or gets 410; a server killed with SIGKILL in a burst of writes keeps every write it
acknowledged. Pods are bound to a node that does not exist, so nothing runs them.
"""
import base64
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import pytest
import yaml


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """A minimal HTTPS client of the server, configured from its kubeconfig."""

    def __init__(self, kubeconfig):
        with open(kubeconfig) as f:
            cfg = yaml.safe_load(f)
        cluster = cfg["clusters"][0]["cluster"]
        self.token = cfg["users"][0]["user"]["token"]
        host, port = cluster["server"].removeprefix("https://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        self.ctx = ssl.create_default_context(cadata=ca)

    def conn(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def request(self, method, path, body=None, token=True, content_type="application/json"):
        c = self.conn()
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = "Bearer " + self.token
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data) if data else None


class Server:
    def __init__(self, binary, data_dir):
        self.binary, self.data_dir = binary, data_dir
        self.port = _free_port()
        self.proc = None

    def start(self):
        kubeconfig = os.path.join(self.data_dir, "kubeconfig.yaml")
        if os.path.exists(kubeconfig):
            os.unlink(kubeconfig)
        self.log = open(os.path.join(self.data_dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "server", "--data-dir", self.data_dir, "--port", str(self.port),
             "--pod-manifest-path", os.path.join(self.data_dir, "manifests"),
             "--node-name", "api-test"],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while not os.path.exists(kubeconfig):
            assert self.proc.poll() is None, open(self.log.name).read()[-3000:]
            assert time.time() < deadline, "no kubeconfig after 60 s"
            time.sleep(0.05)
        self.api = Api(kubeconfig)
        return self.api

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)
        self.log.close()


@pytest.fixture
def server(cubelet):
    from conftest import _binary  # the same binary the other CLI tests run
    with tempfile.TemporaryDirectory(prefix="cubelet-api-") as d:
        os.makedirs(os.path.join(d, "manifests"))
        s = Server(_binary(), d)
        s.start()
        try:
            yield s
        finally:
            s.stop()
            # The server leaves pods to their supervisors; this one ran none.
            subprocess.run([_binary(), "runtime", "rmp", "-a", "--data-dir", d],
                           capture_output=True, timeout=120)


def _pod(name):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": "elsewhere",
                     "containers": [{"name": "c", "image": "busybox"}]}}


def test_requests_without_the_token_are_refused(server):
    status, body = server.api.request("GET", "/api/v1/namespaces/default/pods", token=False)
    assert status == 401
    assert body["reason"] == "Unauthorized"
    status, body = server.api.request("GET", "/api/v1/namespaces/default/pods")
    assert status == 200
    assert body["kind"] == "PodList"
    mode = os.stat(os.path.join(server.data_dir, "kubeconfig.yaml")).st_mode & 0o777
    assert mode == 0o600


def _watch(api, path, events, ready, stop_after):
    c = api.conn(timeout=120)
    c.request("GET", path, headers={"Authorization": "Bearer " + api.token})
    r = c.getresponse()
    assert r.status == 200
    ready.release()
    while len(events) < stop_after:
        line = r.readline()
        if not line:
            break
        events.append(json.loads(line))
    c.close()


def test_100_watchers_see_every_event_of_1000_creations_in_order(server):
    api = server.api
    status, body = api.request("GET", "/api/v1/namespaces/default/pods")
    rv = body["metadata"]["resourceVersion"]
    watchers, threads = [], []
    ready = threading.Semaphore(0)
    for _ in range(100):
        events = []
        watchers.append(events)
        t = threading.Thread(target=_watch, args=(
            api, f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}", events,
            ready, 1000), daemon=True)
        t.start()
        threads.append(t)
    for _ in range(100):
        assert ready.acquire(timeout=60)
    created = []
    conn = api.conn()
    for i in range(1000):
        conn.request("POST", "/api/v1/namespaces/default/pods", body=json.dumps(_pod(f"p{i}")),
                     headers={"Authorization": "Bearer " + api.token,
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        obj = json.loads(r.read())
        assert r.status == 201, obj
        created.append((obj["metadata"]["name"], obj["metadata"]["resourceVersion"]))
    conn.close()
    for t in threads:
        t.join(timeout=180)
    for events in watchers:
        got = [(e["object"]["metadata"]["name"], e["object"]["metadata"]["resourceVersion"])
               for e in events]
        assert [e["type"] for e in events] == ["ADDED"] * 1000
        assert got == created


def test_a_watch_resumed_from_an_old_revision_replays_or_gets_410(server):
    api = server.api
    _, body = api.request("GET", "/api/v1/namespaces/default/configmaps")
    start = body["metadata"]["resourceVersion"]
    for i in range(5):
        status, _ = api.request("POST", "/api/v1/namespaces/default/configmaps",
                                {"metadata": {"name": f"c{i}"}, "data": {"i": str(i)}})
        assert status == 201
    # Within the history: exactly the five creations, replayed in order.
    events, ready = [], threading.Semaphore(0)
    _watch(api, f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={start}",
           events, ready, 5)
    assert [e["object"]["metadata"]["name"] for e in events] == [f"c{i}" for i in range(5)]
    # After a restart the history holds only what came since: the same watch is told 410, and
    # client-go would list again.
    server.stop()
    api = server.start()
    c = api.conn()
    c.request("GET", f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={start}",
              headers={"Authorization": "Bearer " + api.token})
    r = c.getresponse()
    assert r.status == 200
    event = json.loads(r.readline())
    c.close()
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410
    assert event["object"]["reason"] == "Expired"


def test_sigkill_during_a_burst_loses_no_acknowledged_write(server):
    api = server.api
    acknowledged = []
    errors = []

    def writer():
        conn = api.conn(timeout=10)
        for i in range(100000):
            try:
                conn.request("POST", "/api/v1/namespaces/default/configmaps",
                             body=json.dumps({"metadata": {"name": f"burst-{i}"}}),
                             headers={"Authorization": "Bearer " + api.token,
                                      "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
            except (OSError, http.client.HTTPException) as e:
                errors.append(e)
                return
            if r.status == 201:
                acknowledged.append(f"burst-{i}")

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    deadline = time.time() + 60
    while len(acknowledged) < 300 and time.time() < deadline:
        time.sleep(0.01)
    server.proc.kill()  # SIGKILL, mid-burst
    server.proc.wait(timeout=30)
    t.join(timeout=30)
    assert len(acknowledged) >= 300
    server.start()
    status, body = server.api.request("GET", "/api/v1/namespaces/default/configmaps")
    assert status == 200
    stored = {item["metadata"]["name"] for item in body["items"]}
    missing = [name for name in acknowledged if name not in stored]
    assert missing == []
