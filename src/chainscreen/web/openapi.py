"""The review app's JSON API as an OpenAPI 3.1 document (``GET /openapi.json``).

Written out by hand: the paths and shapes are a contract for programs (an ERP's pre-contract
check, a script clearing hits), so they change only on purpose. A test checks that every route
the app serves under ``/api`` is described here and that the answers match these schemas.
"""

from __future__ import annotations

from typing import Any

from chainscreen.models import LEVELS
from chainscreen.review import STATUSES

_ERROR = {"description": "Bad input: one line saying what is wrong",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_NOT_FOUND = {"description": "No such run, hit or row",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_RUN_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"},
           "description": "Run id, as listed by GET /api/runs or `chainscreen runs`"}


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    from chainscreen.version import __version__

    nullable_str = {"type": ["string", "null"]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "chainscreen review API",
            "version": __version__,
            "description": (
                "The local review app's API (`chainscreen serve`): stored screening runs, their "
                "hits and the reviewers' decisions, and the pre-contract check. When the server was "
                "started with --token, send `Authorization: Bearer <token>` with every request."),
        },
        "paths": {
            "/api/runs": {"get": {
                "summary": "Stored runs, newest first",
                "responses": {"200": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Run"}})},
            }},
            "/api/runs/{id}/hits": {"get": {
                "summary": "A run's hits in triage order (entity matches first, then review-level)",
                "parameters": [_RUN_ID, {"name": "state", "in": "query", "required": False,
                                         "schema": {"enum": ["open", "all"], "default": "open"},
                                         "description": "open: never decided or reopened; all: every hit"}],
                "responses": {"200": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}),
                              "400": _ERROR, "404": _NOT_FOUND},
            }},
            "/api/runs/{id}/decisions": {"post": {
                "summary": "Record a decision on a hit",
                "description": (
                    "Decisions are never edited: a new one supersedes the one in force and both "
                    "stay in the history (`chainscreen review --export`). With `every_row`, the "
                    "decision is recorded for the same supplier's hits on the same list record in "
                    "every row of the run. A browser form post needs the page's CSRF token "
                    "(field `csrf`); JSON posts from programs do not."),
                "parameters": [_RUN_ID],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/DecisionRequest"}}}},
                "responses": {
                    "201": _ok({"$ref": "#/components/schemas/Decision"}, "The stored decision"),
                    "400": _ERROR, "404": _NOT_FOUND,
                    "403": {"description": "A form post without this app's CSRF token, or a "
                                           "cross-site request",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }},
            "/api/runs/{id}/rows/{row}": {"get": {
                "summary": "One row's result with the decisions in force applied",
                "description": ("The JSON output contract's row object (docs/schema/"
                                "screen-output.schema.json) with `decision` set, plus `input`: the "
                                "row's own columns. A dismissed hit no longer counts towards "
                                "`level` and `score`; `decision.before` has them as screened."),
                "parameters": [_RUN_ID, {"name": "row", "in": "path", "required": True,
                                         "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": _ok({"$ref": "#/components/schemas/Row"}), "404": _NOT_FOUND},
            }},
            "/api/check": {"post": {
                "summary": "Pre-contract check of supplier names",
                "description": "The same JSON as `chainscreen check --json` (the screening output contract).",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CheckRequest"}}}},
                "responses": {"200": _ok({"type": "object", "required": ["rows", "receipt"],
                                          "description": "docs/schema/screen-output.schema.json"}),
                              "400": _ERROR},
            }},
            "/healthz": {"get": {
                "summary": "The server is up and its run store answers",
                "responses": {"200": _ok({"type": "object", "required": ["status"],
                                          "properties": {"status": {"const": "ok"}}}),
                              "503": _ok({"type": "object"}, "The run store does not answer")},
            }},
        },
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "Only when the server was started with --token"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"],
                          "properties": {"error": {"type": "string"}}},
                "Run": {"type": "object",
                        "required": ["id", "uid", "input", "started", "rows", "counts", "open_hits"],
                        "properties": {
                            "id": {"type": "integer"}, "uid": {"type": "string"},
                            "input": {"type": "string"}, "started": {"type": "string"},
                            "rows": {"type": ["integer", "null"]},
                            "counts": {"type": "object", "properties": {lvl: {"type": "integer"} for lvl in LEVELS}},
                            "open_hits": {"type": "integer"}, "status": {"type": "string"},
                            "lists": {"type": "array", "items": {"type": "object"}}}},
                "Hit": {"type": "object",
                        "required": ["hit", "row", "supplier", "list_id", "record_id", "matched_name",
                                     "match_score", "level", "decision"],
                        "properties": {
                            "hit": {"type": "string", "pattern": "^[0-9]+:.+$",
                                    "description": "ROW:RECORD, as `chainscreen review --decide` takes it"},
                            "row": {"type": "integer"}, "supplier": {"type": "string"},
                            "list_id": {"type": "string"}, "record_id": {"type": "string"},
                            "matched_name": {"type": "string"}, "match_score": {"type": "number"},
                            "level": {"enum": list(LEVELS)},
                            "state": {"enum": ["open", "decided", "reopened"]},
                            "decision": {"oneOf": [{"type": "null"}, {
                                "type": "object", "required": ["decision", "note", "by", "at"],
                                "properties": {"decision": {"enum": list(STATUSES)},
                                               "note": {"type": "string"}, "by": {"type": "string"},
                                               "at": {"type": "string"}}}]}}},
                "DecisionRequest": {"type": "object", "required": ["hit", "decision", "by"],
                                    "properties": {
                                        "hit": {"type": "string", "description": "ROW:RECORD"},
                                        "decision": {"enum": list(STATUSES)},
                                        "note": {"type": "string"}, "by": {"type": "string"},
                                        "every_row": {"type": "boolean", "default": False}}},
                "Decision": {"type": "object",
                             "required": ["hit", "decision", "note", "by", "at", "list_id", "record_id"],
                             "properties": {
                                 "hit": {"type": "string"}, "decision": {"enum": list(STATUSES)},
                                 "note": {"type": "string"}, "by": {"type": "string"},
                                 "at": {"type": "string"}, "list_id": {"type": "string"},
                                 "record_id": {"type": "string"}, "edition": {"type": "string"},
                                 "record_hash": {"type": "string"}, "row_hash": {"type": "string"},
                                 "applied_to": {"type": "integer"}}},
                "Row": {"type": "object", "required": ["row", "level", "score", "reasons", "evidence", "input"],
                        "properties": {"row": {"type": "integer"}, "level": {"enum": list(LEVELS)},
                                       "score": {"type": "number"},
                                       "decision": {"type": ["object", "null"]},
                                       "input": {"type": "object"}}},
                "CheckRequest": {"type": "object", "required": ["names"],
                                 "properties": {"names": {"type": "array", "items": {"type": "string"},
                                                          "minItems": 1},
                                                "country": nullable_str, "hs": nullable_str,
                                                "goods": nullable_str, "address": nullable_str}},
            },
        },
    }
