"""The province's view of the creation (issue #14 point 7): progress against the plan's targets, the cities'
ranking, the map of applicants by standing, the Excel tables and the periodic 通报."""
