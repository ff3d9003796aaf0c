#pragma once
/* Perceptually uniform colour map (viridis), as a 256-entry table. */
#include <petscsys.h>
#include <uphill/compat.h>
/* t in [0,1] (clamped; NaN maps to magenta so a bad value is never silently pretty) */
void ColormapViridis(PetscReal t, unsigned char rgb[3]);
