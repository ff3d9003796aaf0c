/* Unit test of the colour map, the bitmap font and PNG composition/encoding: field pixels
 * must survive a write/read round trip exactly, layouts must have the documented sizes, and
 * every way a write can fail must fail loudly and leave no partial file behind. */
#include <uphill/colormap.h>
#include <uphill/font.h>
#include <uphill/image.h>
#include "tally.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>


#define DIR "image_test"

#define Check TallyCheckf

static PetscBool Exists(const char *path)
{
  struct stat st;

  return lstat(path, &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool SameRGB(const unsigned char *a, const unsigned char *b)
{
  return (a[0] == b[0] && a[1] == b[1] && a[2] == b[2]) ? PETSC_TRUE : PETSC_FALSE;
}

/* Count pixels of the panel placed at (ox, oy) in an image that differ from the colour map
 * of the field: 0 means the panel was drawn exactly, with row 0 on top. */
static PetscInt PanelMismatches(const unsigned char *rgb, PetscInt w, PetscInt h, PetscInt ox, PetscInt oy, const ImagePanel *p, const ImageStyle *st)
{
  PetscInt bad = 0;

  if (ox < 0 || oy < 0 || ox + p->nx * st->scale > w || oy + p->ny * st->scale > h) return -1;
  for (PetscInt y = 0; y < p->ny * st->scale; y++) {
    for (PetscInt x = 0; x < p->nx * st->scale; x++) {
      unsigned char want[3];

      ColormapViridis((p->data[(y / st->scale) * p->nx + x / st->scale] - st->vmin) / (st->vmax - st->vmin), want);
      if (!SameRGB(rgb + 3 * ((oy + y) * w + ox + x), want)) bad++;
    }
  }
  return bad;
}

/* Search for the panel anywhere in a decorated image (the layout puts it at a margin we do
 * not want to hard-code here). */
static PetscBool FindPanel(const unsigned char *rgb, PetscInt w, PetscInt h, const ImagePanel *p, const ImageStyle *st, PetscInt *ox, PetscInt *oy)
{
  for (PetscInt y = 0; y + p->ny * st->scale <= h; y++)
    for (PetscInt x = 0; x + p->nx * st->scale <= w; x++)
      if (PanelMismatches(rgb, w, h, x, y, p, st) == 0) {
        *ox = x;
        *oy = y;
        return PETSC_TRUE;
      }
  return PETSC_FALSE;
}

static PetscInt CountColour(const unsigned char *rgb, PetscInt x0, PetscInt y0, PetscInt x1, PetscInt y1, PetscInt w, const unsigned char c[3])
{
  PetscInt n = 0;

  for (PetscInt y = y0; y < y1; y++)
    for (PetscInt x = x0; x < x1; x++)
      if (SameRGB(rgb + 3 * (y * w + x), c)) n++;
  return n;
}

/* Pixels that are neither white nor any colour-map colour: text and outlines. */
static PetscInt CountInk(const unsigned char *rgb, PetscInt x0, PetscInt y0, PetscInt x1, PetscInt y1, PetscInt w)
{
  PetscInt n = 0;

  for (PetscInt y = y0; y < y1; y++)
    for (PetscInt x = x0; x < x1; x++) {
      const unsigned char *q = rgb + 3 * (y * w + x);

      if (q[0] < 100 && q[1] < 100 && q[2] < 100 && q[0] == q[1] && q[1] == q[2]) n++;
    }
  return n;
}

static PetscReal Lightness(const unsigned char c[3])
{
  PetscReal lin[3], Y;

  for (int k = 0; k < 3; k++) {
    const PetscReal u = c[k] / 255.0;

    lin[k] = u <= 0.04045 ? u / 12.92 : pow((u + 0.055) / 1.055, 2.4);
  }
  Y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  return Y > 0.008856 ? 116 * cbrt(Y) - 16 : 903.3 * Y;
}

static PetscErrorCode TestColormap(Tally *t)
{
  unsigned char c[3], prev[3];
  PetscBool     mono = PETSC_TRUE;

  PetscFunctionBeginUser;
  ColormapViridis(0, c);
  Check(t, (PetscBool)(c[0] == 68 && c[1] == 1 && c[2] == 84), "viridis(0) = (%d,%d,%d), want (68,1,84)", c[0], c[1], c[2]);
  ColormapViridis(1, c);
  Check(t, (PetscBool)(c[0] == 253 && c[1] == 231 && c[2] == 37), "viridis(1) = (%d,%d,%d), want (253,231,37)", c[0], c[1], c[2]);
  ColormapViridis(-3, prev);
  ColormapViridis(0, c);
  Check(t, SameRGB(c, prev), "viridis clamps below 0");
  ColormapViridis(7, prev);
  ColormapViridis(1, c);
  Check(t, SameRGB(c, prev), "viridis clamps above 1");
  ColormapViridis((PetscReal)NAN, c);
  Check(t, (PetscBool)(c[0] == 255 && c[1] == 0 && c[2] == 255), "viridis(NaN) is magenta");
  ColormapViridis(0, prev);
  for (int i = 1; i < 256; i++) {
    ColormapViridis((i + 0.5) / 256, c);
    if (!(Lightness(c) > Lightness(prev))) mono = PETSC_FALSE;
    PetscCall(PetscArraycpy(prev, c, 3));
  }
  Check(t, mono, "viridis lightness (CIE L*) increases strictly over all 256 entries");
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestFont(Tally *t)
{
  const PetscInt     w = FONT_CELL_W, h = FONT_CELL_H;
  const unsigned char black[3] = {0, 0, 0};
  unsigned char      glyphs[95][FONT_CELL_W * FONT_CELL_H * 3];
  PetscBool          nonempty = PETSC_TRUE, distinct = PETSC_TRUE;

  PetscFunctionBeginUser;
  Check(t, (PetscBool)(FontTextWidth("abc", 2) == 3 * FONT_CELL_W * 2), "FontTextWidth(\"abc\", 2) = %" PetscInt_FMT, FontTextWidth("abc", 2));
  Check(t, (PetscBool)(FontTextWidth("c\xc2\xb2", 1) == 2 * FONT_CELL_W), "a UTF-8 character takes one cell");
  for (int ch = 32; ch < 127; ch++) {
    const char s[2] = {(char)ch, 0};

    memset(glyphs[ch - 32], 255, sizeof(glyphs[0]));
    FontDrawText(glyphs[ch - 32], w, h, 0, 0, 1, s, black);
    if (ch != ' ' && CountInk(glyphs[ch - 32], 0, 0, w, h, w) == 0) nonempty = PETSC_FALSE;
  }
  for (int a = 0; a < 95; a++)
    for (int b = a + 1; b < 95; b++)
      if (!memcmp(glyphs[a], glyphs[b], sizeof(glyphs[0]))) {
        distinct = PETSC_FALSE;
        printf("     glyphs '%c' and '%c' are identical\n", a + 32, b + 32);
      }
  Check(t, nonempty, "every printable ASCII glyph except space has ink");
  Check(t, distinct, "all 95 printable ASCII glyphs are distinct");
  /* clipping: drawing partly or wholly off a tiny buffer must stay inside it */
  {
    /* the 10 x 4 buffer sits between guard bytes: nothing outside it may change, while the
     * glyphs that overlap it must leave ink inside */
    unsigned char guarded[64 + 3 * 10 * 4 + 64], *buf = guarded + 64;
    PetscBool     guard_ok = PETSC_TRUE, inked = PETSC_FALSE, untouched = PETSC_TRUE;
    memset(guarded, 0xAB, sizeof(guarded));
    memset(buf, 255, 3 * 10 * 4);
    FontDrawText(buf, 10, 4, -7, -3, 3, "Hg%", black);
    FontDrawText(buf, 10, 4, 8, 2, 2, "W", black);
    for (size_t i = 0; i < 64; i++) guard_ok = (PetscBool)(guard_ok && guarded[i] == 0xAB && guarded[64 + 3 * 10 * 4 + i] == 0xAB);
    for (int i = 0; i < 3 * 10 * 4; i++) inked = (PetscBool)(inked || buf[i] == black[0]);
    Check(t, guard_ok, "text drawn across the edges of a buffer writes nothing outside it");
    Check(t, inked, "the part of the text that overlaps the buffer is drawn");
    memset(buf, 255, 3 * 10 * 4);
    FontDrawText(buf, 10, 4, 100, 100, 1, "x", black);
    FontDrawText(buf, 10, 4, -100, -100, 1, "x", black);
    for (int i = 0; i < 3 * 10 * 4; i++) untouched = (PetscBool)(untouched && buf[i] == 255);
    Check(t, untouched, "text placed wholly outside the buffer draws nothing");
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Write, read back, free: the common round trip of the tests below. */
static PetscErrorCode RoundTrip(const char *path, PetscInt n, const ImagePanel *p, const ImageStyle *st, unsigned char **rgb, PetscInt *w, PetscInt *h)
{
  PetscFunctionBeginUser;
  PetscCall(ImageWritePNG(path, n, p, st));
  PetscCall(ImageReadPNG(path, rgb, w, h));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestRoundTrip(Tally *t)
{
  const PetscInt nx = 17, ny = 5, s = 3;
  PetscReal      ramp[5 * 17], rows[5 * 17], checker[5 * 17];
  ImagePanel     p  = {ramp, nx, ny, NULL};
  ImageStyle     st = {s, 0.0, 1.0, PETSC_FALSE, NULL, PETSC_FALSE};
  unsigned char *rgb, want[3];
  PetscInt       w, h;

  PetscFunctionBeginUser;
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++) {
      ramp[j * nx + i]    = (PetscReal)i / (nx - 1);
      rows[j * nx + i]    = (PetscReal)j / (ny - 1);
      checker[j * nx + i] = ((i + j) % 2) ? 1.5 : -0.5; /* outside [vmin, vmax] on purpose */
    }

  PetscCall(RoundTrip(DIR "/ramp.png", 1, &p, &st, &rgb, &w, &h));
  Check(t, (PetscBool)(w == nx * s && h == ny * s), "bare panel is exactly nx*scale x ny*scale (%" PetscInt_FMT " x %" PetscInt_FMT ")", w, h);
  Check(t, (PetscBool)(PanelMismatches(rgb, w, h, 0, 0, &p, &st) == 0), "ramp 0..1 across x: every pixel equals ColormapViridis of its value");
  Check(t, (PetscBool)!Exists(DIR "/ramp.png.tmp"), "no temporary file left after a successful write");
  PetscCall(PetscFree(rgb));

  p.data = rows;
  PetscCall(RoundTrip(DIR "/rows.png", 1, &p, &st, &rgb, &w, &h));
  ColormapViridis(0, want);
  Check(t, (PetscBool)(PanelMismatches(rgb, w, h, 0, 0, &p, &st) == 0 && SameRGB(rgb, want)), "row 0 of the field is the top row of the image");
  PetscCall(PetscFree(rgb));

  p.data = checker;
  PetscCall(RoundTrip(DIR "/checker.png", 1, &p, &st, &rgb, &w, &h));
  ColormapViridis(0, want);
  Check(t, (PetscBool)(SameRGB(rgb, want) && PanelMismatches(rgb, w, h, 0, 0, &p, &st) == 0), "checkerboard -0.5/1.5 clamps to the ends of [vmin, vmax]");
  PetscCall(PetscFree(rgb));

  /* a different colour range and a scale of 1 */
  st.vmin = -0.5;
  st.vmax = 1.5;
  st.scale = 1;
  PetscCall(RoundTrip(DIR "/checker2.png", 1, &p, &st, &rgb, &w, &h));
  Check(t, (PetscBool)(w == nx && h == ny && PanelMismatches(rgb, w, h, 0, 0, &p, &st) == 0), "scale 1 and range [-0.5, 1.5] round-trip exactly");
  PetscCall(PetscFree(rgb));

  checker[3] = (PetscReal)NAN;
  PetscCall(RoundTrip(DIR "/nan.png", 1, &p, &st, &rgb, &w, &h));
  Check(t, (PetscBool)(rgb[9] == 255 && rgb[10] == 0 && rgb[11] == 255), "a NaN value is drawn magenta");
  PetscCall(PetscFree(rgb));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestLayouts(Tally *t)
{
  const PetscInt nx = 8, ny = 6, s = 2;
  PetscReal      a[6 * 8], b[6 * 8], c[6 * 8];
  ImagePanel     three[3] = {{a, nx, ny, NULL}, {b, nx, ny, NULL}, {c, nx, ny, NULL}};
  ImageStyle     st       = {s, 0.0, 1.0, PETSC_FALSE, NULL, PETSC_FALSE};
  unsigned char *rgb, white[3] = {255, 255, 255}, top[3], bottom[3];
  PetscInt       w, h, gap, ox = -1, oy = -1, w1, h1, lab_w, lab_h;
  PetscBool      ok;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < nx * ny; k++) {
    a[k] = 0.4 + 0.2 * (PetscReal)(k % nx) / (nx - 1);
    b[k] = 0.4 + 0.2 * (PetscReal)(k / nx) / (ny - 1);
    c[k] = 0.5;
  }

  PetscCall(RoundTrip(DIR "/one.png", 1, three, &st, &rgb, &w1, &h1));
  PetscCall(PetscFree(rgb));

  PetscCall(RoundTrip(DIR "/three.png", 3, three, &st, &rgb, &w, &h));
  gap = (w - 3 * nx * s) / 2;
  Check(t, (PetscBool)(h == ny * s && gap > 0 && w == 3 * nx * s + 2 * gap), "3 panels side by side: %" PetscInt_FMT " x %" PetscInt_FMT " (gap %" PetscInt_FMT ")", w, h, gap);
  ok = PETSC_TRUE;
  for (PetscInt i = 0; i < 3; i++)
    if (PanelMismatches(rgb, w, h, i * (nx * s + gap), 0, &three[i], &st) != 0) ok = PETSC_FALSE;
  Check(t, ok, "each of the 3 panels is drawn exactly at its place");
  Check(t, (PetscBool)(CountColour(rgb, nx * s, 0, nx * s + gap, h, w, white) == gap * h), "the gap between panels is white");
  PetscCall(PetscFree(rgb));

  st.label = "t = 1.5e+03 s";
  PetscCall(RoundTrip(DIR "/label.png", 1, three, &st, &rgb, &lab_w, &lab_h));
  ok = FindPanel(rgb, lab_w, lab_h, &three[0], &st, &ox, &oy);
  Check(t, (PetscBool)(lab_h > h1 && lab_w >= FontTextWidth(st.label, 1)), "a label adds a band: %" PetscInt_FMT " x %" PetscInt_FMT " > bare %" PetscInt_FMT " x %" PetscInt_FMT, lab_w, lab_h, w1, h1);
  Check(t, (PetscBool)(ok && oy >= FONT_CELL_H), "the panel is intact below the label band (at %" PetscInt_FMT ", %" PetscInt_FMT ")", ox, oy);
  Check(t, (PetscBool)(ok && CountInk(rgb, 0, 0, lab_w, oy, lab_w) > 20), "the label band holds dark text");
  PetscCall(PetscFree(rgb));

  st.label    = NULL;
  st.colorbar = PETSC_TRUE;
  PetscCall(RoundTrip(DIR "/colorbar.png", 1, three, &st, &rgb, &w, &h));
  ok = FindPanel(rgb, w, h, &three[0], &st, &ox, &oy);
  Check(t, (PetscBool)(w > w1 + 10 && h >= h1), "a colour bar widens the image: %" PetscInt_FMT " x %" PetscInt_FMT, w, h);
  /* The field spans only [0.4, 0.6], so the ends of the colour map can only come from the bar. */
  ColormapViridis(1 - 0.5 / (ny * s), top);
  ColormapViridis(0.5 / (ny * s), bottom);
  Check(t, (PetscBool)(ok && CountColour(rgb, ox + nx * s, 0, w, h, w, top) > 0 && CountColour(rgb, ox + nx * s, 0, w, h, w, bottom) > 0), "the colour bar right of the panel spans the colour map");
  Check(t, (PetscBool)(ok && CountInk(rgb, ox + nx * s, 0, w, h, w) > 40), "the colour bar has dark ticks and labels");
  PetscCall(PetscFree(rgb));

  three[0].title = "x";
  three[1].title = "y";
  three[2].title = "z = N/2";
  st.label       = "t = 42";
  PetscCall(RoundTrip(DIR "/titled.png", 3, three, &st, &rgb, &w, &h));
  Check(t, (PetscBool)(w > 3 * nx * s && h > ny * s + 2 * FONT_CELL_H), "3 panels with titles, label and colour bar: %" PetscInt_FMT " x %" PetscInt_FMT, w, h);
  PetscCall(PetscFree(rgb));
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* Run an ImageWritePNG that must fail, with PETSc's traceback silenced; it counts as failed
 * only if the error message names the path. */
static PetscErrorCode WriteMustFail(const char *path, const ImagePanel *p, const ImageStyle *st, PetscBool *failed)
{
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = ImageWritePNG(path, 1, p, st);
  PetscCall(PetscPopErrorHandler());
  *failed = ierr ? PETSC_TRUE : PETSC_FALSE;
  if (ierr) {
    char *msg = NULL;

    PetscCall(PetscErrorMessage(ierr, NULL, &msg));
    printf("       error: %s\n", msg ? msg : "(none)");
    /* a user must be told which file could not be written */
    if (!msg || !strstr(msg, path)) *failed = PETSC_FALSE;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode FileSize(const char *path, long *size)
{
  struct stat st;

  PetscFunctionBeginUser;
  *size = stat(path, &st) == 0 ? (long)st.st_size : -1;
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestFailures(Tally *t)
{
  enum { n = 128 };
  PetscReal     *noise;
  ImagePanel     p  = {NULL, n, n, NULL};
  ImageStyle     st = {1, 0.0, 1.0, PETSC_FALSE, NULL, PETSC_FALSE};
  PetscBool      failed;
  unsigned char *rgb;
  PetscInt       w, h;
  struct rlimit  old, lim;
  long           before, after;
  unsigned int   r = 12345;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n * n, &noise));
  /* incompressible pixels, so the PNG is far larger than the limits set below */
  for (PetscInt k = 0; k < n * n; k++) {
    r        = r * 1103515245u + 12345u;
    noise[k] = (PetscReal)((r >> 16) & 0xff) / 255.0;
  }
  p.data = noise;

  PetscCall(WriteMustFail(DIR "/no_such_dir/x.png", &p, &st, &failed));
  Check(t, (PetscBool)(failed && !Exists(DIR "/no_such_dir/x.png") && !Exists(DIR "/no_such_dir/x.png.tmp")), "writing into a missing directory fails and leaves no file");

  PetscCall(WriteMustFail("/dev/full/x.png", &p, &st, &failed));
  Check(t, failed, "writing below a non-directory (/dev/full/x.png) fails");

  st.vmax = 0.0;
  PetscCall(WriteMustFail(DIR "/bad_range.png", &p, &st, &failed));
  Check(t, (PetscBool)(failed && !Exists(DIR "/bad_range.png")), "vmax <= vmin is rejected");
  st.vmax  = 1.0;
  st.scale = 0;
  PetscCall(WriteMustFail(DIR "/bad_scale.png", &p, &st, &failed));
  Check(t, (PetscBool)(failed && !Exists(DIR "/bad_scale.png")), "scale 0 is rejected");
  st.scale = 1;

  /* A full disk: point the temporary file at /dev/full, where every write fails with ENOSPC. */
  if (Exists("/dev/full")) {
    (void)remove(DIR "/full.png");
    (void)remove(DIR "/full.png.tmp");
    if (symlink("/dev/full", DIR "/full.png.tmp") == 0) {
      PetscCall(WriteMustFail(DIR "/full.png", &p, &st, &failed));
      Check(t, (PetscBool)(failed && !Exists(DIR "/full.png") && !Exists(DIR "/full.png.tmp")), "a full disk (ENOSPC from /dev/full) is an error and leaves no file");
    } else printf("skip - cannot symlink to /dev/full (%s): ENOSPC check not run\n", strerror(errno));
  } else printf("skip - no /dev/full: ENOSPC check not run\n");

  /* A file-size limit fails writes part-way (EFBIG), like a disk filling up mid-frame; the
   * previous frame at the same path must survive intact. */
  PetscCall(ImageWritePNG(DIR "/limited.png", 1, &p, &st));
  PetscCall(FileSize(DIR "/limited.png", &before));
  if (getrlimit(RLIMIT_FSIZE, &old) == 0 && (old.rlim_max == RLIM_INFINITY || old.rlim_max > 4096)) {
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);

    lim.rlim_cur = 4096;
    lim.rlim_max = old.rlim_max;
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
      p.data = noise; /* the same size, other content: a real overwrite */
      st.vmin = -1.0;
      PetscCall(WriteMustFail(DIR "/limited.png", &p, &st, &failed));
      (void)setrlimit(RLIMIT_FSIZE, &old);
      st.vmin = 0.0;
      PetscCall(FileSize(DIR "/limited.png", &after));
      Check(t, (PetscBool)(failed && !Exists(DIR "/limited.png.tmp")), "a write cut short by a file-size limit is an error and removes the temporary");
      Check(t, (PetscBool)(before > 4096 && after == before), "the previous image at that path is untouched (%ld bytes)", after);
      PetscCall(ImageReadPNG(DIR "/limited.png", &rgb, &w, &h));
      Check(t, (PetscBool)(w == n && h == n && PanelMismatches(rgb, w, h, 0, 0, &p, &st) == 0), "... and still reads back as the old frame");
      PetscCall(PetscFree(rgb));
    } else printf("skip - cannot lower RLIMIT_FSIZE: partial-write check not run\n");
    (void)signal(SIGXFSZ, prev);
  } else printf("skip - RLIMIT_FSIZE unavailable: partial-write check not run\n");
  PetscCall(PetscFree(noise));
  PetscFunctionReturn(PETSC_SUCCESS);
}

static PetscErrorCode TestRead(Tally *t)
{
  png_image      img;
  unsigned char  gray[4 * 3], rgba[4 * 3 * 4], *rgb;
  PetscInt       w, h;
  PetscErrorCode ierr;
  PetscBool      ok;
  FILE          *fp;

  PetscFunctionBeginUser;
  for (int k = 0; k < 12; k++) gray[k] = (unsigned char)(k * 20);
  memset(&img, 0, sizeof(img));
  img.version = PNG_IMAGE_VERSION;
  img.width   = 4;
  img.height  = 3;
  img.format  = PNG_FORMAT_GRAY;
  PetscCheck(png_image_write_to_file(&img, DIR "/gray.png", 0, gray, 0, NULL), PETSC_COMM_SELF, PETSC_ERR_LIB, "libpng could not write the gray test image: %s", img.message);
  PetscCall(ImageReadPNG(DIR "/gray.png", &rgb, &w, &h));
  ok = (PetscBool)(w == 4 && h == 3);
  for (int k = 0; k < 12 && ok; k++)
    if (rgb[3 * k] != gray[k] || rgb[3 * k + 1] != gray[k] || rgb[3 * k + 2] != gray[k]) ok = PETSC_FALSE;
  Check(t, ok, "an 8-bit gray PNG reads back as RGB with r = g = b = gray");
  PetscCall(PetscFree(rgb));

  for (int k = 0; k < 12; k++) {
    rgba[4 * k + 0] = (unsigned char)(k * 20);
    rgba[4 * k + 1] = (unsigned char)(255 - k * 20);
    rgba[4 * k + 2] = (unsigned char)(k * 7);
    rgba[4 * k + 3] = (unsigned char)(k == 5 ? 0 : 255);
  }
  memset(&img, 0, sizeof(img));
  img.version = PNG_IMAGE_VERSION;
  img.width   = 4;
  img.height  = 3;
  img.format  = PNG_FORMAT_RGBA;
  PetscCheck(png_image_write_to_file(&img, DIR "/rgba.png", 0, rgba, 0, NULL), PETSC_COMM_SELF, PETSC_ERR_LIB, "libpng could not write the RGBA test image: %s", img.message);
  PetscCall(ImageReadPNG(DIR "/rgba.png", &rgb, &w, &h));
  ok = (PetscBool)(w == 4 && h == 3);
  for (int k = 0; k < 12 && ok; k++) {
    if (k == 5) ok = (PetscBool)(rgb[15] == 255 && rgb[16] == 255 && rgb[17] == 255);
    else if (rgb[3 * k] != rgba[4 * k] || rgb[3 * k + 1] != rgba[4 * k + 1] || rgb[3 * k + 2] != rgba[4 * k + 2]) ok = PETSC_FALSE;
  }
  Check(t, ok, "an RGBA PNG reads back as RGB (opaque exact, transparent on white)");
  PetscCall(PetscFree(rgb));

  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = ImageReadPNG(DIR "/does_not_exist.png", &rgb, &w, &h);
  PetscCall(PetscPopErrorHandler());
  Check(t, (PetscBool)(ierr != 0), "reading a missing file is an error");

  fp = fopen(DIR "/not_a.png", "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot create %s", DIR "/not_a.png");
  fprintf(fp, "step,t\n0,0\n");
  PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", DIR "/not_a.png");
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = ImageReadPNG(DIR "/not_a.png", &rgb, &w, &h);
  PetscCall(PetscPopErrorHandler());
  Check(t, (PetscBool)(ierr != 0), "reading a file that is not a PNG is an error");
  PetscFunctionReturn(PETSC_SUCCESS);
}

/* The diverging map of signed fields (-frame_field uphill): its anchors exactly, white at the
 * middle of a symmetric range, red above and blue below, on a panel and on its colour bar. */
static PetscErrorCode TestDiverging(Tally *t)
{
  const PetscReal vals[3] = {-1.0, 0.0, 1.0};
  PetscReal       field[3 * 4];
  ImagePanel      p  = {field, 3, 4, NULL};
  ImageStyle      st = {1, -1.0, 1.0, PETSC_FALSE, NULL, PETSC_TRUE};
  unsigned char   c[3], blue[3] = {5, 48, 97}, white[3] = {247, 247, 247}, red[3] = {103, 0, 31}, *rgb, top[3], bottom[3];
  PetscInt        w, h, ox = -1, oy = -1;
  PetscBool       ok = PETSC_TRUE;

  PetscFunctionBeginUser;
  ColormapDiverging(0.0, c);
  Check(t, SameRGB(c, blue), "diverging map: 0 is dark blue (5,48,97), got (%d,%d,%d)", c[0], c[1], c[2]);
  ColormapDiverging(0.5, c);
  Check(t, SameRGB(c, white), "diverging map: 0.5 is white (247,247,247), got (%d,%d,%d)", c[0], c[1], c[2]);
  ColormapDiverging(1.0, c);
  Check(t, SameRGB(c, red), "diverging map: 1 is dark red (103,0,31), got (%d,%d,%d)", c[0], c[1], c[2]);
  for (int k = 1; k < 50 && ok; k++) {
    unsigned char lo[3], hi[3];
    ColormapDiverging(0.5 - 0.01 * k, lo);
    ColormapDiverging(0.5 + 0.01 * k, hi);
    ok = (PetscBool)(lo[2] > lo[0] && hi[0] > hi[2]);
  }
  Check(t, ok, "diverging map: blue dominates below the middle, red above");
  ColormapDiverging((PetscReal)NAN, c);
  Check(t, (PetscBool)(c[0] == 255 && c[1] == 0 && c[2] == 255), "diverging map: NaN is magenta");
  for (PetscInt j = 0; j < 4; j++)
    for (PetscInt i = 0; i < 3; i++) field[j * 3 + i] = vals[i];
  PetscCall(RoundTrip(DIR "/diverging.png", 1, &p, &st, &rgb, &w, &h));
  Check(t, (PetscBool)(w == 3 && h == 4 && SameRGB(rgb, blue) && SameRGB(rgb + 3, white) && SameRGB(rgb + 6, red)), "a signed field -1, 0, 1 on [-1, 1] is drawn blue, white, red exactly");
  PetscCall(PetscFree(rgb));
  st.colorbar = PETSC_TRUE;
  st.scale    = 8;
  PetscCall(RoundTrip(DIR "/diverging_bar.png", 1, &p, &st, &rgb, &w, &h));
  ColormapDiverging(1 - 0.5 / 32, top);
  ColormapDiverging(0.5 / 32, bottom);
  for (PetscInt y = 0; y < h && ox < 0; y++)
    for (PetscInt x = 0; x < w; x++)
      if (SameRGB(rgb + 3 * (y * w + x), blue)) {
        ox = x, oy = y;
        break;
      }
  Check(t, (PetscBool)(ox >= 0 && CountColour(rgb, ox + 3 * 8, 0, w, h, w, top) > 0 && CountColour(rgb, ox + 3 * 8, 0, w, h, w, bottom) > 0), "the colour bar of a diverging frame runs from blue to red (panel at %" PetscInt_FMT ", %" PetscInt_FMT ")", ox, oy);
  PetscCall(PetscFree(rgb));
  PetscFunctionReturn(PETSC_SUCCESS);
}

int main(int argc, char **argv)
{
  Tally t = {MPI_COMM_NULL, 0, 0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, "Unit test of colour map, font and PNG images"));
  t.comm = PETSC_COMM_SELF;
  PetscCheck(mkdir(DIR, 0777) == 0 || errno == EEXIST, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot create the test directory %s: %s", DIR, strerror(errno));
  PetscCall(TestColormap(&t));
  PetscCall(TestFont(&t));
  PetscCall(TestRoundTrip(&t));
  PetscCall(TestLayouts(&t));
  PetscCall(TestDiverging(&t));
  PetscCall(TestFailures(&t));
  PetscCall(TestRead(&t));
  PetscCall(TallySummary(&t));
  PetscCall(PetscFinalize());
  return t.failed ? 1 : 0;
}
