"""Pure risk science: assessment methods, levels, spatial aggregation. No database, web or clock.

Modules: ``levels`` (the four colours), ``lec`` (D = L×E×C), ``matrix`` (5×5 L×S), ``gb18218``
(major hazard installations), ``registry`` (named, versioned methods for storage), ``aggregate``
(H3 cells and polygons, rules ``highest``/``weighted``, GeoJSON), ``voronoi`` (demo streets).
"""

from citysafe.risk.calc.levels import LEVELS_ASCENDING, RiskLevel, max_level, raise_level

__all__ = ["LEVELS_ASCENDING", "RiskLevel", "max_level", "raise_level"]
