import Hummingbird
import HTTPTypes
import NIOCore

/// `GET /openapi.json`: the OpenAPI 3.1 document of the whole API, compiled in.
///
/// Every endpoint and field the gateway serves is described here, in the same change that adds
/// it; CI checks the running server against it with a schema-driven fuzzer (schemathesis).
enum OpenAPIDocument {
    static let bytes = ByteBuffer(string: json)

    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }

    static let json = #"""
{
 "openapi": "3.1.0",
 "info": {
  "title": "Tollgate",
  "version": "1.0.0",
  "description": "An OpenAI-compatible LLM gateway with per-team metering, pricing and budgets. Every error is OpenAI's envelope {\"error\": {\"message\", \"type\", \"param\", \"code\"}}, with null where a field has no value."
 },
 "components": {
  "securitySchemes": {
   "teamKey": {
    "type": "http",
    "scheme": "bearer",
    "description": "A team API key, tg-\u2026"
   },
   "adminKey": {
    "type": "http",
    "scheme": "bearer",
    "description": "The admin key (TOLLGATE_ADMIN_KEY)."
   }
  },
  "responses": {
   "Error": {
    "description": "An error in OpenAI's envelope.",
    "headers": {
     "retry-after": {
      "schema": {
       "type": "string"
      },
      "description": "Seconds to wait (429, 503)."
     },
     "x-should-retry": {
      "schema": {
       "type": "string"
      },
      "description": "false when retrying cannot help (budget exhausted)."
     }
    },
    "content": {
     "application/json": {
      "schema": {
       "$ref": "#/components/schemas/ErrorEnvelope"
      }
     }
    }
   }
  },
  "schemas": {
   "ErrorEnvelope": {
    "type": "object",
    "required": [
     "error"
    ],
    "properties": {
     "error": {
      "type": "object",
      "required": [
       "message",
       "type",
       "param",
       "code"
      ],
      "properties": {
       "message": {
        "type": "string"
       },
       "type": {
        "type": "string"
       },
       "param": {
        "type": [
         "string",
         "null"
        ]
       },
       "code": {
        "type": [
         "string",
         "null"
        ]
       }
      }
     }
    }
   },
   "ChatMessage": {
    "type": "object",
    "required": [
     "role"
    ],
    "additionalProperties": true,
    "properties": {
     "role": {
      "type": "string",
      "description": "system, developer, user, assistant or tool."
     },
     "content": {
      "description": "Text, or an array of content parts (text, image_url, input_audio, file)."
     },
     "tool_calls": {
      "type": "array",
      "items": {
       "type": "object"
      }
     },
     "tool_call_id": {
      "type": "string"
     },
     "name": {
      "type": "string"
     }
    }
   },
   "ChatCompletionRequest": {
    "type": "object",
    "required": [
     "model",
     "messages"
    ],
    "additionalProperties": true,
    "description": "OpenAI's chat completions body; fields Tollgate does not read are forwarded untouched.",
    "properties": {
     "model": {
      "type": "string",
      "minLength": 1,
      "examples": [
       "gpt-4o-mini"
      ]
     },
     "messages": {
      "type": "array",
      "minItems": 1,
      "items": {
       "$ref": "#/components/schemas/ChatMessage"
      },
      "examples": [
       [
        {
         "role": "user",
         "content": "Hello"
        }
       ]
      ]
     },
     "stream": {
      "type": [
       "boolean",
       "null"
      ]
     },
     "stream_options": {
      "type": [
       "object",
       "null"
      ],
      "properties": {
       "include_usage": {
        "type": "boolean"
       }
      }
     },
     "max_tokens": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 1000000000,
      "description": "At most the model's max_output_tokens."
     },
     "max_completion_tokens": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 1000000000
     },
     "n": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 128
     },
     "metadata": {
      "type": [
       "object",
       "null"
      ],
      "properties": {
       "task": {
        "type": "string",
        "description": "Tollgate's task tag; removed before forwarding."
       }
      }
     },
     "tools": {
      "type": "array",
      "items": {
       "type": "object"
      }
     },
     "service_tier": {
      "type": [
       "string",
       "null"
      ],
      "description": "The tier to be served at (auto, default, flex, priority, \u2026). A tier the model's price entry has no rates for is a 400 unpriced_option."
     },
     "enable_thinking": {
      "type": [
       "boolean",
       "null"
      ],
      "description": "Qwen's thinking mode, billed at the entry's thinking_output rate."
     }
    }
   },
   "Usage": {
    "type": "object",
    "required": [
     "prompt_tokens",
     "completion_tokens",
     "total_tokens"
    ],
    "properties": {
     "prompt_tokens": {
      "type": "integer"
     },
     "completion_tokens": {
      "type": "integer"
     },
     "total_tokens": {
      "type": "integer"
     },
     "prompt_tokens_details": {
      "type": "object",
      "properties": {
       "cached_tokens": {
        "type": "integer"
       },
       "cache_write_tokens": {
        "type": "integer"
       },
       "cache_write_1h_tokens": {
        "type": "integer",
        "description": "The part of cache_write_tokens written to Anthropic's 1-hour cache."
       }
      }
     },
     "completion_tokens_details": {
      "type": "object",
      "properties": {
       "reasoning_tokens": {
        "type": "integer"
       }
      }
     },
     "cost": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, exact to 12 decimals; null for an unpriced model."
     }
    }
   },
   "ChatCompletion": {
    "type": "object",
    "required": [
     "id",
     "object",
     "created",
     "model",
     "choices"
    ],
    "properties": {
     "id": {
      "type": "string"
     },
     "object": {
      "const": "chat.completion"
     },
     "created": {
      "type": "integer"
     },
     "model": {
      "type": "string"
     },
     "choices": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "index",
        "message",
        "finish_reason"
       ],
       "properties": {
        "index": {
         "type": "integer"
        },
        "finish_reason": {
         "type": [
          "string",
          "null"
         ]
        },
        "message": {
         "type": "object",
         "required": [
          "role"
         ],
         "properties": {
          "role": {
           "type": "string"
          },
          "content": {
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
     "usage": {
      "$ref": "#/components/schemas/Usage"
     },
     "service_tier": {
      "type": [
       "string",
       "null"
      ],
      "description": "The service tier the provider served the call at."
     }
    }
   },
   "EmbeddingsRequest": {
    "type": "object",
    "required": [
     "model",
     "input"
    ],
    "additionalProperties": true,
    "properties": {
     "model": {
      "type": "string",
      "minLength": 1,
      "examples": [
       "text-embedding-3-small"
      ]
     },
     "input": {
      "description": "A string, an array of strings, an array of tokens, or an array of token arrays.",
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "array",
        "minItems": 1,
        "items": {
         "anyOf": [
          {
           "type": "string"
          },
          {
           "type": "integer"
          },
          {
           "type": "array",
           "minItems": 1,
           "items": {
            "type": "integer"
           }
          }
         ]
        }
       }
      ]
     }
    }
   },
   "Embeddings": {
    "type": "object",
    "required": [
     "object",
     "data",
     "model"
    ],
    "properties": {
     "object": {
      "const": "list"
     },
     "model": {
      "type": "string"
     },
     "usage": {
      "type": "object",
      "required": [
       "prompt_tokens",
       "total_tokens"
      ],
      "properties": {
       "prompt_tokens": {
        "type": "integer"
       },
       "total_tokens": {
        "type": "integer"
       },
       "cost": {
        "type": [
         "number",
         "null"
        ],
        "description": "USD, exact to 12 decimals; null for an unpriced model."
       }
      }
     },
     "data": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "object",
        "index",
        "embedding"
       ],
       "properties": {
        "object": {
         "const": "embedding"
        },
        "index": {
         "type": "integer"
        },
        "embedding": {}
       }
      }
     }
    }
   },
   "ModelList": {
    "type": "object",
    "required": [
     "object",
     "data"
    ],
    "properties": {
     "object": {
      "const": "list"
     },
     "data": {
      "type": "array",
      "items": {
       "type": "object",
       "required": [
        "id",
        "object",
        "created",
        "owned_by"
       ],
       "properties": {
        "id": {
         "type": "string"
        },
        "object": {
         "const": "model"
        },
        "created": {
         "type": "integer"
        },
        "owned_by": {
         "type": "string"
        }
       }
      }
     }
    }
   },
   "Budget": {
    "type": "object",
    "required": [
     "scope",
     "id",
     "name",
     "monthly_budget_usd",
     "soft_budget_usd",
     "spent_usd",
     "reserved_usd",
     "remaining_usd",
     "period_start",
     "resets_at"
    ],
    "properties": {
     "scope": {
      "enum": [
       "team",
       "key"
      ]
     },
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "name": {
      "type": "string"
     },
     "monthly_budget_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, written from the exact decimal; null when not set."
     },
     "soft_budget_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, written from the exact decimal; null when not set."
     },
     "spent_usd": {
      "type": "number",
      "description": "USD, written from the exact decimal."
     },
     "reserved_usd": {
      "type": "number",
      "description": "USD, written from the exact decimal."
     },
     "remaining_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, written from the exact decimal; null when not set."
     },
     "period_start": {
      "type": "string",
      "description": "RFC 3339 time (UTC)."
     },
     "resets_at": {
      "type": "string",
      "description": "RFC 3339 time (UTC)."
     }
    }
   },
   "BudgetStatus": {
    "type": "object",
    "required": [
     "timezone"
    ],
    "properties": {
     "key": {
      "$ref": "#/components/schemas/Budget"
     },
     "team": {
      "$ref": "#/components/schemas/Budget"
     },
     "timezone": {
      "type": "string"
     }
    }
   },
   "TeamInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "name": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "monthly_budget_usd": {
      "type": [
       "number",
       "string",
       "null"
      ],
      "description": "USD as a number or decimal string, 0 to 999999999999; null clears it."
     },
     "soft_budget_usd": {
      "type": [
       "number",
       "string",
       "null"
      ],
      "description": "USD as a number or decimal string, 0 to 999999999999; null clears it."
     },
     "budget_timezone": {
      "type": "string",
      "description": "IANA zone; changing it carries the period's spend."
     },
     "downgrade": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      }
     },
     "alert_webhook_url": {
      "type": [
       "string",
       "null"
      ],
      "description": "http(s); private addresses refused unless --allow-private-webhooks."
     }
    }
   },
   "Team": {
    "type": "object",
    "required": [
     "id",
     "name",
     "monthly_budget_usd",
     "soft_budget_usd",
     "budget_timezone",
     "downgrade",
     "alert_webhook_url",
     "created_at"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "name": {
      "type": "string"
     },
     "monthly_budget_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, written from the exact decimal; null when not set."
     },
     "soft_budget_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, written from the exact decimal; null when not set."
     },
     "budget_timezone": {
      "type": "string"
     },
     "downgrade": {
      "type": "object",
      "additionalProperties": {
       "type": "string"
      }
     },
     "alert_webhook_url": {
      "type": [
       "string",
       "null"
      ]
     },
     "created_at": {
      "type": "string",
      "description": "RFC 3339 time (UTC)."
     },
     "budget": {
      "$ref": "#/components/schemas/Budget"
     }
    }
   },
   "KeyInput": {
    "type": "object",
    "additionalProperties": false,
    "properties": {
     "team_id": {
      "type": "string",
      "format": "uuid",
      "description": "Required at creation; cannot be changed."
     },
     "name": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "models": {
      "type": [
       "array",
       "null"
      ],
      "items": {
       "type": "string"
      }
     },
     "monthly_budget_usd": {
      "type": [
       "number",
       "string",
       "null"
      ],
      "description": "USD as a number or decimal string, 0 to 999999999999; null clears it."
     },
     "soft_budget_usd": {
      "type": [
       "number",
       "string",
       "null"
      ],
      "description": "USD as a number or decimal string, 0 to 999999999999; null clears it."
     },
     "rpm_limit": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 2147483647
     },
     "tpm_limit": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 2147483647
     },
     "expires_at": {
      "type": [
       "string",
       "null"
      ],
      "description": "RFC 3339 time (UTC), or null."
     }
    }
   },
   "Key": {
    "type": "object",
    "required": [
     "id",
     "prefix",
     "team_id",
     "name",
     "models",
     "monthly_budget_usd",
     "soft_budget_usd",
     "rpm_limit",
     "tpm_limit",
     "expires_at",
     "revoked_at",
     "created_at"
    ],
    "properties": {
     "id": {
      "type": "string",
      "format": "uuid"
     },
     "key": {
      "type": "string",
      "description": "The secret: only in the answer to its creation."
     },
     "prefix": {
      "type": "string"
     },
     "team_id": {
      "type": "string",
      "format": "uuid"
     },
     "name": {
      "type": "string"
     },
     "models": {
      "type": [
       "array",
       "null"
      ],
      "items": {
       "type": "string"
      }
     },
     "monthly_budget_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, written from the exact decimal; null when not set."
     },
     "soft_budget_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "USD, written from the exact decimal; null when not set."
     },
     "rpm_limit": {
      "type": [
       "integer",
       "null"
      ]
     },
     "tpm_limit": {
      "type": [
       "integer",
       "null"
      ]
     },
     "expires_at": {
      "type": [
       "string",
       "null"
      ],
      "description": "RFC 3339 time (UTC), or null."
     },
     "revoked_at": {
      "type": [
       "string",
       "null"
      ],
      "description": "RFC 3339 time (UTC), or null."
     },
     "created_at": {
      "type": "string",
      "description": "RFC 3339 time (UTC)."
     },
     "budget": {
      "$ref": "#/components/schemas/Budget"
     }
    }
   },
   "TeamList": {
    "type": "object",
    "required": [
     "object",
     "data"
    ],
    "properties": {
     "object": {
      "const": "list"
     },
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Team"
      }
     }
    }
   },
   "KeyList": {
    "type": "object",
    "required": [
     "object",
     "data"
    ],
    "properties": {
     "object": {
      "const": "list"
     },
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Key"
      }
     }
    }
   },
   "SpendTotals": {
    "type": "object",
    "required": [
     "requests",
     "input_tokens",
     "cached_input_tokens",
     "cache_write_tokens",
     "output_tokens",
     "reasoning_tokens",
     "cost_usd",
     "unpriced_requests"
    ],
    "properties": {
     "requests": {
      "type": "integer"
     },
     "input_tokens": {
      "type": "integer"
     },
     "cached_input_tokens": {
      "type": "integer"
     },
     "cache_write_tokens": {
      "type": "integer"
     },
     "output_tokens": {
      "type": "integer"
     },
     "reasoning_tokens": {
      "type": "integer"
     },
     "cost_usd": {
      "type": "number",
      "description": "USD, written from the exact decimal."
     },
     "unpriced_requests": {
      "type": "integer"
     }
    }
   },
   "SpendReport": {
    "type": "object",
    "required": [
     "from",
     "to",
     "currency",
     "group_by",
     "totals",
     "rows"
    ],
    "properties": {
     "from": {
      "type": "string",
      "description": "RFC 3339 time (UTC)."
     },
     "to": {
      "type": "string",
      "description": "RFC 3339 time (UTC)."
     },
     "currency": {
      "const": "USD"
     },
     "group_by": {
      "type": "array",
      "items": {
       "type": "string"
      }
     },
     "totals": {
      "$ref": "#/components/schemas/SpendTotals"
     },
     "rows": {
      "type": "array",
      "items": {
       "allOf": [
        {
         "$ref": "#/components/schemas/SpendTotals"
        }
       ],
       "description": "The sums, plus one field per grouping (team_id and team, key_id and key, model, task, day, provider)."
      }
     }
    }
   },
   "Readiness": {
    "type": "object",
    "required": [
     "status",
     "checks"
    ],
    "properties": {
     "status": {
      "enum": [
       "ready",
       "degraded"
      ]
     },
     "checks": {
      "type": "object",
      "required": [
       "database",
       "usage_spool"
      ],
      "properties": {
       "database": {
        "type": "object",
        "required": [
         "status"
        ],
        "properties": {
         "status": {
          "enum": [
           "ok",
           "unreachable"
          ]
         },
         "error": {
          "type": [
           "string",
           "null"
          ]
         }
        }
       },
       "usage_spool": {
        "type": "object",
        "required": [
         "status",
         "bytes",
         "max_bytes",
         "pending_events"
        ],
        "properties": {
         "status": {
          "enum": [
           "ok",
           "full",
           "unwritable"
          ]
         },
         "bytes": {
          "type": "integer"
         },
         "max_bytes": {
          "type": "integer"
         },
         "pending_events": {
          "type": "integer"
         }
        }
       }
      }
     }
    }
   },
   "PriceRates": {
    "type": "object",
    "required": [
     "input",
     "output"
    ],
    "properties": {
     "input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cached_input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write_1h": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "thinking_output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     }
    },
    "description": "Rates of a prompt band or a service tier. Unset rates default to one that never bills less: cached_input and cache_write to input, cache_write_1h to cache_write, thinking_output to output."
   },
   "PriceTier": {
    "type": "object",
    "required": [
     "above_input_tokens",
     "input",
     "output"
    ],
    "properties": {
     "above_input_tokens": {
      "type": "integer",
      "minimum": 1,
      "maximum": 1000000000
     },
     "input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cached_input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write_1h": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "thinking_output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     }
    },
    "description": "A request whose prompt (every input token, cached or not) is above above_input_tokens is billed wholly at these rates."
   },
   "PriceEntry": {
    "type": "object",
    "required": [
     "model",
     "provider",
     "input",
     "output",
     "effective_from"
    ],
    "properties": {
     "model": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "provider": {
      "type": "string",
      "minLength": 1,
      "maxLength": 100,
      "pattern": "^[A-Za-z0-9._-]+$"
     },
     "input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cached_input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write_1h": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "thinking_output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "effective_from": {
      "type": "string",
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
      "description": "YYYY-MM-DD (UTC)."
     },
     "tiers": {
      "type": [
       "array",
       "null"
      ],
      "items": {
       "$ref": "#/components/schemas/PriceTier"
      }
     },
     "service_tiers": {
      "type": [
       "object",
       "null"
      ],
      "additionalProperties": {
       "$ref": "#/components/schemas/PriceRates"
      },
      "description": "Rates by the service tier the provider reports (priority, flex, \u2026)."
     },
     "max_input_tokens": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 1000000000
     },
     "max_output_tokens": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 1000000000
     },
     "retired_from": {
      "type": [
       "string",
       "null"
      ],
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
      "description": "From this day the model is refused with 404 model_retired."
     },
     "replaced_by": {
      "type": [
       "string",
       "null"
      ]
     },
     "source": {
      "type": [
       "string",
       "null"
      ],
      "description": "The page the price was read from."
     }
    },
    "description": "One model's price from a day on, in USD per 1M tokens. Posting an entry with the same model and effective_from as one in force corrects it."
   },
   "PriceRecord": {
    "type": "object",
    "required": [
     "model",
     "provider",
     "input",
     "output",
     "effective_from",
     "id",
     "origin",
     "created_at",
     "replaced_at",
     "replaced_by_id",
     "in_force"
    ],
    "properties": {
     "model": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200
     },
     "provider": {
      "type": "string",
      "minLength": 1,
      "maxLength": 100,
      "pattern": "^[A-Za-z0-9._-]+$"
     },
     "input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cached_input": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "cache_write_1h": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "thinking_output": {
      "type": "string",
      "pattern": "^[0-9]+(\\.[0-9]{1,6})?$",
      "description": "USD per 1M tokens, a decimal string with at most six decimals."
     },
     "effective_from": {
      "type": "string",
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
      "description": "YYYY-MM-DD (UTC)."
     },
     "tiers": {
      "type": [
       "array",
       "null"
      ],
      "items": {
       "$ref": "#/components/schemas/PriceTier"
      }
     },
     "service_tiers": {
      "type": [
       "object",
       "null"
      ],
      "additionalProperties": {
       "$ref": "#/components/schemas/PriceRates"
      },
      "description": "Rates by the service tier the provider reports (priority, flex, \u2026)."
     },
     "max_input_tokens": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 1000000000
     },
     "max_output_tokens": {
      "type": [
       "integer",
       "null"
      ],
      "minimum": 1,
      "maximum": 1000000000
     },
     "retired_from": {
      "type": [
       "string",
       "null"
      ],
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
      "description": "From this day the model is refused with 404 model_retired."
     },
     "replaced_by": {
      "type": [
       "string",
       "null"
      ]
     },
     "source": {
      "type": [
       "string",
       "null"
      ],
      "description": "The page the price was read from."
     },
     "id": {
      "type": "integer"
     },
     "origin": {
      "type": "string",
      "enum": [
       "built-in",
       "file",
       "admin"
      ]
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "replaced_at": {
      "type": [
       "string",
       "null"
      ],
      "format": "date-time"
     },
     "replaced_by_id": {
      "type": [
       "integer",
       "null"
      ]
     },
     "in_force": {
      "type": "boolean"
     },
     "replaced": {
      "type": "object",
      "description": "On POST, the record this entry replaced."
     }
    }
   },
   "PriceList": {
    "type": "object",
    "required": [
     "object",
     "data"
    ],
    "properties": {
     "object": {
      "type": "string",
      "const": "list"
     },
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/PriceRecord"
      }
     }
    }
   },
   "RepriceRequest": {
    "type": "object",
    "required": [
     "model",
     "from",
     "to"
    ],
    "properties": {
     "model": {
      "type": "string",
      "minLength": 1,
      "maxLength": 200,
      "description": "The served model whose events are repriced."
     },
     "from": {
      "type": "string",
      "description": "YYYY-MM-DD (UTC midnight) or RFC 3339."
     },
     "to": {
      "type": "string",
      "description": "Exclusive. YYYY-MM-DD (UTC midnight) or RFC 3339."
     },
     "dry_run": {
      "type": [
       "boolean",
       "null"
      ],
      "description": "Only answer what would change."
     }
    }
   },
   "RepriceResult": {
    "type": "object",
    "required": [
     "model",
     "from",
     "to",
     "dry_run",
     "events",
     "old_cost_usd",
     "new_cost_usd",
     "delta_usd",
     "adjustment_id"
    ],
    "properties": {
     "model": {
      "type": "string"
     },
     "from": {
      "type": "string",
      "format": "date-time"
     },
     "to": {
      "type": "string",
      "format": "date-time"
     },
     "dry_run": {
      "type": "boolean"
     },
     "events": {
      "type": "integer"
     },
     "old_cost_usd": {
      "type": "number",
      "description": "USD, exact to 12 decimals."
     },
     "new_cost_usd": {
      "type": "number",
      "description": "USD, exact to 12 decimals."
     },
     "delta_usd": {
      "type": "number",
      "description": "USD, exact to 12 decimals."
     },
     "adjustment_id": {
      "type": [
       "integer",
       "null"
      ],
      "description": "The adjustment recorded; null on a dry run."
     }
    }
   },
   "Adjustment": {
    "type": "object",
    "required": [
     "id",
     "created_at",
     "model",
     "from",
     "to",
     "events",
     "old_cost_usd",
     "new_cost_usd",
     "delta_usd"
    ],
    "properties": {
     "id": {
      "type": "integer"
     },
     "created_at": {
      "type": "string",
      "format": "date-time"
     },
     "model": {
      "type": "string"
     },
     "from": {
      "type": "string",
      "format": "date-time"
     },
     "to": {
      "type": "string",
      "format": "date-time"
     },
     "events": {
      "type": "integer"
     },
     "old_cost_usd": {
      "type": "number",
      "description": "USD, exact to 12 decimals."
     },
     "new_cost_usd": {
      "type": "number",
      "description": "USD, exact to 12 decimals."
     },
     "delta_usd": {
      "type": "number",
      "description": "USD, exact to 12 decimals."
     }
    }
   },
   "AdjustmentList": {
    "type": "object",
    "required": [
     "object",
     "data"
    ],
    "properties": {
     "object": {
      "type": "string",
      "const": "list"
     },
     "data": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/Adjustment"
      }
     }
    }
   },
   "CostEstimate": {
    "type": "object",
    "required": [
     "object",
     "model",
     "served_model",
     "estimate_usd",
     "input_tokens_bound",
     "output_tokens_bound",
     "decision",
     "reason"
    ],
    "properties": {
     "object": {
      "type": "string",
      "const": "cost.estimate"
     },
     "model": {
      "type": "string",
      "description": "The model asked for."
     },
     "served_model": {
      "type": "string",
      "description": "The model admission would serve (a downgrade's target)."
     },
     "estimate_usd": {
      "type": [
       "number",
       "null"
      ],
      "description": "The upper cost estimate admission reserves for the call; null for an unpriced model."
     },
     "input_tokens_bound": {
      "type": "integer"
     },
     "output_tokens_bound": {
      "type": "integer"
     },
     "decision": {
      "type": "string",
      "enum": [
       "allow",
       "downgrade",
       "reject"
      ]
     },
     "reason": {
      "type": [
       "string",
       "null"
      ],
      "description": "Why it would be downgraded or rejected (the message the call would get)."
     }
    }
   }
  }
 },
 "paths": {
  "/health": {
   "get": {
    "summary": "Liveness: 200 while the process serves.",
    "operationId": "health",
    "security": [],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "object",
         "required": [
          "status"
         ],
         "properties": {
          "status": {
           "const": "ok"
          }
         }
        }
       }
      }
     }
    }
   }
  },
  "/ready": {
   "get": {
    "summary": "Readiness: 503 naming what is degraded (the database, the usage spool).",
    "operationId": "ready",
    "security": [],
    "responses": {
     "200": {
      "description": "Ready",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     },
     "503": {
      "description": "Degraded",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Readiness"
        }
       }
      }
     }
    }
   }
  },
  "/openapi.json": {
   "get": {
    "summary": "This document.",
    "operationId": "openapi",
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
  },
  "/v1/chat/completions": {
   "post": {
    "summary": "Chat completions, streamed (SSE) or not, for any served model.",
    "operationId": "createChatCompletion",
    "security": [
     {
      "teamKey": []
     }
    ],
    "parameters": [
     {
      "name": "x-tollgate-task",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "pattern": "^[A-Za-z0-9._:/-]{1,100}$"
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ChatCompletionRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "The answer; usage.cost in USD. Headers x-tollgate-request-id, x-tollgate-model, x-tollgate-downgraded-from, x-tollgate-budget-remaining.",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ChatCompletion"
        }
       },
       "text/event-stream": {
        "schema": {
         "type": "object",
         "required": [
          "data"
         ],
         "properties": {
          "data": {
           "type": "string"
          },
          "event": {
           "type": "string"
          }
         },
         "description": "Each event's data is a chat.completion.chunk, then [DONE]; a failure mid-stream is an error envelope event."
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "502": {
      "$ref": "#/components/responses/Error"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     },
     "504": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/v1/embeddings": {
   "post": {
    "summary": "Embeddings.",
    "operationId": "createEmbedding",
    "security": [
     {
      "teamKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/EmbeddingsRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Embeddings"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "502": {
      "$ref": "#/components/responses/Error"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     },
     "504": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/v1/models": {
   "get": {
    "summary": "The models this key may use.",
    "operationId": "listModels",
    "security": [
     {
      "teamKey": []
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ModelList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/v1/spend": {
   "get": {
    "summary": "The spend report for the key's own team.",
    "operationId": "teamSpend",
    "security": [
     {
      "teamKey": []
     }
    ],
    "parameters": [
     {
      "name": "from",
      "in": "query",
      "required": false,
      "description": "Start, inclusive: YYYY-MM-DD (UTC midnight) or RFC 3339; default the start of this UTC month.",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "to",
      "in": "query",
      "required": false,
      "description": "End, exclusive; default the start of next UTC month.",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "group_by",
      "in": "query",
      "required": false,
      "description": "Comma-separated: team, key, model, task, day, provider.",
      "schema": {
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SpendReport"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/v1/budget": {
   "get": {
    "summary": "Where the key's and its team's budgets stand.",
    "operationId": "budgetStatus",
    "security": [
     {
      "teamKey": []
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/BudgetStatus"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     },
     "503": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/teams": {
   "post": {
    "summary": "Create a team.",
    "operationId": "createTeam",
    "security": [
     {
      "adminKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "allOf": [
         {
          "$ref": "#/components/schemas/TeamInput"
         }
        ],
        "required": [
         "name"
        ]
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Team"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "409": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   },
   "get": {
    "summary": "List teams.",
    "operationId": "listTeams",
    "security": [
     {
      "adminKey": []
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/TeamList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/teams/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "The UUID of the team or key."
    }
   ],
   "get": {
    "summary": "A team with its budget.",
    "operationId": "getTeam",
    "security": [
     {
      "adminKey": []
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Team"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   },
   "patch": {
    "summary": "Change a team (null clears a limit or the webhook).",
    "operationId": "updateTeam",
    "security": [
     {
      "adminKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/TeamInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Team"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "409": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/keys": {
   "post": {
    "summary": "Create a key; the answer's key is the secret, shown only here.",
    "operationId": "createKey",
    "security": [
     {
      "adminKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "allOf": [
         {
          "$ref": "#/components/schemas/KeyInput"
         }
        ],
        "required": [
         "team_id",
         "name"
        ]
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Key"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   },
   "get": {
    "summary": "List keys, without secrets.",
    "operationId": "listKeys",
    "security": [
     {
      "adminKey": []
     }
    ],
    "parameters": [
     {
      "name": "team_id",
      "in": "query",
      "required": false,
      "description": "Only this team's keys.",
      "schema": {
       "type": "string",
       "format": "uuid"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/KeyList"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/keys/{id}": {
   "parameters": [
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     },
     "description": "The UUID of the team or key."
    }
   ],
   "get": {
    "summary": "A key with its budget.",
    "operationId": "getKey",
    "security": [
     {
      "adminKey": []
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Key"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   },
   "patch": {
    "summary": "Change a key (any field but team_id).",
    "operationId": "updateKey",
    "security": [
     {
      "adminKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/KeyInput"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Key"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   },
   "delete": {
    "summary": "Revoke a key: it stops working at once on every replica.",
    "operationId": "revokeKey",
    "security": [
     {
      "adminKey": []
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Key"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/spend": {
   "get": {
    "summary": "The spend report.",
    "operationId": "spendReport",
    "security": [
     {
      "adminKey": []
     }
    ],
    "parameters": [
     {
      "name": "from",
      "in": "query",
      "required": false,
      "description": "Start, inclusive: YYYY-MM-DD (UTC midnight) or RFC 3339; default the start of this UTC month.",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "to",
      "in": "query",
      "required": false,
      "description": "End, exclusive; default the start of next UTC month.",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "group_by",
      "in": "query",
      "required": false,
      "description": "Comma-separated: team, key, model, task, day, provider.",
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "team_id",
      "in": "query",
      "required": false,
      "description": "Only this team.",
      "schema": {
       "type": "string",
       "format": "uuid"
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SpendReport"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/prices": {
   "get": {
    "summary": "Price entries in force; with model, that model's whole history.",
    "operationId": "listPrices",
    "security": [
     {
      "adminKey": []
     }
    ],
    "parameters": [
     {
      "name": "model",
      "in": "query",
      "required": false,
      "description": "One model's history, replaced entries included.",
      "schema": {
       "type": "string",
       "minLength": 1,
       "maxLength": 200
      }
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PriceList"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   },
   "post": {
    "summary": "Adds a price entry, or corrects the one in force for the same model and day; every replica uses it within seconds.",
    "operationId": "addPrice",
    "security": [
     {
      "adminKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/PriceEntry"
       }
      }
     }
    },
    "responses": {
     "201": {
      "description": "Created",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/PriceRecord"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/reprice": {
   "post": {
    "summary": "Recomputes the cost of one model's stored usage in a range under the prices in force at each event's time; applies it (events, rollups, budget spend, adjustment record) unless dry_run.",
    "operationId": "reprice",
    "security": [
     {
      "adminKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/RepriceRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/RepriceResult"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/admin/adjustments": {
   "get": {
    "summary": "Every applied reprice, newest first.",
    "operationId": "listAdjustments",
    "security": [
     {
      "adminKey": []
     }
    ],
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AdjustmentList"
        }
       }
      }
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  },
  "/v1/cost/estimate": {
   "post": {
    "summary": "What a chat completion would cost and how admission would decide, from the same code as the call, without calling an upstream or reserving anything.",
    "operationId": "estimateCost",
    "security": [
     {
      "teamKey": []
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/ChatCompletionRequest"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CostEstimate"
        }
       }
      }
     },
     "400": {
      "$ref": "#/components/responses/Error"
     },
     "401": {
      "$ref": "#/components/responses/Error"
     },
     "403": {
      "$ref": "#/components/responses/Error"
     },
     "404": {
      "$ref": "#/components/responses/Error"
     },
     "413": {
      "$ref": "#/components/responses/Error"
     },
     "429": {
      "$ref": "#/components/responses/Error"
     }
    }
   }
  }
 }
}
"""#
}
