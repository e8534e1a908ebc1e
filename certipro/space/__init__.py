"""The professional's space: sign-in with Pro Santé Connect, activation, "Ma certification périodique"."""
