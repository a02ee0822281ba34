"""Community grids (网格): polygons below communities, their officers, and the places assigned to them."""
