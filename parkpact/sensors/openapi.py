"""What the OpenAPI document says about ``POST /api/v1/sensors/readings``.

The endpoint reads its body by hand (a pydantic model per reading would cost more than the
checks themselves on large packs), so ninja cannot derive the request body: it is written
here and merged into the operation with ``openapi_extra``. Keep it in step with senml.py and
``api._batch_records``.
"""

from typing import Any

SENML_RECORD: dict[str, Any] = {
    "type": "object",
    "description": "A SenML record (RFC 8428). Base fields (bn, bt, bu, bv) apply to the records "
    "after it; the quantity is the last segment of the resolved name, after ':' or '/'.",
    "properties": {
        "bn": {"type": "string", "description": "Base name, e.g. urn:dev:dh-bin-03:"},
        "bt": {"type": "number", "description": "Base time, seconds since 1970 (UTC)"},
        "bu": {"type": "string", "enum": ["/", "ppm", "count"], "description": "Base unit"},
        "bv": {"type": "number", "description": "Base value"},
        "n": {
            "type": "string",
            "description": "Name: fillingLevel, nh3, h2s or peopleCount, after the base name",
        },
        "t": {
            "type": "number",
            "description": "Time, added to bt; a resolved time under 2**28 is relative to now",
        },
        "u": {"type": "string", "enum": ["/", "ppm", "count"], "description": "Unit"},
        "v": {"type": "number", "description": "Value (only numeric values are accepted)"},
    },
}

SENML_PACK: dict[str, Any] = {
    "title": "SenML pack",
    "type": "array",
    "minItems": 1,
    "maxItems": 5000,
    "items": SENML_RECORD,
}

READING_BATCH: dict[str, Any] = {
    "title": "Batch of readings",
    "type": "object",
    "required": ["readings"],
    "properties": {
        "readings": {
            "type": "array",
            "minItems": 1,
            "maxItems": 5000,
            "items": {
                "type": "object",
                "required": ["name", "value", "observedAt"],
                "properties": {
                    "name": {
                        "type": "string",
                        "description": "FIWARE attribute: fillingLevel, nh3, h2s or peopleCount",
                    },
                    "value": {"type": "number"},
                    "observedAt": {
                        "type": "string",
                        "format": "date-time",
                        "description": "ISO 8601 with its offset",
                    },
                    "unit": {
                        "type": "string",
                        "enum": ["/", "ppm", "count"],
                        "description": "Optional: the quantity's own unit is assumed",
                    },
                },
            },
        }
    },
}

EXAMPLES: dict[str, Any] = {
    "senml": {
        "summary": "SenML pack: a bin's fill level, twice ten minutes apart",
        "value": [
            {
                "bn": "urn:dev:dh-bin-03:",
                "bt": 1780000000,
                "bu": "/",
                "n": "fillingLevel",
                "v": 0.42,
            },
            {"n": "fillingLevel", "t": 600, "v": 0.47},
        ],
    },
    "batch": {
        "summary": "Batch: the same reading as a JSON object",
        "value": {
            "readings": [
                {"name": "fillingLevel", "value": 0.42, "observedAt": "2026-05-01T08:00:00+08:00"}
            ]
        },
    },
}

_BODY_SCHEMA: dict[str, Any] = {"oneOf": [SENML_PACK, READING_BATCH]}

# Merged into the operation by django-ninja (``openapi_extra``); lists there are appended to.
READINGS_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "name": "X-Device-Id",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "example": "dh-bin-03"},
            "description": "The device id; when sent, it must be the id of the device whose "
            "secret authenticates the request.",
        }
    ],
    "requestBody": {
        "required": True,
        "description": "A SenML pack (an array) or a batch (an object with readings); both "
        "media types accept either shape. At most 5,000 readings.",
        "content": {
            "application/senml+json": {"schema": _BODY_SCHEMA, "examples": EXAMPLES},
            "application/json": {"schema": _BODY_SCHEMA, "examples": EXAMPLES},
        },
    },
}
