#pragma once
/* -explain: the thermodynamic and stability analysis of the inputs, in words. */
#include <petscviewer.h>
#include <uphill/options.h>
PetscErrorCode UphillExplain(const UphillOptions *opt, PetscViewer viewer);
