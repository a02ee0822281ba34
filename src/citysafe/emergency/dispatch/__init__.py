"""Dispatch orders: teams sent to an incident by travel time, their arrival and release (issue #13 point 2)."""
