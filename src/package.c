/* Registration of uphill's class id, log events and stages. */
#include <uphill/package.h>
#include <uphill/grid.h>

PetscClassId  UPHILL_CLASSID;
PetscLogEvent UPHILL_FFT, UPHILL_STEP, UPHILL_POINTWISE, UPHILL_SPECTRAL, UPHILL_DIAG, UPHILL_IO, UPHILL_CHECKPOINT;
PetscLogStage UPHILL_STAGE_SETUP, UPHILL_STAGE_LOOP;

static PetscBool registered = PETSC_FALSE;

PetscErrorCode UphillInitializePackage(void)
{
  PetscFunctionBegin;
  if (registered) PetscFunctionReturn(PETSC_SUCCESS);
  registered = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("Uphill", &UPHILL_CLASSID));
  PetscCall(PetscLogEventRegister("UphillFFT", UPHILL_CLASSID, &UPHILL_FFT));
  PetscCall(PetscLogEventRegister("UphillStep", UPHILL_CLASSID, &UPHILL_STEP));
  PetscCall(PetscLogEventRegister("UphillPointwise", UPHILL_CLASSID, &UPHILL_POINTWISE));
  PetscCall(PetscLogEventRegister("UphillSpectral", UPHILL_CLASSID, &UPHILL_SPECTRAL));
  PetscCall(PetscLogEventRegister("UphillDiag", UPHILL_CLASSID, &UPHILL_DIAG));
  PetscCall(PetscLogEventRegister("UphillIO", UPHILL_CLASSID, &UPHILL_IO));
  PetscCall(PetscLogEventRegister("UphillCheckpoint", UPHILL_CLASSID, &UPHILL_CHECKPOINT));
  PetscCall(PetscLogStageRegister("Uphill set-up", &UPHILL_STAGE_SETUP));
  PetscCall(PetscLogStageRegister("Uphill time loop", &UPHILL_STAGE_LOOP));
  PetscCall(UphillGridInitializePackage());
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillFinalizePackage(void)
{
  PetscFunctionBegin;
  if (!registered) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCall(UphillGridFinalizePackage());
  registered = PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}
