"""Pure rules of drills: when a plan is next due a drill under the duty rules."""
