#pragma once
/* A small built-in bitmap font (5x7 glyphs in a 6x8 cell) for labels burned into frames. */
#include <petscsys.h>
#include <uphill/compat.h>
#define FONT_CELL_W 6
#define FONT_CELL_H 8
/* Draw text into an RGB buffer (width w, height h, 3 bytes per pixel) at (x, y) = top-left,
 * each font pixel drawn as a scale x scale block; clipped at the buffer edges. */
void FontDrawText(unsigned char *rgb, PetscInt w, PetscInt h, PetscInt x, PetscInt y, PetscInt scale, const char *text, const unsigned char color[3]);
PetscInt FontTextWidth(const char *text, PetscInt scale);
