"""The gateway: unified identity, the mini-app registry and the public REST API in front of the services."""
