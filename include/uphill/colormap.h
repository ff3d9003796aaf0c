#pragma once
/* Colour maps: perceptually uniform viridis (a 256-entry table) for fields with a range, and a
 * diverging blue-white-red map for signed fields (0.5 is white: zero of a symmetric range). */
#include <petscsys.h>
#include <uphill/compat.h>
/* t in [0,1] (clamped; NaN maps to magenta so a bad value is never silently pretty) */
void ColormapViridis(PetscReal t, unsigned char rgb[3]);
/* t in [0,1]: 0 dark blue, 0.5 white, 1 dark red (clamped; NaN magenta) */
void ColormapDiverging(PetscReal t, unsigned char rgb[3]);
