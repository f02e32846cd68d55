"""Messages to people about their cases, sent through the same pluggable SMS backend as sign-in codes."""
