#pragma once
/* Colour-mapped PNG frames of the distributed field: the 2D field, or the three
 * orthogonal mid-planes of a 3D field side by side. Collective: slabs are gathered on
 * rank 0, which encodes (image.h). */
#include <uphill/grid.h>
#include <uphill/image.h>

PetscErrorCode UphillFrameWrite(UphillGrid grid, Vec c, const char *path, const ImageStyle *style);
