#pragma once
/* A run: its options, directory, grid, scheme, diagnostics and field, set up from the
 * options (output directory, provenance, initial condition). */
#include <uphill/diag.h>

typedef struct _n_UphillRun *UphillRun;
struct _n_UphillRun {
  MPI_Comm      comm;
  UphillOptions opt;
  UphillGrid    grid;
  UphillScheme  scheme;
  UphillDiag    diag;
  Vec           c;
  char          dir[PETSC_MAX_PATH_LEN];
  PetscLogEvent ev_io;
};

PetscErrorCode UphillRunCreate(MPI_Comm comm, const UphillOptions *opt, UphillRun *run);
PetscErrorCode UphillRunDestroy(UphillRun *run);
/* Path of a file in the run directory. */
PetscErrorCode UphillRunPath(UphillRun run, const char *name, char *path, size_t len);
/* Fill c with the initial condition of the options (same field for any rank count). */
PetscErrorCode UphillRunInitialCondition(UphillRun run);
