"""The REST shapes of the public API, per domain (the services keep their own message shapes)."""
