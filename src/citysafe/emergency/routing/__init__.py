"""Dispatch by travel time on an imported road network (issue #13 point 2; spec emergency.md §7)."""
