"""helloworld: an example PyMacaron service.

- ``helloworld.api``: the endpoints of ``apis/helloworld.yaml`` (bound with ``x-bind-server``);
- ``helloworld.models``: behaviour added to the spec's models (``x-parent``).
"""
