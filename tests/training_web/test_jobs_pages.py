"""The learning loop's pages and JSON API for jobs: who may read and act, what the pages show, the charts."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.conftest import SignedIn
from tests.factories import UserFactory
from training.models import Evaluation, JobStatus, ModelKind, ModelVersion, TrainingMetric, TrainingRun
from training.plots import reward_curves_svg
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db

SCHEMA_FILLER = {"backend": "schema-filler"}


def _with(username: str, *codenames: str) -> Any:
    user = UserFactory(username=username)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="training", codename__in=codenames))
    return user


@pytest.fixture
def ml_admin() -> Any:
    return _with("ml-admin", "start_trainingrun", "activate_modelversion", "start_evolverrun")


@pytest.fixture
def reader() -> Any:
    return _with("reader", "view_modelversion")


@pytest.fixture
def versions() -> tuple[ModelVersion, ModelVersion]:
    base = ModelVersion.objects.create(name="base:test", kind=ModelKind.BASE, base_model="m", serving=SCHEMA_FILLER)
    trained = ModelVersion.objects.create(
        name="observer-grpo-1", kind=ModelKind.CHECKPOINT, base_model="m", serving=SCHEMA_FILLER, parent=base
    )
    return base, trained


@pytest.fixture
def training_run(versions: tuple[ModelVersion, ModelVersion]) -> TrainingRun:
    run = TrainingRun.objects.create(
        base_version=versions[0], base_model="m", status=JobStatus.RUNNING, progress_total=4, progress_done=2
    )
    for step, reward in ((1, 0.5), (2, 1.25)):
        values = {"reward": reward, "rewards/format_reward/mean": reward / 2, "loss": 0.01 * step}
        TrainingMetric.objects.create(run=run, step=step, values=values)
    return run


def _evaluation(version: ModelVersion, avg: float) -> Evaluation:
    figures = {"problems": 2, "runs": 1, "avg@1": avg, "avg@1_": avg, "best@1": avg, "std_across_runs": 0.0}
    summary = {"all": figures, "detection": figures}
    return Evaluation.objects.create(
        version=version,
        split="test",
        runs=1,
        status=JobStatus.SUCCEEDED,
        summary={"lenient": summary, "strict": summary, "runs_done": 2, "wall_time_s": 1.0},
    )


def test_reading_needs_a_learning_permission(
    signed_in: SignedIn, nobody: Any, reader: Any, training_run: TrainingRun
) -> None:
    pages = [
        reverse("learning-page"),
        reverse("training-run-page", args=[training_run.pk]),
        reverse("training-rewards-plot", args=[training_run.pk]),
        reverse("model-version-page", args=[training_run.base_version_id]),
    ]
    for url in pages:
        anonymous = signed_in(None).get(url)
        assert anonymous.status_code == 302, url
        assert "/accounts/login/" in anonymous["Location"], url
        assert signed_in(nobody).get(url).status_code == 403, url
        assert signed_in(reader).get(url).status_code == 200, url


def test_the_api_answers_the_same_matrix(api: Any, nobody: Any, reader: Any, training_run: TrainingRun) -> None:
    urls = [
        reverse("api-training-run-list"),
        reverse("api-training-run-detail", args=[training_run.pk]),
        reverse("api-model-version-list"),
        reverse("api-evolver-run-list"),
    ]
    for url in urls:
        assert api(None).get(url).status_code == 401, url
        assert api(nobody).get(url).status_code == 403, url
        assert api(reader).get(url).status_code == 200, url
    detail = api(reader).get(reverse("api-training-run-detail", args=[training_run.pk])).json()
    assert [metric["step"] for metric in detail["metrics"]] == [1, 2]
    assert detail["progress_percent"] == 50


def test_a_reader_cannot_act(api: Any, reader: Any, versions: tuple[ModelVersion, ModelVersion]) -> None:
    _base, trained = versions
    refused = [
        api(reader).post(reverse("api-model-version-activate", args=[trained.pk])),
        api(reader).post(reverse("api-model-version-evaluate", args=[trained.pk]), {"split": "test"}),
        api(reader).post(reverse("api-training-run-list"), {}, format="json"),
        api(reader).post(reverse("api-evolver-run-list"), {"problems": "train"}, format="json"),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403, 403]
    assert not ModelVersion.objects.filter(active=True).exists()
    assert not Evaluation.objects.exists()
    assert not TrainingRun.objects.exists()


def test_the_training_run_page_shows_progress_metrics_and_the_reward_curves(
    signed_in: SignedIn, ml_admin: Any, training_run: TrainingRun
) -> None:
    page = signed_in(ml_admin).get(reverse("training-run-page", args=[training_run.pk]))
    text = page.content.decode()
    assert '<progress class="learn-progress" max="4" value="2">' in text
    assert reverse("api-training-run-detail", args=[training_run.pk]) in text  # polled while it runs
    assert "1.250" in text
    assert "Cancel" in text
    plot = signed_in(ml_admin).get(reverse("training-rewards-plot", args=[training_run.pk]))
    assert plot["Content-Type"] == "image/svg+xml"
    svg = plot.content.decode()
    assert svg.count("<polyline") == 2
    assert "format reward" in svg
    assert "answer reward" not in svg


def test_cancel_from_the_page_stops_a_run_and_needs_the_permission(
    signed_in: SignedIn, reader: Any, ml_admin: Any, training_run: TrainingRun
) -> None:
    url = reverse("training-cancel", args=[training_run.pk])
    assert signed_in(reader).post(url).status_code == 403
    training_run.refresh_from_db()
    assert not training_run.cancel_requested
    assert signed_in(ml_admin).post(url).status_code == 302
    training_run.refresh_from_db()
    assert training_run.cancel_requested
    assert training_run.status == JobStatus.RUNNING


def test_actions_are_csrf_protected(ml_admin: Any, versions: tuple[ModelVersion, ModelVersion]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ml_admin)
    response = client.post(reverse("model-version-activate", args=[versions[1].pk]))
    assert response.status_code == 403
    assert not ModelVersion.objects.filter(active=True).exists()


def test_activate_and_roll_back_from_the_pages(
    signed_in: SignedIn, ml_admin: Any, versions: tuple[ModelVersion, ModelVersion]
) -> None:
    base, trained = versions
    client = signed_in(ml_admin)
    client.post(reverse("model-version-activate", args=[base.pk]))
    client.post(reverse("model-version-activate", args=[trained.pk]))
    trained.refresh_from_db()
    assert trained.active
    assert trained.previous == base
    page = client.get(reverse("learning-page")).content.decode()
    assert "Roll back to base:test" in page
    response = client.post(reverse("model-version-rollback"))
    assert response.status_code == 302
    assert ModelVersion.objects.get(active=True) == base
    assert AuditEvent.objects.filter(verb="model_version.rolled_back").exists()
    again = client.post(reverse("model-version-rollback"), follow=True)  # base has no previous: a message
    assert ModelVersion.objects.get(active=True) == base
    assert "learn-message-error" in again.content.decode()


def test_evaluate_from_the_version_page(
    signed_in: SignedIn, reader: Any, ml_admin: Any, versions: tuple[ModelVersion, ModelVersion]
) -> None:
    trained = versions[1]
    url = reverse("model-version-evaluate", args=[trained.pk])
    form = {"split": "test", "runs": 2, "seed": 3, "knowledge": "on"}
    assert signed_in(reader).post(url, form).status_code == 403
    assert signed_in(ml_admin).post(url, {**form, "runs": 0}).status_code == 400
    assert not Evaluation.objects.exists()
    assert signed_in(ml_admin).post(url, form).status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.split, evaluation.runs, evaluation.seed, evaluation.status) == ("test", 2, 3, JobStatus.QUEUED)
    assert evaluation.progress_total == 2 * 48
    page = signed_in(ml_admin).get(reverse("model-version-page", args=[trained.pk])).content.decode()
    assert reverse("api-evaluation-detail", args=[evaluation.pk]) in page


def test_the_version_page_compares_with_the_parent(
    signed_in: SignedIn, reader: Any, versions: tuple[ModelVersion, ModelVersion]
) -> None:
    base, trained = versions
    _evaluation(base, 0.25)
    after = _evaluation(trained, 0.75)
    page = signed_in(reader).get(reverse("model-version-page", args=[trained.pk])).content.decode()
    assert reverse("evaluation-plot", args=[after.pk]) in page
    assert "against" in page
    svg = signed_in(reader).get(reverse("evaluation-plot", args=[after.pk])).content.decode()
    assert "before: base:test" in svg
    assert "after: observer-grpo-1" in svg
    assert "25.0%" in svg
    assert "75.0%" in svg


def test_starting_training_without_a_dataset_is_refused_on_the_page(
    signed_in: SignedIn, ml_admin: Any, versions: tuple[ModelVersion, ModelVersion]
) -> None:
    form = {
        "steps": 2,
        "num_generations": 4,
        "per_device_train_batch_size": 4,
        "max_completion_length": 16,
        "learning_rate": 1e-5,
        "beta": 0.0,
    }
    response = signed_in(ml_admin).post(reverse("training-start"), form)
    assert response.status_code == 400
    assert "learn-errors" in response.content.decode()
    uneven = signed_in(ml_admin).post(reverse("training-start"), {**form, "per_device_train_batch_size": 6})
    assert uneven.status_code == 400
    assert "multiple" in uneven.content.decode()
    assert not TrainingRun.objects.exists()


def test_reward_curves_without_points_say_so() -> None:
    svg = reward_curves_svg([], title="empty")
    assert "No step logged yet." in svg
    assert "<polyline" not in svg
    one = reward_curves_svg([(3, {"reward": 2.5, "frac_reward_zero_std": 0.5})], title="one")
    assert one.count("<polyline") == 2
    assert 'stroke-dasharray="5 4"' in one
