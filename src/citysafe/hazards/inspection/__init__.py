"""Inspection plans (排查计划), checklists per place type, and the tasks they hand out."""
