"""The staff's back-office: the admin of the models whose changes go through the entry points."""
