"""The benchmark API: one GET and one POST, served several ways for comparison."""

import json
import os

SPEC = os.path.join(os.path.dirname(__file__), "bench.yaml")

POST_BODY = {
    "name": "Ergonomic chair",
    "description": "A chair with lumbar support, adjustable height and armrests, in black mesh.",
    "price": 249.9,
    "quantity": 12,
    "tags": ["office", "furniture", "ergonomic", "chair"],
    "owner": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0958"},
}
POST_BYTES = json.dumps(POST_BODY).encode()
GET_PATH = "/items/42"
GET_QUERY = "limit=5&verbose=true"
