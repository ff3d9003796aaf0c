/* uphill-bench-fft: the FFT floor of an uphill step.
 *
 * Times FFTW-MPI's own in-place r2c + c2r pair on an N^d grid, planned exactly as
 * src/grid.c plans it (same local_size_*_transposed call, same buffer size, same flags
 * FFTW_MPI_TRANSPOSED_OUT / _IN, same wisdom file read on rank 0 and broadcast), so the
 * number is what one of uphill's transforms costs on the same ranks. No PETSc.
 *
 *   mpiexec -n 2 uphill-bench-fft -dim 2 -N 512 [-plan measure] [-wisdom FILE]
 *                                 [-time 1.0] [-repeats 7]
 *
 * Method: plan, warm up, then `repeats` timed blocks of `pairs` forward+backward pairs,
 * each block bracketed by MPI_Barrier + MPI_Wtime (so the slowest rank sets the time).
 * `pairs` is chosen from the warm-up so that all blocks together take about -time
 * seconds. The buffer is refilled (untimed) before each block: an unnormalized round
 * trip multiplies the data by N^d, and a block is short enough never to overflow.
 * Output: one JSON line on stdout (rank 0); transform_s_min / transform_s_median are
 * the minimum / median over blocks of (pair time)/2, the time of one transform. */
#include <fftw3-mpi.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
  fprintf(f, "usage: uphill-bench-fft -N n [-dim 2|3] [-plan estimate|measure|patient|exhaustive]\n"
             "                        [-wisdom FILE|none] [-time SECONDS] [-repeats R] [-max_pairs P]\n"
             "Times FFTW-MPI's in-place r2c+c2r pair planned as uphill plans it (src/grid.c) and\n"
             "prints one JSON line: transform_s_min / _median = one transform (pair/2), in s.\n");
}

static int cmp_double(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* xorshift: reproducible data in [-1, 1], different on every rank */
static double rnd(unsigned long long *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return 2.0 * (double)(*s >> 11) / 9007199254740992.0 - 1.0;
}

int main(int argc, char **argv)
{
  int         dim = 2, N = 0, repeats = 7, max_pairs = 16, rank, size;
  double      target = 1.0;
  const char *plan_name = "measure", *wisdom = "none";
  unsigned    flags = FFTW_MEASURE;

  MPI_Init(&argc, &argv);
  fftw_mpi_init();
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "-help") || !strcmp(a, "--help")) {
      if (rank == 0) usage(stdout);
      MPI_Finalize();
      return 0;
    }
    if (!v) {
      if (rank == 0) fprintf(stderr, "uphill-bench-fft: option %s needs a value\n", a), usage(stderr);
      MPI_Finalize();
      return 2;
    }
    if (!strcmp(a, "-N")) N = atoi(v);
    else if (!strcmp(a, "-dim")) dim = atoi(v);
    else if (!strcmp(a, "-plan")) plan_name = v;
    else if (!strcmp(a, "-wisdom")) wisdom = v;
    else if (!strcmp(a, "-time")) target = atof(v);
    else if (!strcmp(a, "-repeats")) repeats = atoi(v);
    else if (!strcmp(a, "-max_pairs")) max_pairs = atoi(v);
    else {
      if (rank == 0) fprintf(stderr, "uphill-bench-fft: unknown option %s\n", a), usage(stderr);
      MPI_Finalize();
      return 2;
    }
    i++;
  }
  if (!strcmp(plan_name, "estimate")) flags = FFTW_ESTIMATE;
  else if (!strcmp(plan_name, "measure")) flags = FFTW_MEASURE;
  else if (!strcmp(plan_name, "patient")) flags = FFTW_PATIENT;
  else if (!strcmp(plan_name, "exhaustive")) flags = FFTW_EXHAUSTIVE;
  else N = -1;
  if (N < 8 || (dim != 2 && dim != 3) || repeats < 1 || max_pairs < 1 || target <= 0) {
    if (rank == 0) fprintf(stderr, "uphill-bench-fft: need -N >= 8, -dim 2|3, a known -plan, -repeats >= 1, -time > 0\n"), usage(stderr);
    MPI_Finalize();
    return 2;
  }

  /* layout and buffer exactly as UphillGridCreate */
  const ptrdiff_t n = N;
  ptrdiff_t       nr, r0, nk, k0, alloc;
  if (dim == 2) alloc = fftw_mpi_local_size_2d_transposed(n, n / 2 + 1, MPI_COMM_WORLD, &nr, &r0, &nk, &k0);
  else alloc = fftw_mpi_local_size_3d_transposed(n, n, n / 2 + 1, MPI_COMM_WORLD, &nr, &r0, &nk, &k0);
  if (alloc < 1) alloc = 1;
  const size_t nreal = 2 * (size_t)alloc;
  double      *buf = fftw_alloc_real(nreal), *init = malloc(nreal * sizeof(double));
  if (!buf || !init) {
    fprintf(stderr, "uphill-bench-fft: rank %d could not allocate %g MB\n", rank, 16.0 * alloc / 1e6);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  unsigned long long seed = 0x9E3779B97F4A7C15ULL ^ (unsigned long long)(rank + 1) * 0xBF58476D1CE4E5B9ULL;
  for (size_t i = 0; i < nreal; i++) init[i] = rnd(&seed);

  /* wisdom: rank 0 reads, broadcast (as GridImportWisdom) */
  const int use_wisdom = wisdom[0] && strcmp(wisdom, "none");
  if (use_wisdom) {
    if (rank == 0 && access(wisdom, R_OK) == 0) (void)fftw_import_wisdom_from_filename(wisdom);
    fftw_mpi_broadcast_wisdom(MPI_COMM_WORLD);
  }
  double    tp0 = MPI_Wtime();
  fftw_plan fwd, bwd;
  if (dim == 2) {
    fwd = fftw_mpi_plan_dft_r2c_2d(n, n, buf, (fftw_complex *)buf, MPI_COMM_WORLD, flags | FFTW_MPI_TRANSPOSED_OUT);
    bwd = fftw_mpi_plan_dft_c2r_2d(n, n, (fftw_complex *)buf, buf, MPI_COMM_WORLD, flags | FFTW_MPI_TRANSPOSED_IN);
  } else {
    fwd = fftw_mpi_plan_dft_r2c_3d(n, n, n, buf, (fftw_complex *)buf, MPI_COMM_WORLD, flags | FFTW_MPI_TRANSPOSED_OUT);
    bwd = fftw_mpi_plan_dft_c2r_3d(n, n, n, (fftw_complex *)buf, buf, MPI_COMM_WORLD, flags | FFTW_MPI_TRANSPOSED_IN);
  }
  if (!fwd || !bwd) {
    if (rank == 0) fprintf(stderr, "uphill-bench-fft: FFTW-MPI could not plan a %d^%d grid\n", N, dim);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  const double plan_s = MPI_Wtime() - tp0;
  if (use_wisdom) {
    /* as GridExportWisdom: temporary name, then rename */
    fftw_mpi_gather_wisdom(MPI_COMM_WORLD);
    if (rank == 0) {
      char tmp[4096];
      snprintf(tmp, sizeof(tmp), "%s.%d.tmp", wisdom, (int)getpid());
      if (!fftw_export_wisdom_to_filename(tmp) || rename(tmp, wisdom)) (void)remove(tmp);
    }
  }

  /* warm up: 2 pairs, then time single pairs for about 0.1 s to size the blocks */
  memcpy(buf, init, nreal * sizeof(double));
  for (int i = 0; i < 2; i++) {
    fftw_execute(fwd);
    fftw_execute(bwd);
  }
  double est;
  {
    int    cnt = 0;
    double t0, t;
    memcpy(buf, init, nreal * sizeof(double));
    MPI_Barrier(MPI_COMM_WORLD);
    t0 = MPI_Wtime();
    do {
      fftw_execute(fwd);
      fftw_execute(bwd);
      cnt++;
      t = MPI_Wtime() - t0;
      MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD); /* every rank stops together */
    } while (t < 0.1 && cnt < max_pairs);
    est = t / cnt;
  }
  int pairs = (int)(target / repeats / est);
  if (pairs < 1) pairs = 1;
  if (pairs > max_pairs) pairs = max_pairs;
  MPI_Bcast(&pairs, 1, MPI_INT, 0, MPI_COMM_WORLD);

  double *tpair = malloc((size_t)repeats * sizeof(double));
  for (int r = 0; r < repeats; r++) {
    memcpy(buf, init, nreal * sizeof(double));
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    for (int p = 0; p < pairs; p++) {
      fftw_execute(fwd);
      fftw_execute(bwd);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    tpair[r] = (MPI_Wtime() - t0) / pairs;
  }
  /* rank 0's clock decides; the barriers make it the slowest rank's time */
  qsort(tpair, (size_t)repeats, sizeof(double), cmp_double);
  const double tmin = tpair[0], tmed = repeats % 2 ? tpair[repeats / 2] : 0.5 * (tpair[repeats / 2 - 1] + tpair[repeats / 2]);
  double checksum = 0;
  for (ptrdiff_t i = 0; i < (ptrdiff_t)nr * (dim == 2 ? 1 : n); i++) checksum += buf[i * 2 * (n / 2 + 1)];
  MPI_Allreduce(MPI_IN_PLACE, &checksum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

  if (rank == 0) {
    const double pts = dim == 2 ? (double)N * N : (double)N * N * N;
    printf("{\"tool\": \"uphill-bench-fft\", \"dim\": %d, \"N\": %d, \"points\": %.0f, \"ranks\": %d, \"plan\": \"%s\", "
           "\"wisdom\": \"%s\", \"plan_s\": %.6g, \"pairs_per_block\": %d, \"blocks\": %d, "
           "\"transform_s_min\": %.6e, \"transform_s_median\": %.6e, \"pair_s_min\": %.6e, \"pair_s_median\": %.6e, "
           "\"ns_per_point_transform\": %.4g, \"finite\": %s}\n",
           dim, N, pts, size, plan_name, use_wisdom ? wisdom : "none", plan_s, pairs, repeats, 0.5 * tmin, 0.5 * tmed, tmin, tmed,
           0.5 * tmin / pts * 1e9, checksum == checksum ? "true" : "false");
    fflush(stdout);
  }
  free(tpair);
  free(init);
  fftw_destroy_plan(fwd);
  fftw_destroy_plan(bwd);
  fftw_free(buf);
  fftw_mpi_cleanup();
  MPI_Finalize();
  return 0;
}
