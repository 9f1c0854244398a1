"""Benchmark: a diagnosis of each demo incident, as a new user starts it after ``make run``.

The demo is seeded into the benchmark database (``demo_seed``, as ``manage.py aoi_demo`` does); then, one
incident at a time, the demo responder starts a diagnosis through the platform's own path (``run_start``:
an ``AgentRun``, worked by the embedded thread of this process, as ``make run`` works it, with the settings'
embedded default model and the simulator). Figure per incident: seconds from the start until the run waits
at the action card (a write proposed for a person to approve) or has finished; the diagnosis, whether the
simulated truth calls it right, and whether an action was requested. The model is loaded once before the
first timing (``make run`` loads it when the server starts), so the figures are the diagnosis alone.

    python -m bench.demo_diagnoses [--timeout 300] [--quick]
"""

import argparse
import time
from typing import Any

from bench import harness

PASSWORD = "bench-demo-password"  # noqa: S105 - the demo's own logins in a throwaway database
TOKEN = "bench-demo-alert-token"  # noqa: S105


def run(options: argparse.Namespace) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from agents.hosting import llm_backend, run_start
    from agents.llm.base import ChatRequest, Message
    from agents.models import RunStatus
    from incidents.models import ActionRequest, Incident, IncidentSource
    from incidents.services.demo import DEMO_INCIDENTS, demo_seed

    harness.recreate_database()
    demo_seed(password=PASSWORD, alert_token=TOKEN)
    began = time.perf_counter()
    llm_backend().complete(ChatRequest((Message("user", "ready?"),), max_tokens=2))  # the server loads it at start
    loaded_s = time.perf_counter() - began
    responder = get_user_model().objects.get(username="responder")
    specs = [spec for spec in DEMO_INCIDENTS if spec.problem][: 1 if options.quick else None]
    found: list[dict[str, Any]] = []
    for spec in specs:
        incident = Incident.objects.get(source=IncidentSource.DEMO, labels__aoi_problem=spec.problem)
        if incident.status in ("resolved", "closed"):  # the demo walks these to the end; a user reopens them
            Incident.objects.filter(pk=incident.pk).update(status="investigating")
            incident.refresh_from_db()
        started = time.perf_counter()
        run = run_start(incident=incident, user=responder)
        while True:
            run.refresh_from_db()
            if run.status in (RunStatus.AWAITING_APPROVAL, RunStatus.FINISHED):
                break
            if time.perf_counter() - started > options.timeout:
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        state = run.state or {}
        requested = ActionRequest.objects.filter(incident=incident, requester_agent=str(run.trajectory_id))
        truth = _truth(run, state)
        found.append(
            {
                "incident": spec.title,
                "problem": spec.problem,
                "seconds": round(seconds, 1),
                "status": run.status,
                "diagnosis": state.get("diagnosis"),
                "localization_right": truth.get("localization"),
                "analysis_right": truth.get("analysis"),
                "action_card": requested.exists(),
                "action": requested.values_list("command__verb", flat=True).first(),
                "decisions": run.trajectory.steps.filter(role="observer", phase="reason").count(),
            }
        )
        print(
            f"   {spec.problem}: {seconds:.1f} s, {run.status}, diagnosis "
            f"{(state.get('diagnosis') or {}).get('component')}, localization {truth.get('localization')}, "
            f"action card {'yes' if found[-1]['action_card'] else 'no'}"
        )
    times = [row["seconds"] for row in found]
    results = {
        "model_load_s": round(loaded_s, 2),
        "llm": dict(settings.AOI_LLM),
        "incidents": found,
        "under_60_s": sum(1 for t in times if t < 60),
        "right_diagnosis": sum(1 for row in found if row["localization_right"]),
        "action_cards": sum(1 for row in found if row["action_card"]),
        "total": len(found),
    }
    print(f"  -> {harness.write_result('demo_diagnoses', vars(options), results)}")
    return results


def _truth(run: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The simulated truth of the run's diagnosis: graded at once when the run waits at the action card."""
    from agents.environments import environment_for_incident
    from agents.incident_runs import simulated_truth

    outcome = run.trajectory.outcome or {}
    if outcome.get("simulated_truth"):
        return dict(outcome["simulated_truth"])
    env = environment_for_incident(run.incident, config={**run.environment, "kind": "simulator"})
    return simulated_truth(state.get("diagnosis"), env)


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for one diagnosis")
    parser.add_argument("--quick", action="store_true", help="one incident, to check the benchmark works")
    return parser.parse_args(argv)


if __name__ == "__main__":
    harness.configure()
    run(parse_options())
