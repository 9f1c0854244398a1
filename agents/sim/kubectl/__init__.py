"""kubectl against the simulated cluster: reads render the state, writes change it and the engine follows.

The argv is parsed by the shared parser (``agents.cli.kubectl_args``), rendered by the shared printers
(``agents.cli.render`` / ``describe``), exactly as the real-cluster adapter does. A read-only handle's
kubectl refuses writes itself too (the shell refuses them first): two locks on one door.

The package: ``program`` (``SimKubectl``: dispatch and the handle's access policy), ``reads`` (get,
describe, events...), ``observe`` (logs, top), ``rollout``, ``writes`` (patch, scale, set, delete, apply),
``exec``, and the helpers they share: ``lookup`` (what a command names), ``selectors``, ``replies``.
"""

from agents.sim.kubectl.program import SimKubectl
from agents.sim.kubectl.selectors import field_matches, selector_matches

__all__ = ["SimKubectl", "field_matches", "selector_matches"]
