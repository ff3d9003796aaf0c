#pragma once
/* Fields in HDF5 (PETSc viewer, collective) with an XDMF description for ParaView. */
#include <uphill/grid.h>

/* Write c as dataset /c (global array, C order, x fastest) to path, atomically, plus the
 * matching .xmf beside it. t (run units) and step are recorded as attributes. */
PetscErrorCode UphillH5WriteField(UphillGrid grid, Vec c, const char *path, PetscReal t, PetscInt step);
/* Read dataset /c of the grid's shape into c; a clear error naming `what` (the option that
 * gave the file) for a missing file, a missing dataset or another grid. */
PetscErrorCode UphillH5ReadField(UphillGrid grid, Vec c, const char *path, const char *what);
