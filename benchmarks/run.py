"""Run the benchmarks: ``nox -s bench`` (or ``python benchmarks/run.py``).

Figures are ratios against a reference measured in the same run (the machine
is noisy): the floor is plain Flask with hand-written views and no validation.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TARGET_WSGI = 1.1  # pymacaron-core / floor, with request and response validation on (Swagger 2.0 spec; issue 12: keep it)
TARGET_WSGI_OAS = 1.25  # the same API written in OpenAPI 3.0 and 3.1


def wsgi_suite(args):
    from benchapi import apps
    from wsgi_bench import measure

    ok = True
    # one pymacaron-core app at a time (the handlers find their models in ApiPool.bench), each measured
    # against the floor and fastjsonschema in the same rounds
    for version, target in (("2.0", TARGET_WSGI), ("3.0", TARGET_WSGI_OAS), ("3.1", TARGET_WSGI_OAS)):
        ours = f"pymacaron-core ({version})"
        contenders = {
            "flask (floor)": apps.flask_floor(),
            "flask + fastjsonschema": apps.flask_fastjsonschema(),
            ours: apps.pymacaron_core_app(version),
        }
        results = measure(contenders, rounds=args.rounds, requests=args.requests)
        spec = "Swagger 2.0" if version == "2.0" else f"OpenAPI {version}"
        print(f"\nWSGI, in process, spec in {spec}: median of {args.rounds} rounds x {args.requests} requests "
              "(us/request)")
        print(f"{'':28}{'GET':>10}{'ratio':>8}{'POST':>10}{'ratio':>8}")
        for name in contenders:
            row = f"{name:28}"
            for method in ("GET", "POST"):
                us = results[method][name]
                ratio = us / results[method]["flask (floor)"]
                row += f"{us:10.1f}{ratio:8.2f}"
            print(row)
        for method in ("GET", "POST"):
            ratio = results[method][ours] / results[method]["flask (floor)"]
            verdict = "ok" if ratio <= target else "OVER TARGET"
            ok &= ratio <= target
            print(f"{ours} {method}: {ratio:.2f}x the floor (target <= {target}x): {verdict}")
    return ok


TARGET_HTTP = 1.0  # pymacaron under its default server / FastAPI + uvicorn, in requests per second


def http_suite(args):
    import statistics

    from http_bench import BenchError, check_spec_in_sync, default_contenders, measure

    check_spec_in_sync()
    contenders, default = default_contenders(workers=args.workers)
    print(f"\nHTTP: wrk -t2 -c{args.connections}, {args.seconds}s per endpoint after a {args.warmup}s warm-up, "
          f"{args.workers} workers each, median of {args.http_rounds} round(s) (requests/s)")
    try:
        results = measure(contenders, seconds=args.seconds, warmup=args.warmup, connections=args.connections,
                          rounds=args.http_rounds)
    except BenchError as e:
        print(f"HTTP suite failed: {e}")
        return False
    rps = {name: {m: statistics.median(x.rps for x in v) for m, v in r.items()} for name, r in results.items()}
    cpu = {name: {m: statistics.median(x.cpu_us for x in v) for m, v in r.items()} for name, r in results.items()}
    ref = "fastapi + uvicorn"
    print(f"{'':38}{'GET rps':>9}{'ratio':>7}{'POST rps':>10}{'ratio':>7}   server CPU us/request: GET, POST")
    for name in rps:
        row = f"{name + (' (default)' if name == default else ''):38}"
        for method in ("GET", "POST"):
            row += f"{rps[name][method]:{9 if method == 'GET' else 10}.0f}{rps[name][method] / rps[ref][method]:7.2f}"
        row += f"   {cpu[name]['GET']:8.0f}{cpu[name]['POST']:8.0f}"
        print(row)
    ok = True
    for method in ("GET", "POST"):
        ratio = rps[default][method] / rps[ref][method]
        ok &= ratio >= TARGET_HTTP
        verdict = "ok" if ratio >= TARGET_HTTP else "UNDER TARGET"
        print(f"{default} {method}: {ratio:.2f}x FastAPI's requests/s (target >= {TARGET_HTTP}x): {verdict}")
    return ok


def startup_suite(args):
    from startup_bench import StartupError, measure, report

    sizes = [int(n) for n in args.startup_sizes.split(",")]
    versions = args.startup_specs.split(",")
    print(f"\nStart-up: spawn -> first 200 over HTTP, and peak RSS; {', '.join(map(str, sizes))} operations, "
          f"spec {', '.join(versions)} in {args.startup_format.upper()}; median of {args.starts} interleaved fresh starts, cold and warm cache")
    try:
        rows = measure(sizes=sizes, versions=versions, starts=args.starts, fmt=args.startup_format)
    except StartupError as e:
        print(f"start-up suite failed: {e}")
        return False
    return report(rows)


def validators_suite(args):
    """Our compiled validators vs jsonschema-rs and fastjsonschema: reported, no target (see validator_bench)."""
    from validator_bench import measure

    results = measure(rounds=args.rounds)
    print("\nValidators, one valid body: a 7-property object (small) and an array of 2,000 of them (large);"
          " median us per validation, ratio to pymacaron (swagger2)")
    ref = "pymacaron (swagger2)"
    print(f"{'':28}{'small us':>10}{'ratio':>8}{'large us':>12}{'ratio':>8}")
    for name in results["small"]:
        small, large = results["small"][name], results["large"][name]
        print(f"{name:28}{small:10.2f}{small / results['small'][ref]:8.2f}"
              f"{large:12.1f}{large / results['large'][ref]:8.2f}")
    return True


def observability_suite(args):
    """Tracing, metrics and gzip against the same service with them off (see observability_bench)."""
    from observability_bench import measure, report

    print(f"\nObservability, in process: the bench service (pymacaron API) median of {args.rounds} rounds x "
          f"{args.requests} requests (us/request), ratio to the same service with everything off")
    return report(measure(rounds=args.rounds, requests=args.requests))


SUITES = {"wsgi": wsgi_suite, "observability": observability_suite, "http": http_suite,
          "validators": validators_suite, "startup": startup_suite}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("suites", nargs="*", default=list(SUITES), help=f"which suites: {', '.join(SUITES)}")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=10, help="http: measured wrk run per endpoint")
    parser.add_argument("--warmup", type=int, default=3, help="http: wrk warm-up per endpoint")
    parser.add_argument("--connections", type=int, default=64, help="http: wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="http: worker processes of every server")
    parser.add_argument("--http-rounds", type=int, default=3, help="http: rounds, interleaved (median kept)")
    parser.add_argument("--starts", type=int, default=5, help="startup: fresh starts per service and cache mode")
    parser.add_argument("--startup-sizes", default="10,100,1000", help="startup: operation counts, comma-separated")
    parser.add_argument("--startup-specs", default="2.0", help="startup: spec versions (2.0, 3.0, 3.1), comma-separated")
    parser.add_argument("--startup-format", default="yaml", choices=("yaml", "json"),
                        help="startup: the generated spec's text, YAML in block style (as people write) or JSON")
    parser.add_argument("--no-fail", action="store_true", help="report, but exit 0 even when over target")
    args = parser.parse_args(argv)
    ok = True
    for name in args.suites:
        if name not in SUITES:
            parser.error(f"unknown suite {name!r}")
        ok &= SUITES[name](args)
    if not ok and not args.no_fail:
        print("\nsome figures are over their targets")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
