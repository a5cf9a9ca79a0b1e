"""The REST API at /api/: personal tokens, thin views over the same selectors and services as the pages,
errors as RFC 9457 problem details, a rate limit per token, and an OpenAPI 3 schema (drf-spectacular)."""
