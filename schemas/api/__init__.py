"""Bodies of the registry's HTTP API. Every schema rejects unknown fields."""
