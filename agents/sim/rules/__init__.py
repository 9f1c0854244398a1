"""The rules that turn state into behaviour: scheduling, how a container starts, how a request fares.

Every symptom an agent can see comes from here. Nothing is keyed by fault: a Service whose targetPort
misses the container port refuses connections whoever it belongs to; a client whose database user lacks
a role dies at start-up whatever the database is called.

The sub-modules, from the bottom up: ``outcomes`` (the verdicts), ``scheduling`` (nodes and images),
``chaos`` (Chaos Mesh experiments), ``flags`` (the Astronomy Shop's flagd), ``network`` (Services and
ready pods), ``databases`` (a client and its MongoDB), ``startup`` (a container's start) and ``requests``
(a call edge). Callers use this package's names (``rules.edge_status``), never the sub-modules.
"""

from agents.sim.rules.chaos import active_chaos, chaos_end, chaos_start
from agents.sim.rules.databases import mongo_client_failure
from agents.sim.rules.flags import FLAG_EDGES, enabled_flags_in_config, flag_edge, live_flags
from agents.sim.rules.network import ready_backends, service_reachable
from agents.sim.rules.outcomes import OK_EDGE, EdgeStatus, LogLine, StartOutcome
from agents.sim.rules.requests import EdgeOracle, edge_status
from agents.sim.rules.scheduling import (
    IMAGE_VARIANTS,
    MISCONFIGURED_BUILD,
    SCHEDULING_TAIL,
    image_config,
    image_known,
    schedule,
)
from agents.sim.rules.startup import component_of, start_delay, start_outcome

__all__ = [
    "FLAG_EDGES",
    "IMAGE_VARIANTS",
    "MISCONFIGURED_BUILD",
    "OK_EDGE",
    "SCHEDULING_TAIL",
    "EdgeOracle",
    "EdgeStatus",
    "LogLine",
    "StartOutcome",
    "active_chaos",
    "chaos_end",
    "chaos_start",
    "component_of",
    "edge_status",
    "enabled_flags_in_config",
    "flag_edge",
    "image_config",
    "image_known",
    "live_flags",
    "mongo_client_failure",
    "ready_backends",
    "schedule",
    "service_reachable",
    "start_delay",
    "start_outcome",
]
