"""The recommendations app's `/v1/` endpoints, one module per resource."""
