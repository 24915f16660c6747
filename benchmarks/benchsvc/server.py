"""The benchmark API as a user would write a PyMacaron service (used by benchmarks/http_bench.py).

    python server.py --port 8080                      # development server
    python -c "from pymacaron.serving import run_production; run_production('.')"
"""

import os

from flask import Flask

from pymacaron import API, letsgo

app = Flask(__name__)


def start(port=8080, debug=False):
    here = os.path.dirname(os.path.realpath(__file__))
    api = API(app, port=port, debug=debug)
    api.load_apis(os.path.join(here, "apis"))
    api.start(serve="bench")


letsgo(__name__, callback=start)
