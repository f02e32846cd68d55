"""Open311 GeoReport v2 for broadcast-TV repair reports: client keys, the service list, filing and public reads."""
