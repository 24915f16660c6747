import os
import logging
from flask import Flask
from pymacaron import API, letsgo


log = logging.getLogger(__name__)


# WARNING: keep the Flask app in a variable named 'app' inside a file named
# 'server.py': production servers (gunicorn and the like) load 'server:app'.

app = Flask(__name__)


def start(port=8080, debug=False):

    # The OpenAPI 3.1 spec is in ./apis, next to this file.

    here = os.path.dirname(os.path.realpath(__file__))

    # The JWT issuer, audience and secret come from 'pym-config.yaml' (the secret from
    # $PYM_JWT_SECRET).

    api = API(app, port=port, debug=debug)
    api.load_apis(os.path.join(here, "apis"))

    # Publish the spec and an API docs page under /doc/bookshop

    api.publish_apis()

    # Serve the endpoints of apis/bookshop.yaml under /v1 (the path of its first server URL),
    # plus the built-in /ping, /version and /auth/version

    api.start(serve="bookshop")


# Entrypoint
letsgo(__name__, callback=start)
