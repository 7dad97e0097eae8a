/// The OpenAPI 3.1 document of contract.md, served at `GET {base}/openapi.json` without a
/// token. It is the repository's copy of the document: edit it here, and keep
/// OpenAPIDocumentTests (every route, method and status the code answers) passing.
public enum OpenAPIDocument {
    /// The document for a route prefix (the `servers` entry names the base path).
    public static func bytes(basePath: String) -> [UInt8] {
        Array(json.replacing("\"url\": \"/crm/api/v2\"", with: "\"url\": \"\(basePath)\"").utf8)
    }

    public static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "leadsd: Laravel CRM Leads API v2",
    "version": "2.0.0",
    "description": "The Laravel CRM Leads API (v2) as leadsd serves it. Every response body is JSON; 204 responses have none. Counted responses carry X-RateLimit-Limit and X-RateLimit-Remaining."
  },
  "servers": [
    {
      "url": "/crm/api/v2",
      "description": "route_prefix `crm` (configurable)"
    }
  ],
  "security": [
    {
      "bearerAuth": []
    }
  ],
  "tags": [
    {
      "name": "leads"
    },
    {
      "name": "auth"
    },
    {
      "name": "meta"
    }
  ],
  "paths": {
    "/leads": {
      "get": {
        "tags": [
          "leads"
        ],
        "operationId": "listLeads",
        "summary": "List live leads, paginated",
        "description": "Needs the `view crm leads` ability.",
        "parameters": [
          {
            "name": "per_page",
            "in": "query",
            "required": false,
            "description": "Default 25; below 1 or not a plain integer means 25; above 100 means 100.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "page",
            "in": "query",
            "required": false,
            "description": "From 1; anything else means 1. A page past the end answers `data: []`.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "sort",
            "in": "query",
            "required": false,
            "description": "`created_at`, `updated_at`, `title` or `amount`, `-` prefix for descending; default `-created_at`; unknown values are ignored. Ties broken by id; null amounts last.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "user_owner_id",
            "in": "query",
            "required": false,
            "description": "Only leads of this owner.",
            "schema": {
              "type": "integer",
              "minimum": -9223372036854775808,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page of leads",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LeadPage"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "422": {
            "$ref": "#/components/responses/ValidationFailed"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "post": {
        "tags": [
          "leads"
        ],
        "operationId": "createLead",
        "summary": "Create a lead",
        "description": "Needs the `create crm leads` ability. One transaction: the lead and its label links commit together.",
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LeadCreate"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Created",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LeadDocument"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Malformed"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "422": {
            "$ref": "#/components/responses/ValidationFailed"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/leads/{uuid}": {
      "parameters": [
        {
          "name": "uuid",
          "in": "path",
          "required": true,
          "description": "The lead's external_id. Not 8-4-4-4-12 hex, unknown or soft-deleted: 404.",
          "schema": {
            "type": "string"
          }
        }
      ],
      "get": {
        "tags": [
          "leads"
        ],
        "operationId": "showLead",
        "summary": "Show a lead",
        "description": "Needs the `view crm leads` ability.",
        "responses": {
          "200": {
            "description": "The lead",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LeadDocument"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/LeadNotFound"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "put": {
        "tags": [
          "leads"
        ],
        "operationId": "updateLead",
        "summary": "Update a lead (partial)",
        "description": "Needs the `edit crm leads` ability. An absent field keeps its value; null clears it; `labels` present replaces the whole set.",
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LeadUpdate"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The updated lead",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LeadDocument"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Malformed"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/LeadNotFound"
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "422": {
            "$ref": "#/components/responses/ValidationFailed"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "patch": {
        "tags": [
          "leads"
        ],
        "operationId": "patchLead",
        "summary": "Update a lead (partial; same as PUT)",
        "description": "Needs the `edit crm leads` ability. An absent field keeps its value; null clears it; `labels` present replaces the whole set.",
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LeadUpdate"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The updated lead",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LeadDocument"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Malformed"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/LeadNotFound"
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "422": {
            "$ref": "#/components/responses/ValidationFailed"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "delete": {
        "tags": [
          "leads"
        ],
        "operationId": "deleteLead",
        "summary": "Soft-delete a lead",
        "description": "Needs the `delete crm leads` ability.",
        "responses": {
          "204": {
            "description": "Deleted (soft)",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/LeadNotFound"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/auth/token": {
      "post": {
        "tags": [
          "auth"
        ],
        "operationId": "issueToken",
        "summary": "Issue a token for email and password",
        "security": [],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TokenRequest"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "A new token (shown once)",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TokenResponse"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Malformed"
          },
          "413": {
            "$ref": "#/components/responses/PayloadTooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "422": {
            "$ref": "#/components/responses/ValidationFailed"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      },
      "delete": {
        "tags": [
          "auth"
        ],
        "operationId": "revokeToken",
        "summary": "Delete the token used for this request",
        "responses": {
          "204": {
            "description": "Revoked",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/auth/me": {
      "get": {
        "tags": [
          "auth"
        ],
        "operationId": "me",
        "summary": "The user behind the token",
        "responses": {
          "200": {
            "description": "The user",
            "headers": {
              "X-RateLimit-Limit": {
                "$ref": "#/components/headers/X-RateLimit-Limit"
              },
              "X-RateLimit-Remaining": {
                "$ref": "#/components/headers/X-RateLimit-Remaining"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UserDocument"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "429": {
            "$ref": "#/components/responses/TooManyAttempts"
          },
          "500": {
            "$ref": "#/components/responses/ServerError"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "tags": [
          "meta"
        ],
        "operationId": "openAPIDocument",
        "summary": "This document",
        "security": [],
        "responses": {
          "200": {
            "description": "OpenAPI 3.1",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A Sanctum personal access token, `<id>|<secret>`."
      }
    },
    "schemas": {
      "Message": {
        "type": "object",
        "required": [
          "message"
        ],
        "properties": {
          "message": {
            "type": "string"
          }
        }
      },
      "ValidationError": {
        "type": "object",
        "required": [
          "message",
          "errors"
        ],
        "properties": {
          "message": {
            "type": "string",
            "description": "The first message, then ` (and N more error[s])`."
          },
          "errors": {
            "type": "object",
            "additionalProperties": {
              "type": "array",
              "items": {
                "type": "string"
              },
              "minItems": 1
            }
          }
        }
      },
      "Timestamp": {
        "type": [
          "string",
          "null"
        ],
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+00:00$"
      },
      "Reference": {
        "type": [
          "object",
          "null"
        ],
        "required": [
          "id",
          "name"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "Lead": {
        "type": "object",
        "required": [
          "id",
          "lead_id",
          "title",
          "description",
          "amount",
          "currency",
          "expected_close",
          "converted_at",
          "created_at",
          "updated_at",
          "deleted_at",
          "owner",
          "person",
          "organization",
          "labels"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "external_id (UUID)"
          },
          "lead_id": {
            "type": [
              "string",
              "null"
            ],
            "examples": [
              "L1001"
            ]
          },
          "title": {
            "type": "string"
          },
          "description": {
            "type": [
              "string",
              "null"
            ]
          },
          "amount": {
            "type": [
              "number",
              "null"
            ],
            "description": "From integer cents, always with two decimals."
          },
          "currency": {
            "type": "string"
          },
          "expected_close": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "converted_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "created_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "updated_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "deleted_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "owner": {
            "type": [
              "object",
              "null"
            ],
            "required": [
              "id",
              "name"
            ],
            "properties": {
              "id": {
                "type": "integer"
              },
              "name": {
                "type": [
                  "string",
                  "null"
                ]
              }
            }
          },
          "person": {
            "$ref": "#/components/schemas/Reference"
          },
          "organization": {
            "$ref": "#/components/schemas/Reference"
          },
          "labels": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "id",
                "name"
              ],
              "properties": {
                "id": {
                  "type": "string"
                },
                "name": {
                  "type": [
                    "string",
                    "null"
                  ]
                }
              }
            }
          }
        }
      },
      "LeadDocument": {
        "type": "object",
        "required": [
          "data"
        ],
        "properties": {
          "data": {
            "$ref": "#/components/schemas/Lead"
          }
        }
      },
      "PageLink": {
        "type": "object",
        "required": [
          "url",
          "label",
          "active"
        ],
        "properties": {
          "url": {
            "type": [
              "string",
              "null"
            ]
          },
          "label": {
            "type": "string"
          },
          "active": {
            "type": "boolean"
          },
          "page": {
            "type": [
              "integer",
              "null"
            ]
          }
        }
      },
      "LeadPage": {
        "type": "object",
        "required": [
          "data",
          "links",
          "meta"
        ],
        "properties": {
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Lead"
            }
          },
          "links": {
            "type": "object",
            "required": [
              "first",
              "last",
              "prev",
              "next"
            ],
            "properties": {
              "first": {
                "type": "string"
              },
              "last": {
                "type": "string"
              },
              "prev": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "next": {
                "type": [
                  "string",
                  "null"
                ]
              }
            }
          },
          "meta": {
            "type": "object",
            "required": [
              "current_page",
              "from",
              "last_page",
              "links",
              "path",
              "per_page",
              "to",
              "total"
            ],
            "properties": {
              "current_page": {
                "type": "integer",
                "minimum": 1
              },
              "from": {
                "type": [
                  "integer",
                  "null"
                ]
              },
              "last_page": {
                "type": "integer",
                "minimum": 1
              },
              "links": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/PageLink"
                }
              },
              "path": {
                "type": "string"
              },
              "per_page": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100
              },
              "to": {
                "type": [
                  "integer",
                  "null"
                ]
              },
              "total": {
                "type": "integer",
                "minimum": 0
              }
            }
          }
        }
      },
      "Blank": {
        "description": "Strings are trimmed and an empty string counts as null.",
        "type": "string",
        "pattern": "^[ \\t\\n\\r\\u000b]*$"
      },
      "NullableUUID": {
        "anyOf": [
          {
            "type": "string",
            "pattern": "^[ \\t\\n\\r\\u000b]*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}[ \\t\\n\\r\\u000b]*$"
          },
          {
            "$ref": "#/components/schemas/Blank"
          },
          {
            "type": "null"
          }
        ],
        "description": "The external_id of a live row."
      },
      "Amount": {
        "anyOf": [
          {
            "type": "number",
            "minimum": 0,
            "maximum": 21474836.47,
            "multipleOf": 0.01
          },
          {
            "type": "string",
            "pattern": "^[ \\t\\n\\r\\u000b]*\\+?([0-9]+\\.?[0-9]{0,2}|\\.[0-9]{1,2})[ \\t\\n\\r\\u000b]*$"
          },
          {
            "$ref": "#/components/schemas/Blank"
          },
          {
            "type": "null"
          }
        ],
        "description": "At most two decimals, at least 0, at most 21474836.47; stored as integer cents."
      },
      "LeadFields": {
        "type": "object",
        "properties": {
          "description": {
            "anyOf": [
              {
                "type": "string",
                "pattern": "^[^\\u0000]*$"
              },
              {
                "type": "null"
              }
            ]
          },
          "amount": {
            "$ref": "#/components/schemas/Amount"
          },
          "currency": {
            "anyOf": [
              {
                "type": "string",
                "pattern": "^[ \\t\\n\\r\\u000b]*[^ \\t\\n\\r\\u000b\\u0000][^\\u0000][^ \\t\\n\\r\\u000b\\u0000][ \\t\\n\\r\\u000b]*$"
              },
              {
                "$ref": "#/components/schemas/Blank"
              },
              {
                "type": "null"
              }
            ],
            "description": "3 characters; null or empty means USD."
          },
          "expected_close": {
            "anyOf": [
              {
                "type": "string",
                "pattern": "^[ \\t\\n\\r\\u000b]*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])[ \\t\\n\\r\\u000b]*$"
              },
              {
                "$ref": "#/components/schemas/Blank"
              },
              {
                "type": "null"
              }
            ],
            "description": "`Y-m-d\\TH:i:sP` (e.g. `2026-07-15T10:00:00Z`), stored in UTC. Days 29-31 are valid where the month has them."
          },
          "person_id": {
            "$ref": "#/components/schemas/NullableUUID"
          },
          "organization_id": {
            "$ref": "#/components/schemas/NullableUUID"
          },
          "lead_source_id": {
            "$ref": "#/components/schemas/NullableUUID"
          },
          "pipeline_stage_id": {
            "$ref": "#/components/schemas/NullableUUID"
          },
          "user_owner_id": {
            "anyOf": [
              {
                "type": "integer",
                "minimum": 1,
                "maximum": 9223372036854775807
              },
              {
                "type": "string",
                "pattern": "^[ \\t\\n\\r\\u000b]*\\+?[1-9][0-9]{0,17}[ \\t\\n\\r\\u000b]*$"
              },
              {
                "$ref": "#/components/schemas/Blank"
              },
              {
                "type": "null"
              }
            ],
            "description": "The id of an existing user."
          },
          "labels": {
            "anyOf": [
              {
                "type": "array",
                "items": {
                  "type": "string",
                  "pattern": "^[ \\t\\n\\r\\u000b]*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}[ \\t\\n\\r\\u000b]*$"
                }
              },
              {
                "type": "null"
              }
            ],
            "description": "UUIDs of live labels; replaces the whole set when present."
          }
        }
      },
      "Title": {
        "type": "string",
        "maxLength": 255,
        "pattern": "^[^\\u0000]*[^ \\t\\n\\r\\u000b\\u0000][^\\u0000]*$"
      },
      "LeadCreate": {
        "allOf": [
          {
            "$ref": "#/components/schemas/LeadFields"
          },
          {
            "type": "object",
            "required": [
              "title"
            ],
            "properties": {
              "title": {
                "$ref": "#/components/schemas/Title"
              }
            }
          }
        ]
      },
      "LeadUpdate": {
        "allOf": [
          {
            "$ref": "#/components/schemas/LeadFields"
          },
          {
            "type": "object",
            "properties": {
              "title": {
                "$ref": "#/components/schemas/Title"
              }
            }
          }
        ]
      },
      "User": {
        "type": "object",
        "required": [
          "id",
          "name",
          "email"
        ],
        "properties": {
          "id": {
            "type": "integer"
          },
          "name": {
            "type": "string"
          },
          "email": {
            "type": "string"
          }
        }
      },
      "UserDocument": {
        "type": "object",
        "required": [
          "user"
        ],
        "properties": {
          "user": {
            "$ref": "#/components/schemas/User"
          }
        }
      },
      "TokenRequest": {
        "type": "object",
        "required": [
          "email",
          "password"
        ],
        "properties": {
          "email": {
            "type": "string",
            "format": "email"
          },
          "password": {
            "type": "string",
            "minLength": 1
          },
          "device_name": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "TokenResponse": {
        "type": "object",
        "required": [
          "token",
          "user"
        ],
        "properties": {
          "token": {
            "type": "string",
            "pattern": "^[0-9]+\\|[A-Za-z0-9]{40}[0-9a-f]{8}$"
          },
          "user": {
            "$ref": "#/components/schemas/User"
          }
        }
      }
    },
    "headers": {
      "X-RateLimit-Limit": {
        "description": "Requests allowed in the window.",
        "schema": {
          "type": "integer"
        }
      },
      "X-RateLimit-Remaining": {
        "description": "Requests left in the window.",
        "schema": {
          "type": "integer",
          "minimum": 0
        }
      },
      "X-RateLimit-Reset": {
        "description": "Unix time of the window's end.",
        "schema": {
          "type": "integer"
        }
      },
      "Retry-After": {
        "description": "Seconds to wait.",
        "schema": {
          "type": "integer",
          "minimum": 0
        }
      }
    },
    "responses": {
      "Malformed": {
        "description": "Malformed JSON body.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "Unauthenticated": {
        "description": "Unauthenticated.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "Forbidden": {
        "description": "This action is unauthorized.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "LeadNotFound": {
        "description": "Lead not found.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "PayloadTooLarge": {
        "description": "Payload Too Large.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "UnsupportedMediaType": {
        "description": "Unsupported Media Type.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "ValidationFailed": {
        "description": "Validation failed.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ValidationError"
            }
          }
        }
      },
      "TooManyAttempts": {
        "description": "Too Many Attempts.",
        "headers": {
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          },
          "X-RateLimit-Reset": {
            "$ref": "#/components/headers/X-RateLimit-Reset"
          },
          "X-RateLimit-Limit": {
            "$ref": "#/components/headers/X-RateLimit-Limit"
          },
          "X-RateLimit-Remaining": {
            "$ref": "#/components/headers/X-RateLimit-Remaining"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "ServerError": {
        "description": "Server Error.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      },
      "Unavailable": {
        "description": "Service Unavailable.",
        "headers": {
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          }
        }
      }
    }
  }
}
"""#
}
