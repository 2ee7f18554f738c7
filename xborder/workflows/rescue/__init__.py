"""警医保联动: a road rescue where the nearest police unit, hospital and insurer act together."""
