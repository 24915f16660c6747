"""Run the benchmarks: ``nox -s bench`` (or ``python benchmarks/run.py``).

Figures are ratios against a reference measured in the same run (the machine
is noisy): the floor is plain Flask with hand-written views and no validation.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TARGET_WSGI = 1.5  # pymacaron-core / floor, with request and response validation on


def wsgi_suite(args):
    from benchapi import apps
    from wsgi_bench import measure

    contenders = {
        "flask (floor)": apps.flask_floor(),
        "flask + fastjsonschema": apps.flask_fastjsonschema(),
        "pymacaron-core": apps.pymacaron_core_app(),
    }
    results = measure(contenders, rounds=args.rounds, requests=args.requests)
    ok = True
    print(f"\nWSGI, in process: median of {args.rounds} rounds x {args.requests} requests (us/request)")
    print(f"{'':28}{'GET':>10}{'ratio':>8}{'POST':>10}{'ratio':>8}")
    for name in contenders:
        row = f"{name:28}"
        for method in ("GET", "POST"):
            us = results[method][name]
            ratio = us / results[method]["flask (floor)"]
            row += f"{us:10.1f}{ratio:8.2f}"
        print(row)
    for method in ("GET", "POST"):
        ratio = results[method]["pymacaron-core"] / results[method]["flask (floor)"]
        verdict = "ok" if ratio <= TARGET_WSGI else "OVER TARGET"
        ok &= ratio <= TARGET_WSGI
        print(f"pymacaron-core {method}: {ratio:.2f}x the floor (target <= {TARGET_WSGI}x): {verdict}")
    return ok


SUITES = {"wsgi": wsgi_suite}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("suites", nargs="*", default=list(SUITES), help=f"which suites: {', '.join(SUITES)}")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=3000)
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
