/* Checkpoint files: the scheme's state and history, the loop state, the run's identity, and
 * the checksums that tell a complete file from a damaged one. */
#include <uphill/checkpoint.h>
#include <uphill/collective.h>
#include <uphill/hash.h>
#include <uphill/package.h>
#include <uphill/version.h>
#include <petscviewerhdf5.h>
#include <petscdmda.h>
#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

/* "checkpoint_<step>.h5" (not a leftover "*.h5.tmp"): its step, or -1 */
static long long CheckpointStep(const char *name)
{
  long long s;
  char      tail[8];
  if (sscanf(name, "checkpoint_%lld.h%7s", &s, tail) == 2 && !strcmp(tail, "5")) return s;
  return -1;
}

/* "checkpoint_<step>.h5.tmp": what a writer killed in the middle of its write leaves */
static PetscBool CheckpointTmp(const char *name)
{
  long long s;
  char      tail[8];
  return (PetscBool)(sscanf(name, "checkpoint_%lld.h%7s", &s, tail) == 2 && !strcmp(tail, "5.tmp"));
}

#define ATTR(viewer, name, type, ptr, load) ((load) ? PetscViewerHDF5ReadAttribute(viewer, "/c", name, type, NULL, ptr) : PetscViewerHDF5WriteAttribute(viewer, "/c", name, type, ptr))

/* The loop state as attributes of /c, written or read by the same list. F_check (added
 * later) is read apart; checkpoints of 0.2 are refused before this by their identity (no
 * Ly, Lz, bc_noflux). */
static PetscErrorCode LoopAttributes(PetscViewer v, UphillCheckpointState *st, PetscBool load)
{
  PetscFunctionBegin;
  PetscCall(ATTR(v, "step", PETSC_INT, &st->loop.step, load));
  PetscCall(ATTR(v, "t_reduced", PETSC_REAL, &st->loop.t, load));
  PetscCall(ATTR(v, "dt_next_reduced", PETSC_REAL, &st->loop.h_next, load));
  PetscCall(ATTR(v, "F_tol", PETSC_REAL, &st->loop.F_tol, load));
  PetscCall(ATTR(v, "adapt_err_prev", PETSC_REAL, &st->loop.adapt.err_prev, load));
  PetscCall(ATTR(v, "adapt_rejected", PETSC_INT, &st->loop.adapt.rejected, load));
  PetscCall(ATTR(v, "diag_row", PETSC_INT, &st->row, load));
  PetscCall(ATTR(v, "adapt_h_cap", PETSC_REAL, &st->loop.adapt.h_cap, load));
  if (!load) PetscCall(ATTR(v, "F_check", PETSC_REAL, &st->loop.F_check, load));
  else {
    PetscBool has;
    PetscCall(PetscViewerHDF5HasAttribute(v, "/c", "F_check", &has));
    /* without it, the first energy check after the restart is skipped */
    if (has) PetscCall(ATTR(v, "F_check", PETSC_REAL, &st->loop.F_check, load));
    else st->loop.F_check = PETSC_MAX_REAL;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ checksums */

/* The datasets of a checkpoint (UphillSchemeView): present when the attribute "history" is at
 * least `need`; real fields have the grid's shape, spectral ones are 1-D. */
static const struct {
  const char *name;
  PetscBool   spectral;
  PetscInt    need;
} datasets[] = {
  {"c",          PETSC_FALSE, 1},
  {"chat",       PETSC_TRUE,  1},
  {"c_prev",     PETSC_FALSE, 2},
  {"chat_prev",  PETSC_TRUE,  2},
  {"chat_prev2", PETSC_TRUE,  3},
};
#define NDATASETS ((int)(sizeof(datasets) / sizeof(datasets[0])))

/* The attributes of /c a continuation depends on (loop state, scheme), then the identity. */
static const struct {
  const char   *name;
  PetscDataType type;
} state_attrs[] = {
  {"step",            PETSC_INT },
  {"t_reduced",       PETSC_REAL},
  {"dt_next_reduced", PETSC_REAL},
  {"F_tol",           PETSC_REAL},
  {"F_check",         PETSC_REAL},
  {"adapt_err_prev",  PETSC_REAL},
  {"adapt_rejected",  PETSC_INT },
  {"diag_row",        PETSC_INT },
  {"history",         PETSC_INT },
  {"flux_log",        PETSC_INT },
  {"h_prev1",         PETSC_REAL},
  {"h_prev2",         PETSC_REAL},
  {"adapt_h_cap",     PETSC_REAL},
};
#define NSTATE ((int)(sizeof(state_attrs) / sizeof(state_attrs[0])))

static uint64_t RealBits(PetscReal x)
{
  uint64_t b = 0;
  memcpy(&b, &x, sizeof(x) < sizeof(b) ? sizeof(x) : sizeof(b));
  return b;
}

/* The checksum of a Vec by global index (see checkpoint.h). The grid's Vecs are slabs along
 * the slowest axis, so their PETSc order is the file's (natural) order. */
static PetscErrorCode VecChecksum(Vec v, uint64_t *sum)
{
  const PetscScalar *x;
  PetscInt           lo, n;
  uint64_t           h = 0;
  MPI_Comm           comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)v, &comm));
  PetscCall(VecGetOwnershipRange(v, &lo, NULL));
  PetscCall(VecGetLocalSize(v, &n));
  PetscCall(VecGetArrayRead(v, &x));
  for (PetscInt i = 0; i < n; i++) h += UphillHash64(RealBits(PetscRealPart(x[i])), (uint64_t)(lo + i));
  PetscCall(VecRestoreArrayRead(v, &x));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &h, 1, MPI_UINT64_T, MPI_SUM, comm));
  *sum = h;
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The shape of dataset /name: *ndims -1 when it is absent, 0 when it cannot be opened. */
static PetscErrorCode DatasetShape(PetscViewer v, const char *name, int *ndims, hsize_t dims[8])
{
  char      path[64];
  PetscBool has;
  hid_t     fid, d, s;

  PetscFunctionBegin;
  *ndims = -1;
  PetscCall(PetscSNPrintf(path, sizeof(path), "/%s", name));
  PetscCall(PetscViewerHDF5HasDataset(v, path, &has));
  if (!has) PetscFunctionReturn(PETSC_SUCCESS);
  *ndims = 0;
  PetscCall(PetscViewerHDF5GetFileId(v, &fid));
  d = H5Dopen2(fid, path, H5P_DEFAULT);
  if (d < 0) PetscFunctionReturn(PETSC_SUCCESS);
  s = H5Dget_space(d);
  if (s >= 0) {
    const int nd = H5Sget_simple_extent_ndims(s);
    if (nd >= 1 && nd <= 8 && H5Sget_simple_extent_dims(s, dims, NULL) == nd) *ndims = nd;
    (void)H5Sclose(s);
  }
  (void)H5Dclose(d);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Read dataset /name into a Vec (a real field in the layout of tmpl, a spectral one as a plain
 * Vec of length len) and checksum it. */
static PetscErrorCode DatasetChecksum(PetscViewer v, Vec tmpl, const char *name, PetscBool spectral, PetscInt len, uint64_t *sum)
{
  Vec            x;
  MPI_Comm       comm;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)tmpl, &comm));
  if (spectral) PetscCall(VecCreateMPI(comm, PETSC_DECIDE, len, &x));
  else PetscCall(VecDuplicate(tmpl, &x));
  PetscCall(PetscObjectSetName((PetscObject)x, name));
  ierr = VecLoad(x, v);
  if (!ierr) ierr = VecChecksum(x, sum);
  PetscCall(VecDestroy(&x));
  PetscCall(ierr);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode StateChecksum(PetscViewer v, PetscInt nid, const UphillIdentity id[], uint64_t *sum)
{
  uint64_t h = 0;

  PetscFunctionBegin;
  for (int k = 0; k < NSTATE; k++) {
    PetscInt  i = 0;
    PetscReal r = 0;
    if (state_attrs[k].type == PETSC_INT) PetscCall(PetscViewerHDF5ReadAttribute(v, "/c", state_attrs[k].name, PETSC_INT, NULL, &i));
    else PetscCall(PetscViewerHDF5ReadAttribute(v, "/c", state_attrs[k].name, PETSC_REAL, NULL, &r));
    h += UphillHash64(state_attrs[k].type == PETSC_INT ? (uint64_t)(int64_t)i : RealBits(r), (uint64_t)k);
  }
  for (PetscInt k = 0; k < nid; k++) {
    PetscReal r;
    PetscCall(PetscViewerHDF5ReadAttribute(v, "/c", id[k].name, PETSC_REAL, NULL, &r));
    h += UphillHash64(RealBits(r), (uint64_t)(NSTATE + k));
  }
  *sum = h;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void HexSum(uint64_t sum, char hex[17])
{
  (void)snprintf(hex, 17, "%016llx", (unsigned long long)sum);
}

/* Checksums of what the open file holds, read back through HDF5, as attributes. */
static PetscErrorCode WriteChecksums(PetscViewer v, Vec tmpl, PetscInt nid, const UphillIdentity id[])
{
  char     hex[17], path[64];
  uint64_t sum;

  PetscFunctionBegin;
  for (int k = 0; k < NDATASETS; k++) {
    int     nd;
    hsize_t dims[8];
    PetscCall(DatasetShape(v, datasets[k].name, &nd, dims));
    if (nd < 0) continue;
    PetscCheck(nd >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot reopen dataset /%s just written", datasets[k].name);
    PetscCall(DatasetChecksum(v, tmpl, datasets[k].name, datasets[k].spectral, (PetscInt)dims[0], &sum));
    HexSum(sum, hex);
    PetscCall(PetscSNPrintf(path, sizeof(path), "/%s", datasets[k].name));
    PetscCall(PetscViewerHDF5WriteAttribute(v, path, "checksum", PETSC_STRING, hex));
  }
  PetscCall(StateChecksum(v, nid, id, &sum));
  HexSum(sum, hex);
  PetscCall(PetscViewerHDF5WriteAttribute(v, "/c", "checksum_state", PETSC_STRING, hex));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ writing */

/* What UphillCheckpointWrite writes, for UphillH5WriteAtomic. */
typedef struct {
  UphillScheme                 scheme;
  const UphillCheckpointState *st;
  PetscInt                     nid;
  const UphillIdentity        *id;
  PetscInt                     nranks;
} Contents;

static PetscErrorCode WriteContents(PetscViewer viewer, void *ctx)
{
  const Contents       *w = (const Contents *)ctx;
  UphillCheckpointState s = *w->st;
  Vec                   c;

  PetscFunctionBegin;
  PetscCall(UphillSchemeView(w->scheme, viewer));
  PetscCall(LoopAttributes(viewer, &s, PETSC_FALSE));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "ranks", PETSC_INT, &w->nranks));
  PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", "version", PETSC_STRING, UPHILL_VERSION));
  for (PetscInt i = 0; i < w->nid; i++) PetscCall(PetscViewerHDF5WriteAttribute(viewer, "/c", w->id[i].name, PETSC_REAL, &w->id[i].value));
  PetscCall(UphillSchemeGetState(w->scheme, &c));
  PetscCall(WriteChecksums(viewer, c, w->nid, w->id));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Rank 0: keep the newest two checkpoints up to `step` (the one just written); newer ones
 * belong to a timeline a restart from an older checkpoint abandoned. A *.h5.tmp is what a
 * killed writer left (this run holds the directory's lock, so no one else is writing it). */
static void Prune(const char *dir, long long step)
{
  DIR           *d = opendir(dir);
  struct dirent *e;
  long long      newest[2] = {-1, -1};

  if (!d) return;
  while ((e = readdir(d))) {
    const long long s = CheckpointStep(e->d_name);
    if (s < 0 || s > step) continue;
    if (s > newest[0]) {
      newest[1] = newest[0];
      newest[0] = s;
    } else if (s > newest[1]) newest[1] = s;
  }
  rewinddir(d);
  while ((e = readdir(d))) {
    const long long s = CheckpointStep(e->d_name);
    char            old[PETSC_MAX_PATH_LEN + 300];
    if (!CheckpointTmp(e->d_name) && (s < 0 || (s >= newest[1] && s <= step))) continue;
    (void)snprintf(old, sizeof(old), "%s/%s", dir, e->d_name);
    (void)remove(old);
  }
  closedir(d);
}

/* An upper bound of a checkpoint's size on disk: two real fields and three spectral ones (the
 * most a history holds), plus the metadata (about 17 KiB of headers and attributes). */
static size_t CheckpointBytes(Vec c)
{
  DM       dm;
  PetscInt dim = 0, M = 1, N = 1, P = 1;

  if (VecGetDM(c, &dm) || !dm || DMDAGetInfo(dm, &dim, &M, &N, &P, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) return (size_t)1 << 20;
  if (dim < 3) P = 1;
  if (dim < 2) N = 1;
  return (size_t)(8.0 * (2.0 * M * N * P + 3.0 * 2.0 * (M / 2 + 1) * N * P)) + 24576;
}

PetscErrorCode UphillCheckpointWrite(UphillScheme scheme, const char *dir, const UphillCheckpointState *st, PetscInt nid, const UphillIdentity id[], char *path, size_t len)
{
  const UphillWriteNote note = {"checkpoint", "Older checkpoints are kept", "continue with -restart auto"};
  Contents              w    = {scheme, st, nid, id, 0};
  PetscMPIInt           rank, size;
  MPI_Comm              comm;
  Vec                   c;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscCall(UphillSchemeGetState(scheme, &c));
  PetscCall(PetscObjectGetComm((PetscObject)c, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  w.nranks = (PetscInt)size;
  PetscCall(PetscSNPrintf(path, len, "%s/checkpoint_%08" PetscInt_FMT ".h5", dir, st->loop.step));
  /* on failure the temporary file goes; older checkpoints stay as they are */
  PetscCall(UphillH5WriteAtomic(comm, path, CheckpointBytes(c), &note, WriteContents, &w));
  if (rank == 0) Prune(dir, (long long)st->loop.step);
  PetscCall(PetscLogEventEnd(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* ------------------------------------------------------------------ reading */

typedef struct {
  MPI_Comm    comm;
  const char *path;
  char       *why;
  size_t    len;
  PetscBool bad;
} Verdict;

/* A step of the verification that may fail on a damaged file: every rank learns whether it
 * failed anywhere, so all go on or stop together. */
static PetscErrorCode Try(Verdict *v, PetscErrorCode ierr, const char *what)
{
  int f = ierr != PETSC_SUCCESS;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &f, 1, MPI_INT, MPI_MAX, v->comm));
  if (f && !v->bad) {
    (void)snprintf(v->why, v->len, "%s", what);
    v->bad = PETSC_TRUE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode Fail(Verdict *v, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
static PetscErrorCode Fail(Verdict *v, const char *fmt, ...)
{
  va_list ap;

  PetscFunctionBegin;
  va_start(ap, fmt);
  (void)vsnprintf(v->why, v->len, fmt, ap);
  va_end(ap);
  v->bad = PETSC_TRUE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void ShapeText(int nd, const hsize_t dims[], char *s, size_t len)
{
  s[0] = 0;
  for (int i = 0; i < nd; i++) {
    char t[32];
    (void)snprintf(t, sizeof(t), "%s%llu", i ? "x" : "", (unsigned long long)dims[i]);
    (void)strncat(s, t, len - strlen(s) - 1);
  }
}

/* record the first problem and leave the verification */
#define FAIL(v, ...) \
  do { \
    PetscCall(Fail(v, __VA_ARGS__)); \
    PetscFunctionReturn(PETSC_SUCCESS); \
  } while (0)

/* A checkpoint of this simulation and version: datasets /c and /chat, the identity of this
 * run, the loop state; *nh the states its history holds. */
static PetscErrorCode VerifyIdentity(Verdict *v, PetscViewer viewer, PetscInt nid, const UphillIdentity id[], PetscInt *nh)
{
  PetscBool has;

  PetscFunctionBegin;
  PetscCall(Try(v, PetscViewerHDF5HasDataset(viewer, "/c", &has), "HDF5 cannot read its contents (truncated or damaged)"));
  if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
  if (!has) FAIL(v, "no dataset /c; not an uphill checkpoint");
  PetscCall(Try(v, PetscViewerHDF5HasDataset(viewer, "/chat", &has), "HDF5 cannot read its contents (truncated or damaged)"));
  if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
  if (!has) FAIL(v, "no dataset /chat; not an uphill checkpoint (a final.h5 can be used with -ic file)");
  for (PetscInt i = 0; i < nid; i++) {
    PetscReal val = 0;
    char      what[128];
    (void)snprintf(what, sizeof(what), "cannot read its attribute %s (damaged)", id[i].name);
    PetscCall(Try(v, PetscViewerHDF5HasAttribute(viewer, "/c", id[i].name, &has), what));
    if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
    if (!has) FAIL(v, "attribute %s missing; not a checkpoint of this uphill version", id[i].name);
    PetscCall(Try(v, PetscViewerHDF5ReadAttribute(viewer, "/c", id[i].name, PETSC_REAL, NULL, &val), what));
    if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
    if (!(PetscAbsReal(val - id[i].value) <= 1e-12 * PetscMax(1.0, PetscAbsReal(id[i].value))))
      FAIL(v, "from another run: its %s is %.17g, this run's is %.17g (grid and model options must match the checkpoint)", id[i].name, (double)val, (double)id[i].value);
  }
  PetscCall(Try(v, PetscViewerHDF5HasAttribute(viewer, "/c", "F_tol", &has), "cannot read its attributes (damaged)"));
  if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
  if (!has) FAIL(v, "written by an older uphill (no loop state of this version); start it again, or continue from its field with -ic file -ic_file %s", v->path);
  PetscCall(Try(v, PetscViewerHDF5HasAttribute(viewer, "/c", "history", &has), "cannot read its attributes (damaged)"));
  if (!v->bad && has) PetscCall(Try(v, PetscViewerHDF5ReadAttribute(viewer, "/c", "history", PETSC_INT, NULL, nh), "cannot read its attribute history (damaged)"));
  if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
  if (*nh < 1 || *nh > 3) FAIL(v, "its scheme history (%" PetscInt_FMT " states) is not 1 to 3 (damaged)", *nh);
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The datasets the scheme will load (nh states), with this grid's sizes (nk coefficients). */
static PetscErrorCode VerifyShapes(Verdict *v, PetscViewer viewer, const UphillGridInfo *g, PetscInt nh, PetscInt nk)
{
  PetscFunctionBegin;
  for (int k = 0; k < NDATASETS && datasets[k].need <= nh; k++) {
    int     nd = 0, ok;
    hsize_t dims[8];
    char    shape[96], want[96];
    PetscCall(Try(v, DatasetShape(viewer, datasets[k].name, &nd, dims), "HDF5 cannot read its contents (truncated or damaged)"));
    if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
    if (nd < 0) FAIL(v, "dataset /%s missing (its history holds %" PetscInt_FMT " states)", datasets[k].name, nh);
    if (nd == 0) FAIL(v, "cannot open dataset /%s (damaged)", datasets[k].name);
    ShapeText(nd, dims, shape, sizeof(shape));
    if (datasets[k].spectral) {
      ok = nd == 1 && dims[0] == (hsize_t)(2 * nk);
      (void)snprintf(want, sizeof(want), "%lld", (long long)(2 * nk));
    } else {
      hsize_t w[3];
      for (int i = 0; i < g->dim; i++) w[i] = (hsize_t)g->n[g->dim - 1 - i];
      ok = nd == g->dim;
      for (int i = 0; ok && i < nd; i++) ok = dims[i] == w[i];
      ShapeText((int)g->dim, w, want, sizeof(want));
    }
    if (!ok) FAIL(v, "dataset /%s is %s, this run's grid needs %s (damaged, or another grid)", datasets[k].name, shape, want);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The data of each dataset the scheme will load against its stored checksum. */
static PetscErrorCode VerifyDataChecksums(Verdict *v, PetscViewer viewer, UphillGrid grid, PetscInt nh, PetscInt nk)
{
  Vec  tmpl;
  char stored[17] = "";

  PetscFunctionBegin;
  PetscCall(UphillGridCreateVec(grid, &tmpl));
  for (int k = 0; k < NDATASETS && datasets[k].need <= nh && !v->bad; k++) {
    char     path[64], what[128], *sum = NULL, hex[17];
    uint64_t h = 0;
    PetscCall(PetscSNPrintf(path, sizeof(path), "/%s", datasets[k].name));
    (void)snprintf(what, sizeof(what), "cannot read the checksum of /%s (damaged)", datasets[k].name);
    PetscCall(Try(v, PetscViewerHDF5ReadAttribute(viewer, path, "checksum", PETSC_STRING, NULL, &sum), what));
    if (sum) {
      PetscCall(PetscStrncpy(stored, sum, sizeof(stored)));
      PetscCall(PetscFree(sum));
    }
    if (v->bad) break;
    (void)snprintf(what, sizeof(what), "HDF5 cannot read dataset /%s (truncated or damaged)", datasets[k].name);
    PetscCall(Try(v, DatasetChecksum(viewer, tmpl, datasets[k].name, datasets[k].spectral, (PetscInt)(2 * nk), &h), what));
    if (v->bad) break;
    HexSum(h, hex);
    if (strcmp(hex, stored)) PetscCall(Fail(v, "the data of /%s does not match its checksum (damaged after it was written)", datasets[k].name));
  }
  PetscCall(VecDestroy(&tmpl));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The loop-state and identity attributes against their stored checksum. */
static PetscErrorCode VerifyStateChecksum(Verdict *v, PetscViewer viewer, PetscInt nid, const UphillIdentity id[])
{
  char    *sum = NULL, hex[17], stored[17] = "";
  uint64_t h   = 0;

  PetscFunctionBegin;
  PetscCall(Try(v, PetscViewerHDF5ReadAttribute(viewer, "/c", "checksum_state", PETSC_STRING, NULL, &sum), "cannot read its state checksum (damaged)"));
  if (sum) {
    PetscCall(PetscStrncpy(stored, sum, sizeof(stored)));
    PetscCall(PetscFree(sum));
  }
  if (!v->bad) PetscCall(Try(v, StateChecksum(viewer, nid, id, &h), "cannot read its loop-state attributes (damaged)"));
  HexSum(h, hex);
  if (!v->bad && strcmp(hex, stored)) PetscCall(Fail(v, "its loop-state attributes do not match their checksum (damaged after it was written)"));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Everything after the file opened (v->bad set on the first problem). */
static PetscErrorCode VerifyOpen(Verdict *v, PetscViewer viewer, UphillGrid grid, PetscInt nid, const UphillIdentity id[])
{
  UphillGridInfo g;
  PetscBool      has;
  PetscInt       nh = 1, nk = 0;

  PetscFunctionBegin;
  PetscCall(UphillGridGetInfo(grid, &g));
  PetscCall(VerifyIdentity(v, viewer, nid, id, &nh));
  if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
  PetscCallMPI(MPI_Allreduce(&g.nloc_k, &nk, 1, MPIU_INT, MPI_SUM, g.comm));
  PetscCall(VerifyShapes(v, viewer, &g, nh, nk));
  if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
  /* checksums: absent in checkpoints of older versions, which are loaded unverified */
  PetscCall(Try(v, PetscViewerHDF5HasAttribute(viewer, "/c", "checksum_state", &has), "cannot read its attributes (damaged)"));
  if (v->bad) PetscFunctionReturn(PETSC_SUCCESS);
  if (!has) {
    (void)snprintf(v->why, v->len, "it has no checksums (written by an older uphill), so its data cannot be verified");
    PetscFunctionReturn(PETSC_SUCCESS);
  }
  PetscCall(VerifyDataChecksums(v, viewer, grid, nh, nk));
  if (!v->bad) PetscCall(VerifyStateChecksum(v, viewer, nid, id));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillCheckpointVerify(UphillGrid grid, const char *path, PetscInt nid, const UphillIdentity id[], PetscBool *ok, char *why, size_t len)
{
  UphillGridInfo g;
  PetscMPIInt    rank;
  int            pre[2] = {0, 0}; /* rank 0: what a look at the file found, its errno */
  Verdict        v;
  UphillQuiet    q;
  PetscViewer    viewer = NULL;

  PetscFunctionBegin;
  PetscCall(UphillGridGetInfo(grid, &g));
  PetscCallMPI(MPI_Comm_rank(g.comm, &rank));
  why[0] = 0;
  v      = (Verdict){g.comm, path, why, len, PETSC_FALSE};
  if (rank == 0) {
    struct stat sb;
    errno = 0;
    if (access(path, R_OK) || stat(path, &sb)) pre[0] = 1, pre[1] = UphillErrno();
    else if (!S_ISREG(sb.st_mode)) pre[0] = 2;
    else if (sb.st_size == 0) pre[0] = 3;
    else if (H5Fis_hdf5(path) <= 0) pre[0] = 4;
    else {
      /* a truncated file still starts like HDF5; opening it (serially) is the test */
      hid_t f;
      PetscCall(UphillQuietBegin(&q));
      f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
      PetscCall(UphillQuietEnd(&q));
      if (f < 0) pre[0] = 5;
      else (void)H5Fclose(f);
    }
  }
  PetscCallMPI(MPI_Bcast(pre, 2, MPI_INT, 0, g.comm));
  switch (pre[0]) {
  case 1:
    PetscCall(Fail(&v, "file missing or unreadable (%s)", strerror(pre[1])));
    break;
  case 2:
    PetscCall(Fail(&v, "not a regular file"));
    break;
  case 3:
    PetscCall(Fail(&v, "empty file (0 bytes; its write never completed)"));
    break;
  case 4:
    PetscCall(Fail(&v, "not an HDF5 file (corrupt or truncated checkpoint?)"));
    break;
  case 5:
    PetscCall(Fail(&v, "HDF5 cannot open it (truncated or damaged)"));
    break;
  default:
    break;
  }
  if (!v.bad) {
    PetscCall(UphillQuietBegin(&q));
    PetscCall(Try(&v, PetscViewerHDF5Open(g.comm, path, FILE_MODE_READ, &viewer), "HDF5 cannot open it (truncated or damaged)"));
    if (!v.bad) {
      PetscErrorCode ierr = VerifyOpen(&v, viewer, grid, nid, id);
      if (ierr && !v.bad) PetscCall(Fail(&v, "cannot be read (damaged)"));
    }
    if (viewer) (void)PetscViewerDestroy(&viewer);
    PetscCall(UphillQuietEnd(&q));
  }
  *ok = (PetscBool)!v.bad;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode UphillCheckpointRead(UphillGrid grid, UphillScheme scheme, const char *path, PetscInt nid, const UphillIdentity id[], UphillCheckpointState *st)
{
  UphillGridInfo g;
  PetscViewer    viewer;
  PetscBool      ok;
  char           why[1024];

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscCall(UphillGridGetInfo(grid, &g));
  PetscCall(PetscMemzero(st, sizeof(*st)));
  PetscCall(UphillCheckpointVerify(grid, path, nid, id, &ok, why, sizeof(why)));
  PetscCheck(ok, g.comm, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: %s", path, why);
  if (why[0]) PetscCall(PetscFPrintf(g.comm, PETSC_STDERR, "uphill: warning: -restart %s: %s\n", path, why));
  PetscCall(PetscViewerHDF5Open(g.comm, path, FILE_MODE_READ, &viewer));
  PetscCall(LoopAttributes(viewer, st, PETSC_TRUE));
  PetscCall(UphillSchemeLoad(scheme, viewer));
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(PetscLogEventEnd(UPHILL_CHECKPOINT, 0, 0, 0, 0));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Only complete files count: a *.h5.tmp left by a kill during writing is ignored. */
PetscErrorCode UphillCheckpointFindLatest(MPI_Comm comm, const char *dir, PetscInt64 below, char *path, size_t len, PetscInt64 *step)
{
  PetscMPIInt rank;
  long long   best = -1;
  char        name[256] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    DIR           *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      const long long s = CheckpointStep(e->d_name);
      if (s > best && s < (long long)below && strlen(e->d_name) < sizeof(name)) {
        best = s;
        (void)snprintf(name, sizeof(name), "%s", e->d_name);
      }
    }
    if (d) closedir(d);
  }
  PetscCallMPI(MPI_Bcast(&best, 1, MPI_LONG_LONG, 0, comm));
  PetscCallMPI(MPI_Bcast(name, sizeof(name), MPI_CHAR, 0, comm));
  *step = (PetscInt64)best;
  if (best < 0) path[0] = 0;
  else PetscCall(PetscSNPrintf(path, len, "%s/%s", dir, name));
  PetscFunctionReturn(PETSC_SUCCESS);
}
