"""Drills (演练): scheduled and recorded, evaluated, their findings followed up; drill duties and who is overdue."""
