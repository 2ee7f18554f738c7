"""异地撤销: an objection to a camera-recorded violation, filed far from where it was recorded."""
