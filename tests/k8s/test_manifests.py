"""The Kubernetes manifests as an operator gets them: `kubectl kustomize` renders every overlay, every object
validates against the Kubernetes schemas (offline, `kubernetes-validate`), and the rendered YAML keeps the policy —
probes, requests and limits, non-root, read-only root, pinned images, a NetworkPolicy per workload that lets only
the gateway reach the services, an HPA and a PDB per Deployment, migrations before rollout, and the production
settings satisfied by Secret references."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.kernel.settings import DATABASE_NAMES, SERVICE_NAMES, Settings

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = sorted(p.name for p in (ROOT / "k8s" / "overlays").iterdir() if p.is_dir())
KUBECTL = shutil.which("kubectl")
# The oldest Kubernetes the manifests promise to run on (gRPC probes are GA since 1.27), and the newest schemas.
SCHEMA_VERSIONS = ("1.30.0", "1.37.0")
WORKLOADS = ("Deployment", "StatefulSet", "Job")

needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (with kustomize) is not installed here")

Doc = dict[str, Any]


@cache
def render(overlay: str) -> tuple[Doc, ...]:
    out = subprocess.run(
        [KUBECTL or "kubectl", "kustomize", str(ROOT / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, f"kubectl kustomize {overlay} failed:\n{out.stderr}"
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


def of_kind(docs: tuple[Doc, ...], *kinds: str) -> list[Doc]:
    return [d for d in docs if d["kind"] in kinds]


def pod_spec(workload: Doc) -> Doc:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: Doc) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def containers(workload: Doc) -> list[Doc]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()) and not selector.get(
        "matchExpressions"
    )


def policies_for(docs: tuple[Doc, ...], labels: dict[str, str]) -> list[Doc]:
    return [p for p in of_kind(docs, "NetworkPolicy") if selects(p["spec"]["podSelector"], labels)]


def config_data(docs: tuple[Doc, ...]) -> dict[str, str]:
    (config,) = [c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"] == "bst-config"]
    return config["data"]


def deployment(docs: tuple[Doc, ...], name: str) -> Doc:
    (found,) = [d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == name]
    return found


# -- rendering and the schemas ------------------------------------------------------------------------------------


def test_there_is_a_dev_and_a_prod_overlay():
    assert {"dev", "prod"} <= set(OVERLAYS)


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_every_rendered_object_validates_against_the_kubernetes_schemas(overlay, version):
    import kubernetes_validate

    failures = []
    for doc in render(overlay):
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            failures.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message}")
    assert not failures, "\n".join(failures)


def test_the_validator_rejects_what_kubernetes_would():
    import kubernetes_validate

    broken = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "three", "selector": {}, "template": {}, "surprise": 1},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, SCHEMA_VERSIONS[0], strict=True)


# -- what every workload keeps --------------------------------------------------------------------------------------


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_non_root_read_only_limited_and_pinned(overlay):
    docs = render(overlay)
    workloads = of_kind(docs, *WORKLOADS)
    assert len(of_kind(docs, "Deployment")) == 5
    for workload in workloads:
        spec = pod_spec(workload)
        where = f"{overlay} {workload['kind']}/{workload['metadata']['name']}"
        assert spec.get("automountServiceAccountToken") is False, where
        pod_sc = spec.get("securityContext", {})
        for c in containers(workload):
            sc = c.get("securityContext", {})
            at = f"{where} container {c['name']}"
            assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, at
            assert sc.get("runAsUser", pod_sc.get("runAsUser", 1)) != 0, at
            assert sc.get("readOnlyRootFilesystem") is True, at
            assert sc.get("allowPrivilegeEscalation") is False, at
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], at
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c.get("resources", {}).get(kind, {})), f"{at}: {kind}"
            image = c["image"]
            name, _, tag = image.rpartition(":") if "@" not in image else (image, "", "digest")
            assert name and tag and tag != "latest" and "/" not in tag, f"{at}: image {image} is not pinned"


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_platform_runs_one_image_and_one_process_per_container(overlay):
    docs = render(overlay)
    images = {
        c["image"]
        for w in of_kind(docs, *WORKLOADS)
        if w["metadata"]["labels"].get("app.kubernetes.io/component") != "datastore"
        for c in containers(w)
    }
    assert len(images) == 1, images
    for name in DATABASE_NAMES:
        main = deployment(docs, name)["spec"]["template"]["spec"]["containers"]
        assert [c["args"] for c in main] == [["serve", name]]


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_health_and_a_grace_period_that_covers_the_drain(overlay):
    docs = render(overlay)
    drain = float(config_data(docs).get("BST_SHUTDOWN_GRACE_SECONDS", Settings().shutdown_grace_seconds))
    for workload in of_kind(docs, "Deployment", "StatefulSet"):
        for c in pod_spec(workload)["containers"]:
            at = f"{overlay} {workload['metadata']['name']}"
            assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(c), at
    gateway = deployment(docs, "gateway")["spec"]["template"]["spec"]["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for name in SERVICE_NAMES:
        spec = deployment(docs, name)["spec"]["template"]["spec"]
        (c,) = spec["containers"]
        port = c["ports"][0]["containerPort"]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert c[probe]["grpc"]["port"] == port, f"{name} {probe}"
        assert (
            c["livenessProbe"]["grpc"]["service"] == "bst.liveness"
        )  # alive even while the database is down
        env = {e["name"]: e.get("value") for e in c["env"]}
        assert env["BST_LISTEN_ADDR"].endswith(f":{port}")
    for name in DATABASE_NAMES:
        spec = deployment(docs, name)["spec"]["template"]["spec"]
        (c,) = spec["containers"]
        pre_stop = int(c["lifecycle"]["preStop"]["exec"]["command"][-1])
        assert spec["terminationGracePeriodSeconds"] >= pre_stop + drain + 5, name  # + closing the runtime


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_has_an_autoscaler_and_a_disruption_budget(overlay):
    docs = render(overlay)
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")}
    pdbs = of_kind(docs, "PodDisruptionBudget")
    for workload in of_kind(docs, "Deployment"):
        name = workload["metadata"]["name"]
        assert name in hpas and hpas[name]["spec"]["scaleTargetRef"]["kind"] == "Deployment", name
        assert "replicas" not in workload["spec"], f"{name}: the HPA owns the count"
        assert [p for p in pdbs if selects(p["spec"]["selector"], pod_labels(workload))], name
    minimum = {h["spec"]["minReplicas"] for h in hpas.values()}
    maximum = {h["spec"]["maxReplicas"] for h in hpas.values()}
    if overlay == "dev":
        assert minimum == {1} and maximum == {1}
    if overlay == "prod":
        assert minimum == {3} and min(maximum) > 3


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_accounts_mount_no_token(overlay):
    docs = render(overlay)
    accounts = {s["metadata"]["name"]: s for s in of_kind(docs, "ServiceAccount")}
    for account in accounts.values():
        assert account["automountServiceAccountToken"] is False
    for workload in of_kind(docs, "Deployment"):
        assert pod_spec(workload)["serviceAccountName"] in accounts


# -- the network ----------------------------------------------------------------------------------------------------


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_default_deny_and_a_network_policy_per_workload(overlay):
    docs = render(overlay)
    deny = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert deny, "no default-deny policy"
    for workload in of_kind(docs, *WORKLOADS):
        labels = pod_labels(workload)
        own = [
            p
            for p in policies_for(docs, labels)
            if p["spec"]["podSelector"].get("matchLabels", {}).keys() - {"app.kubernetes.io/part-of"}
        ]
        assert own, (
            f"{overlay}: no NetworkPolicy of its own for {workload['kind']}/{workload['metadata']['name']}"
        )


def ingress_peers(docs, labels) -> list[Doc | None]:
    """Every `from` peer allowed into pods with these labels; None means "from anywhere"."""
    peers: list[Doc | None] = []
    for policy in policies_for(docs, labels):
        for rule in policy["spec"].get("ingress", []):
            peers.extend(rule.get("from") or [None])
    return peers


def egress_rules(docs, labels) -> list[Doc]:
    return [
        rule
        for policy in policies_for(docs, labels)
        if "Egress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("egress", [])
    ]


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_reaches_the_services_and_they_reach_only_data_dns_and_the_jwks(overlay):
    docs = render(overlay)
    gateway_labels = pod_labels(deployment(docs, "gateway"))
    for name in SERVICE_NAMES:
        labels = pod_labels(deployment(docs, name))
        peers = ingress_peers(docs, labels)
        assert peers, name
        for peer in peers:
            assert peer is not None and set(peer) == {"podSelector"}, f"{name}: ingress from {peer}"
            assert selects(peer["podSelector"], gateway_labels), f"{name}: ingress from {peer}"
        for rule in egress_rules(docs, labels):
            ports = {p["port"] for p in rule.get("ports", [])}
            assert ports, f"{name}: egress to every port"
            for peer in rule.get("to") or [None]:
                if ports <= {5432, 6379}:
                    continue  # PostgreSQL and Redis
                if ports == {53}:
                    assert peer and peer["namespaceSelector"]["matchLabels"] == {
                        "kubernetes.io/metadata.name": "kube-system"
                    }
                    continue
                assert ports == {8000} and peer and selects(peer["podSelector"], gateway_labels), (
                    f"{name}: egress to {peer} on {ports}"
                )
    # the gateway reaches each service's port
    allowed = {
        p["port"]
        for rule in egress_rules(docs, gateway_labels)
        for peer in rule.get("to", [])
        if "podSelector" in peer
        and peer["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == "service"
        for p in rule["ports"]
    }
    ports = {deployment(docs, n)["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
             for n in SERVICE_NAMES}  # fmt: skip
    assert ports <= allowed


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_are_headless_and_the_gateway_finds_them_by_dns(overlay):
    docs = render(overlay)
    config = config_data(docs)
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    for name in SERVICE_NAMES:
        service = services[name]
        assert service["spec"]["clusterIP"] == "None", name
        port = service["spec"]["ports"][0]["port"]
        assert config[f"BST_{name.upper()}_ADDR"] == f"dns:///{name}:{port}"
    assert config["BST_JWKS_URL"].startswith(
        f"http://gateway:{services['gateway']['spec']['ports'][0]['port']}/"
    )


# -- configuration, secrets, migrations -----------------------------------------------------------------------------


def pod_environment(docs, container: Doc) -> dict[str, str]:
    """The environment the container starts with; a Secret reference stands for a value the operator provides."""
    env = {}
    for source in container.get("envFrom", []):
        assert "configMapRef" in source, (
            "secrets come by key (secretKeyRef), so that a missing one fails clearly"
        )
        env.update(config_data(docs))
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in item["valueFrom"] and not item["valueFrom"]["secretKeyRef"].get("optional"):
            env[item["name"]] = {
                "BST_REDIS_URL": "redis://redis.example:6379/0",
                "BST_SECRET_KEY": "s" * 48,
            }.get(item["name"], "postgresql+asyncpg://bst@pg.example:5432/db")
    return env


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_production_settings_are_satisfied_by_secret_references_and_no_secret_is_committed(
    overlay, monkeypatch
):
    docs = render(overlay)
    assert not of_kind(docs, "Secret"), "secret values must not be in the repository"
    for workload in of_kind(docs, "Deployment", "Job"):
        for c in containers(workload):
            env = pod_environment(docs, c)
            assert env["BST_ENV"] == "production"
            for key in [k for k in os.environ if k.startswith("BST_")]:
                monkeypatch.delenv(key)
            for key, value in env.items():
                monkeypatch.setenv(key, value)
            settings = Settings()  # raises when production lacks a database, Redis or the secret key
            assert settings.env == "production"


@needs_kubectl
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_as_jobs_and_hold_the_rollout(overlay):
    docs = render(overlay)
    jobs = {j["metadata"]["name"]: j for j in of_kind(docs, "Job")}
    for name in DATABASE_NAMES:
        (c,) = pod_spec(jobs[f"migrate-{name}"])["containers"]
        assert c["args"] == ["schema", "apply", name]
        waits = [i["args"][:3] for i in pod_spec(deployment(docs, name)).get("initContainers", [])]
        assert waits == [["schema", "wait", name]], f"{name}: new pods must wait for their schema"


# -- the overlays' own points --------------------------------------------------------------------------------------


@needs_kubectl
def test_dev_runs_postgres_and_redis_in_the_cluster():
    docs = render("dev")
    assert {s["metadata"]["name"] for s in of_kind(docs, "StatefulSet")} == {"postgres", "redis"}


@needs_kubectl
def test_prod_spreads_over_zones_terminates_tls_and_keeps_data_outside():
    docs = render("prod")
    assert not of_kind(docs, "StatefulSet")
    for workload in of_kind(docs, "Deployment"):
        keys = {t["topologyKey"] for t in pod_spec(workload).get("topologySpreadConstraints", [])}
        assert "topology.kubernetes.io/zone" in keys, workload["metadata"]["name"]
    (ingress,) = of_kind(docs, "Ingress")
    hosts = {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    assert hosts and all(t.get("secretName") for t in ingress["spec"]["tls"])
    for rule in ingress["spec"]["rules"]:
        assert rule["host"] in hosts
        for path in rule["http"]["paths"]:
            assert path["backend"]["service"]["name"] == "gateway"
    assert config_data(docs)["BST_PUBLIC_URL"].startswith("https://")
    egress = next(p for p in of_kind(docs, "NetworkPolicy") if p["metadata"]["name"] == "platform-egress")
    for rule in egress["spec"]["egress"]:
        if {p["port"] for p in rule["ports"]} & {5432, 6379}:
            assert all("ipBlock" in peer for peer in rule["to"]), "managed PostgreSQL and Redis by address"


# -- the image ------------------------------------------------------------------------------------------------------


def test_the_dockerfile_is_multi_stage_pinned_non_root_and_runs_bst():
    text = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    froms = [line for line in lines if line.upper().startswith("FROM ")]
    assert len(froms) >= 2, "multi-stage"
    base = next(line.split("=", 1)[1] for line in lines if line.startswith("ARG PYTHON_IMAGE="))
    assert "slim" in base and base.split(":")[1][:4].replace(".", "").isdigit() and "latest" not in base
    final = text[text.rindex("\nFROM ") :]
    assert "build-essential" not in final and "pip install" not in final
    assert "COPY --from=build /opt/venv" in final
    user = next(line.split()[1] for line in reversed(lines) if line.startswith("USER "))
    assert user.split(":")[0] not in ("0", "root")
    assert '["bst"]' in next(line for line in lines if line.startswith("ENTRYPOINT"))
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "tests"} <= set(ignored)
