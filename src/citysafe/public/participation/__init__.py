"""Publicity, training and participation (安全宣传、培训与社会参与): the calendar of publicity and training events
with registrations, safety experience bases (安全体验基地) with bookable sessions, and volunteer teams and social
organisations with their members and activities."""
