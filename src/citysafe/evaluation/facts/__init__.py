"""Evidence from the platform itself (issue #14 point 4): figures the platform holds about a region and year,
each with the records behind it (``compute.compute``), and the score sheet items they fill
(``compute.refresh_sheet_facts``)."""
