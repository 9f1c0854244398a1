"""redact(): secrets out, everything else exactly as it was."""

from __future__ import annotations

import pytest

from agents.llm.redaction import REDACTED, redact

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLWJ5dGVz"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM2Wnbq4zV7wVD0P3Qv5yXo1uHc2Pa\n"
    "x9XnKyYg1lqzKJz3Vb0Iu2h4tNwmsKe4Z1F2eUo8AmkpBn8dQx3e9s1o2S4r5Yt6\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Authorization headers and bearer tokens: the scheme stays, the credential goes.
        ("Authorization: Bearer abc123.def-456_ghi", "Authorization: Bearer [REDACTED]"),
        ("authorization=Basic dXNlcjpodW50ZXIy", "authorization=Basic [REDACTED]"),
        ('-H "Authorization: token ghs_16C7e42F292c6912E7710c838347Ae178B4a"', '-H "Authorization: token [REDACTED]"'),
        ("Proxy-Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Proxy-Authorization: Basic [REDACTED]"),
        ("curl sent bearer 9f8e7d6c5b4a3f2e1d0c", "curl sent bearer [REDACTED]"),
        # Assignments to secret-named keys, in every syntax the cluster prints.
        ("password=hunter2", "password=[REDACTED]"),
        ("DB_PASSWORD: s3cr3t-value", "DB_PASSWORD: [REDACTED]"),
        ("      MONGO_PASS:   rootpw", "      MONGO_PASS:   [REDACTED]"),
        ('{"password": "p@ss \\" word", "user": "admin"}', '{"password": "[REDACTED]", "user": "admin"}'),
        ("passwd='letmein' host=db", "passwd='[REDACTED]' host=db"),
        ("client_secret = xyz987abc", "client_secret = [REDACTED]"),
        ("GITHUB_TOKEN=ghx-not-a-known-format", "GITHUB_TOKEN=[REDACTED]"),
        ("refreshToken: 1/fFAGRNJru1FTz70BzhT3Zg", "refreshToken: [REDACTED]"),
        ("api_key=AbC123xYz&page=2", "api_key=[REDACTED]&page=2"),
        ("X-Api-Key: 0123456789", "X-Api-Key: [REDACTED]"),
        ("apiKey: 'k-42'", "apiKey: '[REDACTED]'"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [REDACTED]"),
        ("Server=db;User Id=sa;Password=Pa55w0rd;", "Server=db;User Id=sa;Password=[REDACTED];"),
        ("start --db-password hunter2 --port 27017", "start --db-password [REDACTED] --port 27017"),
        ("args: --token=abcd1234", "args: --token=[REDACTED]"),
        # Kubernetes env entries whose name says they hold a secret.
        (
            "- name: MONGO_INITDB_ROOT_PASSWORD\n  value: example123",
            "- name: MONGO_INITDB_ROOT_PASSWORD\n  value: [REDACTED]",
        ),
        ('{"name": "API_TOKEN", "value": "tok_live_42"}', '{"name": "API_TOKEN", "value": "[REDACTED]"}'),
        # Credentials in URLs: the user and host stay.
        ("mongodb://admin:Secr3t@mongo-geo:27017/geo-db", "mongodb://admin:[REDACTED]@mongo-geo:27017/geo-db"),
        ("redis://:p4ss@redis:6379/0", "redis://:[REDACTED]@redis:6379/0"),
        (
            "fetch https://x-access-token:abc@github.com/o/r.git",
            "fetch https://x-access-token:[REDACTED]@github.com/o/r.git",
        ),
        # Well-known token formats, anywhere.
        ("key id AKIAIOSFODNN7EXAMPLE in use", f"key id {REDACTED} in use"),
        ("temporary ASIAY34FZKBOKMUTVV7A", f"temporary {REDACTED}"),
        (f"token: {JWT}", "token: [REDACTED]"),
        (f"sa token {JWT} mounted", f"sa token {REDACTED} mounted"),
        ("clone with ghp_16C7e42F292c6912E7710c838347Ae178B4a", f"clone with {REDACTED}"),
        ("slack xoxb-123456789012-abcdefghij", f"slack {REDACTED}"),
        ("use sk-proj-4f9KqLm2Nx8RtYv0Wz3Bc6Df1Gh5Jk7P", f"use {REDACTED}"),
        ("glpat-xxxxxxxxxxxxxxxxxxxx leaked", f"{REDACTED} leaked"),
        ("maps key AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", f"maps key {REDACTED}"),
        # PEM private keys, whole blocks and truncated ones.
        (
            f"key.pem:\n{PEM}\nend",
            "key.pem:\n-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----\nend",
        ),
        ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq", "-----BEGIN PRIVATE KEY-----[REDACTED]"),
        # Long random values after key-like names.
        ("tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==", "tls.key: [REDACTED]"),
        (
            "X-Hub-Signature 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "X-Hub-Signature [REDACTED]",
        ),
        ("session=Q2FmZUJhYmUxMjM0NTY3ODkwYWJjZGVm", "session=[REDACTED]"),
    ],
)
def test_secrets_are_redacted_and_their_labels_kept(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "geo-ftjftqlhd-x2k9p   1/1   Running   0   3d",
        "Image ID: docker.io/library/mongo@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "imageID: docker-pullable://gcr.io/google-samples/hotel@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "uid: 3f2a6c1e-8b4d-4e2a-9c7f-1a2b3c4d5e6f",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "max_tokens: 256, prompt_tokens: 35, completion_tokens: 12",
        "secretName: mongodb-geo-tls",
        "      - secret:\n          secretName: tls-certs",
        "    env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef:\n"
        "          name: db\n          key: password",
        "      DB_PASSWORD:  <set to the key 'password' in secret 'mongo-geo'>  Optional: false",
        "password: ${DB_PASSWORD}",
        "token: $(cat /var/run/secrets/token)",
        "automountServiceAccountToken: false",
        "password: ''",
        "rpc error: code = Unknown desc = Payment request failed. Invalid token. app.loyalty.level=gold",
        "bypass: 1",
        "Use a Bearer token for authentication",
        "authorization: denied for user",
        "kubectl get secret mongo-geo -n test-hotel-reservation -o yaml",
        "pod-template-hash=7d9c8b6f5 controller-revision-hash=6d4cf56db6",
        "http://frontend:5000/hotels?inDate=2015-04-09 (GET) 200 3ms",
        "mongo admin -u admin -p admin --authenticationDatabase admin",
        "publicKey: AAAAB3NzaC1yc2EAAAADAQABAAABAQC7Vm2k5s9",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        'Normal  Pulled  2m  kubelet  Successfully pulled image "yinfangchen/geo:app3" in 1.2s',
    ],
)
def test_ordinary_cluster_text_is_left_exactly_as_it_was(text):
    assert redact(text) == text


def test_a_mixed_log_keeps_everything_but_the_secrets():
    log = (
        "10:02:11Z INFO connecting to mongodb://geo:g30-pw@mongodb-geo:27017 as pod geo-ftjftqlhd-x2k9p\n"
        "2025-04-24T10:02:12Z DEBUG headers={'Authorization': 'Bearer 1a2b3c4d5e6f7a8b', 'X-Request-Id': "
        "'3f2a6c1e-8b4d-4e2a-9c7f-1a2b3c4d5e6f'}\n"
        "2025-04-24T10:02:13Z ERROR auth failed: password=wrong-one user=geo\n"
    )

    assert redact(log) == (
        "10:02:11Z INFO connecting to mongodb://geo:[REDACTED]@mongodb-geo:27017 as pod geo-ftjftqlhd-x2k9p\n"
        "2025-04-24T10:02:12Z DEBUG headers={'Authorization': 'Bearer [REDACTED]', 'X-Request-Id': "
        "'3f2a6c1e-8b4d-4e2a-9c7f-1a2b3c4d5e6f'}\n"
        "2025-04-24T10:02:13Z ERROR auth failed: password=[REDACTED] user=geo\n"
    )


def test_redacting_twice_changes_nothing_more():
    text = f"password=hunter2 {JWT} mongodb://a:b@h Authorization: Bearer abcdef123456\n{PEM}"
    once = redact(text)

    assert redact(once) == once
    assert "hunter2" not in once
    assert "abcdef123456" not in once
    assert "MIIE" not in once


def test_empty_text_is_empty():
    assert redact("") == ""


def test_what_the_simulated_clusters_show_passes_unchanged() -> None:
    # The MongoDB problems' scripts carry `-p admin` and ADMIN_PWD, which mitigations need: left alone.
    from agents.sim.calls import turn_run
    from agents.sim.episode import episode_start
    from agents.sim.problems import problem_list

    reads = (
        "kubectl get configmaps,secrets -n {ns} -o yaml",
        "kubectl describe pods -n {ns}",
        "kubectl get events -n {ns}",
    )
    outputs, with_mongo_scripts = 0, 0
    for problem in problem_list():
        episode = episode_start(problem, seed=0, leaks=True)
        env = episode.environment(read_only=True)
        for read in reads:
            output = turn_run(f'exec_shell("{read.format(ns=problem.namespace)}")', env=env, episode=episode)
            assert isinstance(output, str)
            assert redact(output) == output
            outputs += 1
            with_mongo_scripts += 'ADMIN_PWD="admin"' in output

    assert outputs == 86 * 3
    assert with_mongo_scripts > 0
