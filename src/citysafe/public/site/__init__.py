"""The public site: what a citizen may see without an account (issue #15 point 5)."""
