import os
import logging
from flask import Flask
from flask_cors import CORS
from pymacaron import API, letsgo


log = logging.getLogger(__name__)


# WARNING: keep the Flask app in a variable named 'app' inside a file named
# 'server.py': production servers (gunicorn and the like) load 'server:app'.

app = Flask(__name__)
CORS(app)
# Custom routes could be added to 'app' here.


def error_reporter(title, message):
    # Called with every crash report: 'title' is one line, 'message' the full
    # JSON report (traceback, request, user, server...). A real service would
    # mail it or post it to a chat channel; this one logs it.
    log.error("CRASH REPORT: %s", title)
    log.error("%s", message)


def start(port=8080, debug=False):

    # The swagger specs are in ./apis, next to this file.

    here = os.path.dirname(os.path.realpath(__file__))
    path_apis = os.path.join(here, "apis")

    # Spawn the apis inside this Flask app. The JWT issuer, audience and secret
    # come from 'pym-config.yaml' (the secret from $PYM_JWT_SECRET).

    api = API(
        app,
        port=port,
        debug=debug,
        error_reporter=error_reporter,
    )

    # Load every swagger file found in ./apis

    api.load_apis(path_apis)

    # Publish the specs and an API docs page under /doc/<api-name>

    api.publish_apis()

    # Serve the endpoints of apis/helloworld.yaml (plus the built-in /ping,
    # /version and /auth/version)

    api.start(serve="helloworld")


# Entrypoint
letsgo(__name__, callback=start)
