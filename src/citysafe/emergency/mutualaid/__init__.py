"""Regional mutual aid (区域协同, issue #13 point 5): aid requests between city offices of one deployment, and
the resource catalogue exchanged with platforms of neighbouring provinces (docs/mutual-aid-exchange.md)."""
