"""The gateway's own REST shapes, one module per domain (the services' schemas are theirs alone)."""
