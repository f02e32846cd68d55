"""The gateway's REST shapes, per domain (the services' own shapes stay in the services)."""
