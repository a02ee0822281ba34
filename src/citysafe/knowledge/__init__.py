"""Laws and standards by article, accident cases, safety knowledge, experts and the services catalogue."""
