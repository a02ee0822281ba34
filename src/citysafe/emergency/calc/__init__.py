"""Pure rules of emergency work: the accident grade, the lifecycle, the timeline hash chain."""
