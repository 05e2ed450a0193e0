"""HTTP endpoints, one blueprint per URL area."""
