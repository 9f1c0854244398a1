"""Run the benchmarks (``make bench``): all of them, or those named, each with its defaults.

    python -m bench.run [audit_append] [verify_audit] [alert_ingest] [simulator] [llm_transformers]
                        [llm_backends] [agents_overhead] [streaming] [agents_hosting] [incident_list]
                        [grpo_step] [diagnosis] [demo_diagnoses] [--quick]

Options particular to one benchmark: run it alone, ``python -m bench.<name> --help``."""

import argparse
import importlib
import time

from bench import harness

BENCHMARKS = (
    "audit_append",
    "verify_audit",
    "alert_ingest",
    "simulator",
    "llm_transformers",
    "llm_backends",
    "agents_overhead",
    "streaming",
    "agents_hosting",
    "incident_list",
    "grpo_step",
    "diagnosis",
    "demo_diagnoses",
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="short runs, to check that the benchmarks work")
    options = parser.parse_args(argv)
    unknown = sorted(set(options.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    url = harness.configure()
    print(f"Benchmark database: {url.rsplit('/', 1)[-1]} (dropped and recreated for each benchmark)")
    for name in options.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name}")
        began = time.perf_counter()
        module.run(module.parse_options(["--quick"] if options.quick else []))
        print(f"   ({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
