"""Open311 GeoReport v2 over citizen reports (issue #15 point 1): apps that speak the standard read and post."""
