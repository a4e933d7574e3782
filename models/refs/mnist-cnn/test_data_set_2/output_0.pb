
BPlus214_Output_0J(.;ΒΔKRDE"²›ΔG λΔΙµ.D~ίΔε‘Δ&[ƒDzΆΔhμ Δ