"""Hazard tickets (隐患): reports, the rectification closed loop, evidence, statistics and export."""
