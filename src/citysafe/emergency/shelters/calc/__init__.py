"""Pure shelter rules: capacity from area, and the evacuation assignment."""
