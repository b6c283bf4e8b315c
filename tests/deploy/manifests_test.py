#!/usr/bin/python3
"""deploy/ is consistent and valid, without a Docker engine or a cluster:

  * Kubernetes (base and the CUDA overlay): each document's kind and
    apiVersion, the StatefulSet's selector, Service, named ports, probes
    (gRPC health via simclrctl), Secrets, PVC mount and grace period, the
    ServiceMonitor's port, the GPU request; `kubectl kustomize` when
    kubectl is installed;
  * docker-compose.yml: its services, ports, and that every file it mounts
    exists; the Dockerfile: multi-stage on Debian 12, non-root, ports,
    volume, and every runtime package known to apt;
  * Grafana provisioning: the datasource uid the dashboard's panels use;
  * systemd: `systemd-analyze verify` prints nothing, and the unit keeps
    the hardening and a stop timeout above simclrd's grace.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")
KINDS = {"Secret": "v1", "Service": "v1", "StatefulSet": "apps/v1",
         "ServiceMonitor": "monitoring.coreos.com/v1"}


def read(*parts):
    with open(os.path.join(*parts)) as f:
        return f.read()


def load(*parts):
    return yaml.safe_load(read(*parts))


def documents(path):
    return [d for d in yaml.safe_load_all(read(path)) if d]


def flag(args, name):
    for a in args:
        if a.startswith("--%s=" % name):
            return a.split("=", 1)[1]
    return None


class KubernetesTest(unittest.TestCase):
    def setUp(self):
        base = os.path.join(DEPLOY, "k8s", "base")
        kustomization = load(base, "kustomization.yaml")
        self.docs = [d for r in kustomization["resources"]
                     for d in documents(os.path.join(base, r))]
        self.by_kind = {}
        for d in self.docs:
            self.by_kind.setdefault(d["kind"], []).append(d)

    def test_every_document_is_a_known_kind_with_a_name(self):
        for d in self.docs:
            self.assertIn(d["kind"], KINDS)
            self.assertEqual(d["apiVersion"], KINDS[d["kind"]], d["kind"])
            self.assertTrue(d["metadata"]["name"])
        self.assertEqual(sorted(self.by_kind), sorted(KINDS))

    def test_statefulset_service_ports_probes_and_storage_fit_together(self):
        sts = self.by_kind["StatefulSet"][0]
        service = self.by_kind["Service"][0]
        pod = sts["spec"]["template"]
        self.assertEqual(sts["spec"]["serviceName"], service["metadata"]["name"])
        labels = pod["metadata"]["labels"]
        for k, v in sts["spec"]["selector"]["matchLabels"].items():
            self.assertEqual(labels.get(k), v)
        for k, v in service["spec"]["selector"].items():
            self.assertEqual(labels.get(k), v)
        container = pod["spec"]["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        args = container["args"]
        self.assertEqual(ports["grpc"], int(flag(args, "port")))
        self.assertEqual(ports["metrics"], int(flag(args, "metrics_port")))
        for p in service["spec"]["ports"]:
            self.assertIn(p["targetPort"], ports)
        monitor = self.by_kind["ServiceMonitor"][0]
        self.assertIn(monitor["spec"]["endpoints"][0]["port"],
                      [p["name"] for p in service["spec"]["ports"]])
        for probe in ("readinessProbe", "livenessProbe"):
            command = container[probe]["exec"]["command"]
            self.assertEqual(command[-1], "health", probe)
            self.assertIn("localhost:%d" % ports["grpc"], command)
        # --data_dir on the claim; every mount has a volume; secrets exist.
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        claims = [c["metadata"]["name"] for c in sts["spec"]["volumeClaimTemplates"]]
        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        self.assertEqual(mounts[claims[0]], flag(args, "data_dir"))
        for name in mounts:
            self.assertTrue(name in volumes or name in claims, name)
        secrets = {s["metadata"]["name"]: s for s in self.by_kind["Secret"]}
        for v in volumes.values():
            if "secret" in v:
                self.assertIn(v["secret"]["secretName"], secrets)
        for path_flag, key in (("auth_tokens_file", "tokens"), ("tls_cert", "tls.crt"),
                               ("tls_key", "tls.key")):
            path = flag(args, path_flag)
            mount = next(m for m in container["volumeMounts"]
                         if path.startswith(m["mountPath"] + "/"))
            secret = secrets[volumes[mount["name"]]["secret"]["secretName"]]
            self.assertIn(os.path.basename(path), secret["stringData"], path_flag)
        self.assertGreater(pod["spec"]["terminationGracePeriodSeconds"],
                           float(flag(args, "shutdown_grace_seconds")))
        self.assertTrue(pod["spec"]["securityContext"]["runAsNonRoot"])

    def test_cuda_overlay_asks_for_a_gpu_and_the_cuda_device(self):
        cuda = os.path.join(DEPLOY, "k8s", "cuda")
        kustomization = load(cuda, "kustomization.yaml")
        self.assertIn("../base", kustomization["resources"])
        patch = documents(os.path.join(cuda, kustomization["patches"][0]["path"]))[0]
        self.assertEqual(patch["metadata"]["name"],
                         self.by_kind["StatefulSet"][0]["metadata"]["name"])
        container = patch["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(flag(container["args"], "device"), "cuda")
        self.assertEqual(container["resources"]["limits"]["nvidia.com/gpu"], 1)

    @unittest.skipUnless(shutil.which("kubectl"), "kubectl not installed")
    def test_kustomize_builds_both_variants(self):
        for variant in ("base", "cuda"):
            out = subprocess.run(["kubectl", "kustomize", os.path.join(DEPLOY, "k8s", variant)],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            kinds = sorted(d["kind"] for d in yaml.safe_load_all(out.stdout) if d)
            self.assertEqual(kinds, sorted(["Secret", "Secret", "Service", "StatefulSet",
                                            "ServiceMonitor"]))


class ContainersTest(unittest.TestCase):
    def test_compose_services_and_their_files(self):
        compose = load(DEPLOY, "docker-compose.yml")
        services = compose["services"]
        self.assertEqual(sorted(services), ["grafana", "prometheus", "simclrd"])
        build = services["simclrd"]["build"]
        self.assertTrue(os.path.isfile(os.path.join(DEPLOY, build["context"], build["dockerfile"])))
        self.assertIn("50051:50051", services["simclrd"]["ports"])
        self.assertIn("9464:9464", services["simclrd"]["ports"])
        for service in services.values():
            for volume in service.get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("."):
                    self.assertTrue(os.path.exists(os.path.join(DEPLOY, source)), source)
                else:
                    self.assertIn(source, compose["volumes"])

    def test_dockerfile_is_multistage_debian_non_root(self):
        text = read(DEPLOY, "docker", "Dockerfile")
        stages = re.findall(r"^FROM (\S+)", text, re.M)
        self.assertEqual(stages, ["debian:12", "debian:12-slim"])
        user = re.findall(r"^USER (\S+)", text, re.M)
        self.assertTrue(user and user[-1] not in ("root", "0"))
        self.assertIn("EXPOSE 50051 9464", text)
        self.assertIn("VOLUME /var/lib/simclr", text)
        runtime = text.split("FROM debian:12-slim", 1)[1]
        install = re.search(r"apt-get install -y --no-install-recommends(.*?)&&", runtime, re.S)
        packages = install.group(1).replace("\\", " ").split()
        self.assertIn("libtorch1.13", packages)
        known = subprocess.run(["apt-cache", "show", "--no-all-versions"] + packages,
                               capture_output=True, text=True)
        self.assertEqual(known.returncode, 0, known.stderr)
        # Every library the binaries link (NEEDED) comes with those packages
        # or what they depend on: the runtime stage can start them.
        closure = subprocess.run(
            ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
             "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"] + packages,
            capture_output=True, text=True).stdout
        provided = {line.strip().split(":")[0] for line in closure.splitlines()
                    if not line.startswith(" ")}
        essential = {"libc6", "libgcc-s1", "libstdc++6"}
        for binary in sys.argv[1:4]:
            needed = re.findall(r"\(NEEDED\).*\[(.*)\]", subprocess.run(
                ["readelf", "-d", binary], capture_output=True, text=True).stdout)
            for soname in needed:
                path = subprocess.run(["bash", "-c", "ldconfig -p | awk '$1==\"%s\"{print $NF; exit}'"
                                       % soname], capture_output=True, text=True).stdout.strip()
                real = os.path.realpath(path)
                # Merged /usr: dpkg may know the file under /lib instead.
                owner = ""
                for candidate in (real, real.replace("/usr/lib/", "/lib/", 1)):
                    owner = owner or subprocess.run(["dpkg", "-S", candidate], capture_output=True,
                                                    text=True).stdout.split(":")[0]
                self.assertTrue(owner in provided or owner in essential,
                                "%s needs %s (package %s), not in the runtime stage"
                                % (binary, soname, owner))

    def test_grafana_datasource_is_the_one_the_dashboard_uses(self):
        import json
        sources = load(DEPLOY, "grafana", "provisioning", "datasources", "prometheus.yml")
        uids = {s["uid"] for s in sources["datasources"]}
        dashboard = json.loads(read(DEPLOY, "grafana", "dashboards", "simclrd.json"))
        for panel in dashboard["panels"]:
            self.assertIn(panel["datasource"]["uid"], uids, panel["title"])
        provider = load(DEPLOY, "grafana", "provisioning", "dashboards", "simclr.yml")
        compose = load(DEPLOY, "docker-compose.yml")
        mounts = [v.split(":")[1] for v in compose["services"]["grafana"]["volumes"]]
        self.assertIn(provider["providers"][0]["options"]["path"], mounts)


class SystemdTest(unittest.TestCase):
    UNIT = os.path.join(DEPLOY, "systemd", "simclrd.service")

    def test_unit_is_hardened_and_stops_after_the_servers_grace(self):
        text = read(self.UNIT)
        for line in ("DynamicUser=yes", "StateDirectory=simclr", "ProtectSystem=strict",
                     "NoNewPrivileges=yes", "Restart=on-failure", "KillSignal=SIGTERM"):
            self.assertIn(line, text)
        grace = float(re.search(r"--shutdown_grace_seconds=(\d+)", text).group(1))
        stop = float(re.search(r"^TimeoutStopSec=(\d+)", text, re.M).group(1))
        self.assertGreater(stop, grace)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze not installed")
    def test_systemd_analyze_verify_is_silent(self):
        simclrd, worker = sys.argv[1], sys.argv[2]  # absolute paths
        with tempfile.TemporaryDirectory() as tmp:
            unit = os.path.join(tmp, "simclrd.service")
            with open(unit, "w") as f:
                f.write(read(self.UNIT)
                        .replace("/usr/local/bin/simclrd", simclrd)
                        .replace("/usr/local/bin/simclr-worker", worker))
            out = subprocess.run(["systemd-analyze", "verify", unit],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout + out.stderr, "")


if __name__ == "__main__":
    # argv: simclrd simclr-worker simclrctl [unittest arguments]
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:])
