#pragma once
/* Fields in HDF5 (PETSc viewer, collective) with an XDMF description for ParaView. */
#include <uphill/grid.h>

/* Write c as dataset /c (global array, C order, x fastest) to path, atomically, plus the
 * matching .xmf beside it. t (run units) and step are recorded as attributes. A failure (a
 * full disk, the file-size limit) is one error naming path, with nothing partial left
 * (UphillH5WriteAtomic). */
PetscErrorCode UphillH5WriteField(UphillGrid grid, Vec c, const char *path, PetscReal t, PetscInt step);
/* Read dataset /c of the grid's shape into c; a clear error naming `what` (the option that
 * gave the file) for a missing file, a missing dataset or another grid. */
PetscErrorCode UphillH5ReadField(UphillGrid grid, Vec c, const char *path, const char *what);
/* Collective: (re)write DIR/fields.xmf, the run's time series for ParaView: an XDMF temporal
 * collection of every field on disk, DIR/fields/c_<step>.h5 and DIR/final.h5, each at the
 * time of its time attribute, in time order (one field per time: a dump and final.h5 of the
 * same step appear once). Built from the files themselves, so a restarted or extended run
 * stays right; checkpoints, last_good.h5 and files of another grid are left out. Rank 0 reads
 * the attributes and writes the file atomically. */
PetscErrorCode UphillH5WriteSeries(UphillGrid grid, const char *dir);
