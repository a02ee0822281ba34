"""Unified command (统一指挥): a plan activated at a response level sets up the 指挥部, its members and tasks."""
