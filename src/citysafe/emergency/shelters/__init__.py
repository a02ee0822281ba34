"""Emergency shelters (应急避难场所, issue #13 point 3): the registry by GB/T 44013-2024, capacity from effective area
(GB 21734-2008 5.4), occupancy, community populations and the evacuation plan (a capacitated assignment)."""
