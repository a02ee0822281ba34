"""Hazard work (隐患排查治理): tickets and their closed loop, inspection plans and checklists, dangerous-work
permits, enforcement and joint punishment, community grids. Other domains use ``hazards.service``,
``hazards.schemas``, ``hazards.events`` and ``hazards.enums`` only."""
