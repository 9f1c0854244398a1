"""Server-rendered pages of the learning loop's jobs: the overview (model versions, training runs, Evolver
runs), a training run (progress bar, live reward curves, metrics, cancel), a model version (activate, roll
back, evaluate, before vs after by task type) and an Evolver run (progress, counts, its proposals).

Reading needs one of the learning loop's permissions (``LEARNING_PERMISSIONS``); each action needs its
own, checked again by the service it calls: starting and cancelling training and evaluations
``training.start_trainingrun``, activating and rolling back ``training.activate_modelversion``, starting
the Evolver ``training.start_evolverrun``. Actions are POST forms (CSRF); a refusal of the service is shown
on the page it came from and changes nothing. Progress is read by ``training/static/training/jobs.js``
from the JSON API (``training.api.jobs``) while a job runs."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from agents.runtime.plots import summary_svg
from aoi_platform.errors import DomainError
from training.models import Evaluation, EvolverRun, GuidanceProposal, ModelVersion, TrainingRun
from training.plots import reward_curves_svg
from training.selectors import evaluation_comparison
from training.services.evaluation import evaluation_baseline, evaluation_cancel, evaluation_create
from training.services.evolver import evolver_run_cancel, evolver_run_create
from training.services.grpo import training_run_cancel, training_run_create
from training.services.versions import model_version_activate, model_version_rollback
from trajectories.audit.services import Actor

LEARNING_PERMISSIONS = (
    "training.view_modelversion",
    "training.view_trainingrun",
    "training.view_evolverrun",
    "training.start_trainingrun",
    "training.activate_modelversion",
    "training.start_evolverrun",
    "training.curate_guidanceproposal",
)
RECENT = 20


def learning_viewer(user: Any) -> bool:
    """May ``user`` read the learning loop's pages (superusers, or anyone holding one of its permissions)?"""
    return isinstance(user, User) and user.is_active and any(user.has_perm(perm) for perm in LEARNING_PERMISSIONS)


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not learning_viewer(user):
        raise PermissionDenied("The learning loop's pages need one of its permissions.")
    assert isinstance(user, User)
    return user


# --- forms ------------------------------------------------------------------------------------------------


class TrainingStartForm(forms.Form):
    """A GRPO run's settings (``training.grpo.trainer.GRPOSettings``); the defaults fit a CPU host."""

    base_version = forms.ModelChoiceField(queryset=ModelVersion.objects.all(), required=False, empty_label="base")
    steps = forms.IntegerField(min_value=1, max_value=10_000, initial=20)
    num_generations = forms.IntegerField(min_value=2, max_value=64, initial=4)
    per_device_train_batch_size = forms.IntegerField(min_value=2, max_value=256, initial=4, label="Batch size")
    max_completion_length = forms.IntegerField(min_value=8, max_value=4096, initial=48)
    learning_rate = forms.FloatField(min_value=1e-8, max_value=1e-2, initial=1e-5)
    beta = forms.FloatField(min_value=0.0, max_value=1.0, initial=0.0, label="KL coefficient (beta)")
    lora = forms.BooleanField(required=False, label="LoRA adapter instead of a full fine-tune")
    max_rows = forms.IntegerField(min_value=1, required=False, label="At most this many dataset rows")

    def overrides(self) -> dict[str, Any]:
        names = ("steps", "num_generations", "per_device_train_batch_size", "max_completion_length")
        chosen = {name: self.cleaned_data[name] for name in (*names, "learning_rate", "beta", "lora")}
        return chosen


class EvaluateForm(forms.Form):
    """Which problems, how many runs each, with or without the curated knowledge."""

    split = forms.ChoiceField(choices=[("test", "test (held out)"), ("train", "train"), ("all", "all")])
    runs = forms.IntegerField(min_value=1, max_value=10, initial=1, label="Runs per problem (K)")
    seed = forms.IntegerField(initial=0)
    knowledge = forms.BooleanField(required=False, initial=True, label="With the curated knowledge items")


class EvolverStartForm(forms.Form):
    """Where failures come from (fresh runs on problems, or a stored benchmark), and the teacher."""

    problems = forms.CharField(required=False, help_text="train, test, all or problem ids; empty: use a label")
    from_label = forms.CharField(required=False, help_text="a benchmark label whose failed runs to read")
    runs = forms.IntegerField(min_value=1, max_value=10, initial=1, label="Runs per problem (K)")
    validation_runs = forms.IntegerField(min_value=1, max_value=10, initial=1)
    include_incidents = forms.BooleanField(required=False, label="Also incidents whose label disagrees")
    teacher = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The teacher's backend configuration as JSON; empty: the configured model.",
    )

    def clean_teacher(self) -> dict[str, Any]:
        text = self.cleaned_data["teacher"].strip()
        if not text:
            return dict(settings.AOI_LLM)
        try:
            config = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"Not JSON: {error.msg}.") from error
        if not isinstance(config, dict) or "backend" not in config:
            raise forms.ValidationError('A JSON object with a "backend" key, e.g. {"backend": "transformers"}.')
        return config

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("problems") and not data.get("from_label") and not data.get("include_incidents"):
            raise forms.ValidationError("Name problems, a benchmark label, or include incidents.")
        return data


# --- pages ------------------------------------------------------------------------------------------------


@login_required
def learning_page(request: HttpRequest) -> HttpResponse:
    """The overview: model versions (the active one first), recent training and Evolver runs, start forms."""
    user = _viewer(request)
    return _overview(request, user)


def _overview(
    request: HttpRequest,
    user: User,
    *,
    training_form: TrainingStartForm | None = None,
    evolver_form: EvolverStartForm | None = None,
    status: int = 200,
) -> HttpResponse:
    versions = list(ModelVersion.objects.select_related("parent", "training_run").order_by("-active", "-created_at"))
    context = {
        "versions": versions,
        "active": next((version for version in versions if version.active), None),
        "training_runs": TrainingRun.objects.select_related("created_by", "base_version")[:RECENT],
        "evolver_runs": EvolverRun.objects.select_related("created_by")[:RECENT],
        "pending_proposals": GuidanceProposal.objects.filter(status="pending").count(),
        "training_form": training_form or TrainingStartForm(),
        "evolver_form": evolver_form or EvolverStartForm(),
        "can_train": user.has_perm("training.start_trainingrun"),
        "can_activate": user.has_perm("training.activate_modelversion"),
        "can_evolve": user.has_perm("training.start_evolverrun"),
    }
    return render(request, "training/learning.html", context, status=status)


@login_required
@require_POST
def training_start(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = TrainingStartForm(request.POST)
    if form.is_valid():
        overrides = form.overrides()
        try:
            run = training_run_create(
                user=user,
                base_version=form.cleaned_data["base_version"],
                settings_overrides=overrides,
                max_rows=form.cleaned_data["max_rows"],
                actor=Actor.of_user(user),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("training-run-page", pk=run.pk)
    return _overview(request, user, training_form=form, status=400)


@login_required
def training_run_page(request: HttpRequest, pk: str) -> HttpResponse:
    """One training run: settings, dataset snapshot, progress (live), reward curves (live), metrics."""
    user = _viewer(request)
    run = get_object_or_404(TrainingRun.objects.select_related("created_by", "base_version"), pk=pk)
    metrics = list(run.metrics.order_by("step", "pk"))
    context = {
        "run": run,
        "metrics": metrics,
        "columns": _metric_columns(metrics),
        "version": ModelVersion.objects.filter(training_run=run).first(),
        "can_cancel": run.is_active and user.has_perm("training.start_trainingrun"),
    }
    return render(request, "training/training_run.html", context)


def _metric_columns(metrics: list[Any]) -> list[str]:
    wanted = (
        "reward",
        "reward_std",
        "rewards/format_reward/mean",
        "rewards/answer_reward/mean",
        "loss",
        "kl",
        "completions/mean_length",
        "frac_reward_zero_std",
    )
    present = {key for metric in metrics for key in metric.values}
    return [name for name in wanted if name in present]


@login_required
def training_rewards_plot(request: HttpRequest, pk: str) -> HttpResponse:
    """The run's reward curves, as SVG (redrawn by the page while the run goes on)."""
    _viewer(request)
    run = get_object_or_404(TrainingRun, pk=pk)
    points = [(metric.step, metric.values) for metric in run.metrics.order_by("step", "pk")]
    svg = reward_curves_svg(points, title=f"Rewards of training run {str(run.pk)[:8]}")
    return HttpResponse(svg, content_type="image/svg+xml")


@login_required
@require_POST
def training_cancel(request: HttpRequest, pk: str) -> HttpResponse:
    user = _viewer(request)
    run = get_object_or_404(TrainingRun, pk=pk)
    if not user.has_perm("training.start_trainingrun"):
        raise PermissionDenied("Cancelling training needs the permission to start it.")
    try:
        training_run_cancel(run=run, actor=Actor.of_user(user))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("training-run-page", pk=run.pk)


@login_required
def model_version_page(request: HttpRequest, pk: str) -> HttpResponse:
    """One model version: where it is, how it is served, its evaluations, before vs after by task type."""
    user = _viewer(request)
    version = get_object_or_404(ModelVersion.objects.select_related("parent", "training_run", "previous"), pk=pk)
    return _version(request, user, version)


def _version(
    request: HttpRequest, user: User, version: ModelVersion, *, form: EvaluateForm | None = None, status: int = 200
) -> HttpResponse:
    evaluations = list(version.evaluations.select_related("created_by").order_by("-created_at"))
    for evaluation in evaluations:
        evaluation.avg1 = (evaluation.summary.get("lenient") or {}).get("all", {}).get("avg@1")  # type: ignore[attr-defined]
    compared = [
        (evaluation, evaluation_baseline(evaluation))
        for evaluation in evaluations
        if evaluation.status == "succeeded" and evaluation.summary
    ]
    context = {
        "version": version,
        "evaluations": evaluations,
        "compared": compared,
        "comparisons": [evaluation_comparison(evaluation) for evaluation, _ in compared[:1]],
        "form": form or EvaluateForm(),
        "can_evaluate": user.has_perm("training.start_trainingrun"),
        "can_activate": user.has_perm("training.activate_modelversion"),
        "serving": {key: value for key, value in version.serving.items() if "key" not in key.lower()},
    }
    return render(request, "training/model_version.html", context, status=status)


@login_required
@require_POST
def model_version_evaluate(request: HttpRequest, pk: str) -> HttpResponse:
    user = _viewer(request)
    version = get_object_or_404(ModelVersion, pk=pk)
    form = EvaluateForm(request.POST)
    if form.is_valid():
        if not user.has_perm("training.start_trainingrun"):
            raise PermissionDenied("Evaluations need the permission to start training.")
        try:
            evaluation_create(version=version, user=user, dispatch=True, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("model-version-page", pk=version.pk)
    return _version(request, user, version, form=form, status=400)


@login_required
@require_POST
def model_version_activate_view(request: HttpRequest, pk: str) -> HttpResponse:
    user = _viewer(request)
    version = get_object_or_404(ModelVersion, pk=pk)
    try:
        model_version_activate(version=version, user=user, actor=Actor.of_user(user))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{version.name} is now the Observer's model.")
    return redirect("model-version-page", pk=version.pk)


@login_required
@require_POST
def model_version_rollback_view(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    try:
        version = model_version_rollback(user=user, actor=Actor.of_user(user))
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("learning-page")
    messages.success(request, f"Rolled back: {version.name} is the Observer's model again.")
    return redirect("model-version-page", pk=version.pk)


@login_required
def evaluation_plot(request: HttpRequest, pk: str) -> HttpResponse:
    """avg@1 and best@K by task type: the evaluation beside its baseline (the parent's), as SVG."""
    _viewer(request)
    evaluation = get_object_or_404(Evaluation.objects.select_related("version"), pk=pk)
    if not evaluation.summary:
        raise PermissionDenied("The evaluation has no figures yet.")
    series = []
    before = evaluation_baseline(evaluation)
    if before is not None:
        series.append((f"before: {before.version.name}", before.summary["lenient"]))
    series.append((f"after: {evaluation.version.name}", evaluation.summary["lenient"]))
    title = f"{evaluation.version.name} on {evaluation.split}, {evaluation.runs} run(s) per problem"
    return HttpResponse(summary_svg(series, title=title), content_type="image/svg+xml")


@login_required
@require_POST
def evaluation_cancel_view(request: HttpRequest, pk: str) -> HttpResponse:
    user = _viewer(request)
    evaluation = get_object_or_404(Evaluation, pk=pk)
    if not user.has_perm("training.start_trainingrun"):
        raise PermissionDenied("Cancelling an evaluation needs the permission to start training.")
    try:
        evaluation_cancel(evaluation=evaluation, actor=Actor.of_user(user))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("model-version-page", pk=evaluation.version_id)


@login_required
@require_POST
def evolver_start(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = EvolverStartForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            run = evolver_run_create(
                user=user,
                problems=data["problems"] or None,
                runs=data["runs"],
                from_label=data["from_label"] or None,
                include_incidents=data["include_incidents"],
                teacher=data["teacher"],
                validation_runs=data["validation_runs"],
                actor=Actor.of_user(user),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("evolver-run-page", pk=run.pk)
    return _overview(request, user, evolver_form=form, status=400)


@login_required
def evolver_run_page(request: HttpRequest, pk: str) -> HttpResponse:
    """One Evolver run: progress (live), the counts, its proposals with their validation."""
    user = _viewer(request)
    run = get_object_or_404(EvolverRun.objects.select_related("created_by"), pk=pk)
    proposals = run.proposals.select_related("trajectory").order_by("created_at")
    context = {
        "run": run,
        "proposals": proposals,
        "can_cancel": run.is_active and user.has_perm("training.start_evolverrun"),
        "summary_rows": _summary_rows(run.summary),
    }
    return render(request, "training/evolver_run.html", context)


def _summary_rows(summary: dict[str, Any]) -> list[tuple[str, Any]]:
    """The run's counts, in reading order; nested figures (before/after) are shown by the template."""
    return [(key.replace("_", " "), value) for key, value in summary.items() if not isinstance(value, dict | list)]


@login_required
@require_POST
def evolver_cancel(request: HttpRequest, pk: str) -> HttpResponse:
    user = _viewer(request)
    run = get_object_or_404(EvolverRun, pk=pk)
    if not user.has_perm("training.start_evolverrun"):
        raise PermissionDenied("Cancelling an Evolver run needs the permission to start one.")
    try:
        evolver_run_cancel(run=run, actor=Actor.of_user(user))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("evolver-run-page", pk=run.pk)


urlpatterns: list[URLPattern] = [
    path("", learning_page, name="learning-page"),
    path("training/start/", training_start, name="training-start"),
    path("training/<uuid:pk>/", training_run_page, name="training-run-page"),
    path("training/<uuid:pk>/rewards.svg", training_rewards_plot, name="training-rewards-plot"),
    path("training/<uuid:pk>/cancel/", training_cancel, name="training-cancel"),
    path("versions/rollback/", model_version_rollback_view, name="model-version-rollback"),
    path("versions/<uuid:pk>/", model_version_page, name="model-version-page"),
    path("versions/<uuid:pk>/activate/", model_version_activate_view, name="model-version-activate"),
    path("versions/<uuid:pk>/evaluate/", model_version_evaluate, name="model-version-evaluate"),
    path("evaluations/<uuid:pk>/plot.svg", evaluation_plot, name="evaluation-plot"),
    path("evaluations/<uuid:pk>/cancel/", evaluation_cancel_view, name="evaluation-cancel"),
    path("evolver/start/", evolver_start, name="evolver-start"),
    path("evolver/<uuid:pk>/", evolver_run_page, name="evolver-run-page"),
    path("evolver/<uuid:pk>/cancel/", evolver_cancel, name="evolver-cancel"),
]
