"""The OpenAPI description of the province server, served at GET /openapi.json; a copy is kept
in docs/openapi.json (tests/test_server.py checks that they agree: after changing this, run
`python -m inspect_tool.server.openapi > docs/openapi.json`)."""

from __future__ import annotations

import json
from typing import Any


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


OBJECT = {"type": "object"}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
SECURED = [{"token": []}]
REFUSED = {
    "401": _error("No valid token."),
    "403": _error("The account may not do this."),
    "404": _error("No such assessment, or not one the account may see."),
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "inspect-tool province server",
        "version": "1",
        "description": (
            "The central store of a province over HTTP, for wards and inspection laptops. "
            "Each request is checked for its account and carried to the database as that "
            "account's role, whose row-level security is the backstop. Run behind a TLS "
            "reverse proxy."
        ),
    },
    "components": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
            "Account": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "kind": {"enum": ["department", "unit", "viewer"]},
                    "unit": {"type": "string"},
                    "province": {"type": "string"},
                },
            },
            "Item": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "inputs": OBJECT,
                    "na": {"type": "boolean"},
                    "evidence": {"type": "array", "items": OBJECT},
                    "note": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
    "paths": {
        "/login": {
            "post": {
                "summary": "Log in with a name and password (a token for 12 hours), or check "
                "a token.",
                "requestBody": _body(
                    {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["name", "password"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            },
                            {
                                "type": "object",
                                "required": ["token"],
                                "properties": {"token": {"type": "string"}},
                            },
                        ]
                    }
                ),
                "responses": {
                    "200": _ok(
                        "The token (for a password) and the account.",
                        {
                            "type": "object",
                            "properties": {
                                "token": {"type": "string"},
                                "expires": {"type": "string"},
                                "account": {"$ref": "#/components/schemas/Account"},
                            },
                        },
                    ),
                    "401": _error("Wrong name or password, or a token not valid."),
                    "429": _error("5 failed logins for the name within 15 minutes."),
                },
            }
        },
        "/me": {
            "get": {
                "summary": "The account of the token.",
                "security": SECURED,
                "responses": {"200": _ok("The account.", OBJECT), "401": REFUSED["401"]},
            }
        },
        "/units": {
            "get": {
                "summary": "The units the account may see.",
                "security": SECURED,
                "responses": {"200": _ok("The units.", OBJECT), "401": REFUSED["401"]},
            }
        },
        "/assessments": {
            "get": {
                "summary": "The summaries of the assessments the account may see.",
                "security": SECURED,
                "responses": {"200": _ok("The summaries.", OBJECT), "401": REFUSED["401"]},
            },
            "post": {
                "summary": "A new assessment (the Department's: appraisal, inspection, self).",
                "security": SECURED,
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["unit", "set", "year", "kind"],
                        "properties": {
                            "unit": {"type": "string"},
                            "set": {"type": "string"},
                            "year": {"type": "integer"},
                            "kind": {"enum": ["self", "appraisal", "inspection"]},
                        },
                    }
                ),
                "responses": {
                    "201": _ok("Its id and version.", OBJECT),
                    "401": REFUSED["401"],
                    "403": REFUSED["403"],
                    "409": _error("One exists already (its id is given)."),
                    "422": _error("Refused by the workflow."),
                },
            },
        },
        "/assessments/{id}": {
            "get": {
                "summary": "An assessment: its header, items and version.",
                "security": SECURED,
                "parameters": [ID],
                "responses": {
                    "200": _ok("The assessment.", OBJECT),
                    "401": REFUSED["401"],
                    "404": REFUSED["404"],
                },
            }
        },
        "/assessments/{id}/answers": {
            "post": {
                "summary": "Answer one item, on the version it was read at.",
                "security": SECURED,
                "parameters": [ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["code", "based_on"],
                        "properties": {
                            "code": {"type": "string"},
                            "inputs": OBJECT,
                            "points": {"type": ["number", "string"]},
                            "na": {"type": "boolean"},
                            "note": {"type": "string"},
                            "evidence": {"type": "array", "items": OBJECT},
                            "reason": {"type": "string"},
                            "based_on": {"type": "integer"},
                        },
                    }
                ),
                "responses": {
                    "200": _ok("The new version and the item.", OBJECT),
                    **REFUSED,
                    "409": _error(
                        "Changed since that version: nothing written; the newer version and "
                        "item are given."
                    ),
                    "422": _error("Refused by the workflow (the answer is wrong)."),
                },
            }
        },
        "/assessments/{id}/submit": {
            "post": {
                "summary": "Submit the assessment.",
                "security": SECURED,
                "parameters": [ID],
                "responses": {
                    "200": _ok("Its state and version.", OBJECT),
                    **REFUSED,
                    "422": _error("Refused by the workflow (something missing)."),
                },
            }
        },
        "/assessments/{id}/finalize": {
            "post": {
                "summary": "Finalize the assessment (the Department's).",
                "security": SECURED,
                "parameters": [ID],
                "responses": {
                    "200": _ok("Its state and version.", OBJECT),
                    **REFUSED,
                    "422": _error("Refused by the workflow."),
                },
            }
        },
        "/ranking": {
            "get": {
                "summary": "The ranking of a criteria set's units in a year (the Department's).",
                "security": SECURED,
                "parameters": [
                    {"name": "set", "in": "query", "required": True, "schema": {"type": "string"}},
                    {
                        "name": "year",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "stage",
                        "in": "query",
                        "schema": {"enum": ["final", "appraisal", "self"], "default": "final"},
                    },
                ],
                "responses": {
                    "200": _ok("The rows, ranked first.", OBJECT),
                    "401": REFUSED["401"],
                    "403": REFUSED["403"],
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This description.",
                "responses": {"200": _ok("OpenAPI 3.1.", OBJECT)},
            }
        },
    },
}

# -- roles and the progress board (migrations/0005) --------------------------------------------

OPENAPI["info"]["description"] += (
    " Each step is checked against the account's role (data of the store: `db account roles`);"
    " a refusal is 403 naming the role and the step."
)
OPENAPI["components"]["schemas"]["Account"]["properties"].update(
    {
        "role": {
            "type": "string",
            "description": "administrator, appraiser, inspector, unit_head, unit_editor, "
            "viewer, department (every step), or a role the store adds.",
        },
        "actions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What the role may do: progress, ranking, accounts, and "
            "KIND.STEP (self, appraisal, inspection; create, answer, submit, finalize).",
        },
    }
)
OPENAPI["components"]["schemas"]["ProgressRow"] = {
    "type": "object",
    "description": "A unit and one of its assessments (id empty: none yet).",
    "properties": {
        "unit": {"type": "string"},
        "unit_name": {"type": "string"},
        "unit_kind": {"type": "string"},
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "year": {"type": "integer"},
        "set_id": {"type": "string"},
        "state": {"type": "string", "description": "draft, submitted, finalized; empty: none"},
        "answered": {"type": "integer"},
        "items": {"type": "integer"},
        "index": {"type": "number"},
        "band": {"type": "string"},
        "updated": {"type": "string"},
        "by": {"type": "string", "description": "Who made the last change."},
    },
}
_QUERY = {"in": "query", "schema": {"type": "string"}}
OPENAPI["paths"].update(
    {
        "/progress": {
            "get": {
                "summary": "The progress board: every unit the account sees (a unit's account, "
                "its own) with its assessments' state, items answered, index, band, last "
                "change and who; the counts per state (under every filter but the state's).",
                "security": SECURED,
                "parameters": [
                    {"name": "state", **_QUERY, "description": "draft, submitted, finalized, none"},
                    {"name": "kind", **_QUERY, "description": "The kind of unit (ward, …)."},
                    {"name": "q", **_QUERY, "description": "Words of the code or name."},
                    {"name": "year", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": _ok(
                        "The board.",
                        {
                            "type": "object",
                            "properties": {
                                "units": {"type": "integer"},
                                "counts": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer"},
                                },
                                "rows": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/ProgressRow"},
                                },
                            },
                        },
                    ),
                    "400": _error("A filter that is not one."),
                    "401": REFUSED["401"],
                    "403": REFUSED["403"],
                },
            }
        },
        "/accounts": {
            "get": {
                "summary": "Every account with its role and how many tokens it has in use "
                "(an administrator's).",
                "security": SECURED,
                "responses": {
                    "200": _ok("The accounts.", OBJECT),
                    "401": REFUSED["401"],
                    "403": REFUSED["403"],
                },
            }
        },
        "/accounts/{name}/revoke": {
            "post": {
                "summary": "Revoke every token of an account (an administrator's).",
                "security": SECURED,
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _ok("How many tokens were revoked.", OBJECT),
                    "401": REFUSED["401"],
                    "403": REFUSED["403"],
                    "404": _error("No such account."),
                },
            }
        },
    }
)


# -- the campaign's explanation round (migrations/0009) -----------------------------------------

_UNIT = {"name": "unit", "in": "path", "required": True, "schema": {"type": "string"}}
_NO_CAMPAIGN = _error("No such campaign or unit in it, or not one the account may see.")

OPENAPI["paths"].update(
    {
        "/campaigns": {
            "get": {
                "summary": "The campaigns the account sees, each with its plan (sets, dates) "
                "and its units' tracks (a unit's account: its own track only).",
                "security": SECURED,
                "responses": {
                    "200": _ok(
                        "The campaigns.",
                        {"type": "object", "properties": {"campaigns": {"type": "array"}}},
                    ),
                    "401": REFUSED["401"],
                },
            }
        },
        "/campaigns/{id}/units/{unit}": {
            "get": {
                "summary": "A unit's step in the campaign, its self-scoring deadline, when its "
                "explanation window closes, and the items its appraisal changed (points "
                "before and after, the Department's reason, the unit's answer, the "
                "council's decision).",
                "security": SECURED,
                "parameters": [ID, _UNIT],
                "responses": {
                    "200": _ok("The unit's explanation round.", OBJECT),
                    "401": REFUSED["401"],
                    "404": _NO_CAMPAIGN,
                },
            }
        },
        "/campaigns/{id}/units/{unit}/explain": {
            "post": {
                "summary": "The unit accepts or contests (with a reason and evidence) an item "
                "its appraisal changed, while its window is open (action campaign.explain: "
                "the unit's head, or the Department).",
                "security": SECURED,
                "parameters": [ID, _UNIT],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["item", "answer"],
                                "properties": {
                                    "item": {"type": "string"},
                                    "answer": {"type": "string", "enum": ["accept", "contest"]},
                                    "reason": {"type": "string"},
                                    "evidence": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _ok("The campaign as the account sees it now.", OBJECT),
                    "400": _error("A field that is not a text."),
                    "401": REFUSED["401"],
                    "403": REFUSED["403"],
                    "404": _NO_CAMPAIGN,
                    "422": _error(
                        "Refused: the window is not open, the item was not changed, "
                        "a contest without a reason, the council has decided."
                    ),
                },
            }
        },
    }
)


# -- recommendations followed up (migrations/0009) ----------------------------------------------

OPENAPI["paths"].update(
    {
        "/recommendations": {
            "get": {
                "summary": "The recommendations followed up that the account sees (a unit's "
                "account: its own), by unit, state and area, overdue first, each with its "
                "state on the server's day.",
                "security": SECURED,
                "parameters": [
                    {"name": "unit", **_QUERY},
                    {
                        "name": "state",
                        **_QUERY,
                        "description": "open, in_progress, reported, done, overdue, withdrawn",
                    },
                    {"name": "area", **_QUERY, "description": "The area's code."},
                    {"name": "year", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": _ok(
                        "The records.",
                        {"type": "object", "properties": {"recommendations": {"type": "array"}}},
                    ),
                    "400": _error("A filter that is not one."),
                    "401": REFUSED["401"],
                },
            }
        },
        "/recommendations/{id}/progress": {
            "post": {
                "summary": "The unit reports what it did (action recommendation.report); "
                "`done` reports it done, which needs evidence and waits for the Department.",
                "security": SECURED,
                "parameters": [ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["text"],
                                "properties": {
                                    "text": {"type": "string"},
                                    "done": {"type": "boolean"},
                                    "day": {"type": "string", "description": "ISO date"},
                                    "evidence": {
                                        "type": "string",
                                        "description": "NUMBER;DATE;ISSUER, several separated by |",
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _ok("The record after the report.", OBJECT),
                    "400": _error("A field of the wrong type."),
                    "401": REFUSED["401"],
                    "403": REFUSED["403"],
                    "404": _error("No such recommendation, or not one the account may see."),
                    "422": _error(
                        "Refused: done without evidence, a day in the future, a "
                        "record already done."
                    ),
                },
            }
        },
    }
)


# -- sync (server/sync.py, docs/sync.md) -------------------------------------------------------

_ENTRY = {
    "type": "object",
    "description": "An audit entry, as the laptop's chain has it (seq, who, when, what, old, "
    "new, prev, hash, content).",
}
_SIDE = {
    "type": "object",
    "properties": {
        "value": {"oneOf": [{"$ref": "#/components/schemas/Item"}, {"type": "null"}]},
        "who": {"type": "string"},
        "when": {"type": "string"},
    },
}
OPENAPI["components"]["schemas"]["Item"]["properties"]["conflict"] = {
    "type": "object",
    "description": "Only on an item changed on the server and on a laptop since their last "
    "sync: both values, until resolved.",
    "properties": {"server": _SIDE, "laptop": _SIDE},
}
OPENAPI["paths"]["/sync/push"] = {
    "post": {
        "summary": "A laptop's changes since its last sync, per assessment: the audit head it "
        "synced last (base, '' for a new one), the entries made since, its documents. Each "
        "assessment is stored (a fast-forward), merged (the server moved on: items changed on "
        "both sides to different values become conflicts), unchanged (sent before) or "
        "refused (tampered, rewritten, not the account's, or not valid), each on its own.",
        "security": SECURED,
        "requestBody": _body(
            {
                "type": "object",
                "required": ["device", "assessments"],
                "properties": {
                    "device": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                    "sets": {"type": "object", "additionalProperties": {"type": "string"}},
                    "assessments": {
                        "type": "array",
                        "maxItems": 2000,
                        "items": {
                            "type": "object",
                            "required": ["header", "items", "base", "entries"],
                            "properties": {
                                "header": OBJECT,
                                "items": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Item"},
                                },
                                "base": {"type": "string"},
                                "entries": {"type": "array", "items": _ENTRY},
                            },
                        },
                    },
                },
            }
        ),
        "responses": {
            "200": _ok(
                "Per assessment: id, result (stored, merged, unchanged, refused), head and seq "
                "(the server's audit head after it), conflicts and not_applied (merged), "
                "status and error (refused).",
                {
                    "type": "object",
                    "properties": {"results": {"type": "array", "items": OBJECT}},
                },
            ),
            "400": _error("The body is not a push."),
            "401": REFUSED["401"],
            "403": REFUSED["403"],
            "413": _error("The push is too large."),
        },
    }
}
OPENAPI["paths"]["/sync/pull"] = {
    "post": {
        "summary": "What the account may see, but the assessments whose audit head the laptop "
        "has already: units, the criteria sets of the assessments sent, and each assessment's "
        "header, items and whole audit log; heads are every visible assessment's.",
        "security": SECURED,
        "requestBody": _body(
            {
                "type": "object",
                "properties": {
                    "heads": {"type": "object", "additionalProperties": {"type": "string"}}
                },
            }
        ),
        "responses": {
            "200": _ok(
                "units, sets, assessments (header, items, audit), heads.",
                {
                    "type": "object",
                    "properties": {
                        "units": {"type": "array", "items": OBJECT},
                        "sets": OBJECT,
                        "assessments": {"type": "array", "items": OBJECT},
                        "heads": OBJECT,
                    },
                },
            ),
            "400": _error("'heads' is not a map of ids to hashes."),
            "401": REFUSED["401"],
        },
    }
}


def text() -> str:
    return json.dumps(OPENAPI, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(text(), end="")
