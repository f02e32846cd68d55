"""The public REST shapes of the gateway, by domain."""
