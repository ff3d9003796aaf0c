#pragma once
/* Serial composition of colour-mapped RGB images and their PNG encoding (libpng).
 * No MPI: the caller gathers the data on one rank (see io_png.h). */
#include <petscsys.h>
#include <uphill/compat.h>

typedef struct {
  const PetscReal *data; /* row-major, ny rows of nx values; row 0 is drawn at the top */
  PetscInt         nx, ny;
  const char      *title; /* optional caption under the panel (e.g. "z = N/2"), may be NULL */
} ImagePanel;

typedef struct {
  PetscInt  scale;     /* integer upscale of every pixel (>= 1) */
  PetscReal vmin, vmax;/* colour range; values outside are clamped */
  PetscBool colorbar;  /* draw a labelled colour bar on the right */
  const char *label;   /* text burned in above the panels (e.g. "t = 1.2e3 s"), may be NULL */
  PetscBool diverging; /* the diverging blue-white-red map (signed fields) instead of viridis */
} ImageStyle;

/* Compose panels side by side (with a small gap), the label and the colour bar, and
 * write an 8-bit RGB PNG to path atomically (path.tmp, then rename). */
PetscErrorCode ImageWritePNG(const char *path, PetscInt npanels, const ImagePanel panels[], const ImageStyle *style);
/* The same, with a failed write of the file (disk full, file-size limit) returned as its errno
 * in *oserr (0 on success) instead of an error, for the caller to report it in its words. */
PetscErrorCode ImageWritePNGStatus(const char *path, PetscInt npanels, const ImagePanel panels[], const ImageStyle *style, int *oserr);

/* Read a PNG back (for tests and tools): allocates *rgb (PetscMalloc1; 3 bytes per pixel,
 * row-major) and returns its size. */
PetscErrorCode ImageReadPNG(const char *path, unsigned char **rgb, PetscInt *width, PetscInt *height);
