"""Citizen reports (随手拍/有奖举报): the public page, the staff who verify them, and the reporter's vault."""
