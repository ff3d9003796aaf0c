#include <uphill/image.h>
#include <uphill/colormap.h>
#include <uphill/font.h>
#include <uphill/fileio.h>

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>


/* Layout (all sizes in pixels; s = style->scale):
 *
 *   panel i         nx_i*s by ny_i*s, panels side by side, top-aligned, `gap` apart
 *   text scale ts   1 + ph/256 capped at 4 (ph = tallest panel), so labels grow with the image
 *   pad             4*ts; gap = pad
 *   margin          pad on every side if there is any decoration (label, title or colour
 *                   bar), else 0: a bare single panel is exactly nx*s by ny*s, so tests and
 *                   tools can read field pixels back at known positions
 *   label band      FONT_CELL_H*ts + pad above the panels, when style->label is set
 *   title band      pad + FONT_CELL_H*ts below the panels, when any panel has a title
 *   colour bar      gap + bar (3*pad wide, ph tall) + tick + labels, right of the panels
 *
 * The image is widened if the label would not fit, never clipped. */

typedef struct {
  PetscInt ts, pad, gap, margin;
  PetscInt ph;                 /* tallest panel */
  PetscInt panels_w;           /* panels plus the gaps between them */
  PetscInt label_h, title_h;   /* bands, 0 when absent */
  PetscInt bar_x, bar_w, tick_len, cb_w;
  PetscInt width, height;
  PetscInt top;                /* y of the top of the panels */
  char     ticks[3][32];       /* vmin, mid, vmax */
} Layout;

static const unsigned char ink[3] = {32, 32, 32};

static PetscErrorCode ComputeLayout(PetscInt npanels, const ImagePanel panels[], const ImageStyle *style, Layout *L)
{
  PetscInt  s = style->scale, content_w, lw = 0;
  PetscBool titles = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(L, sizeof(*L)));
  L->ph = 0;
  L->panels_w = 0;
  for (PetscInt i = 0; i < npanels; i++) {
    L->ph = PetscMax(L->ph, panels[i].ny * s);
    if (panels[i].title && panels[i].title[0]) titles = PETSC_TRUE;
  }
  L->ts     = PetscMin(1 + L->ph / 256, 4);
  L->pad    = 4 * L->ts;
  L->gap    = L->pad;
  L->margin = (style->label || style->colorbar || titles) ? L->pad : 0;
  for (PetscInt i = 0; i < npanels; i++) L->panels_w += panels[i].nx * s + (i ? L->gap : 0);
  L->label_h = style->label ? FONT_CELL_H * L->ts + L->pad : 0;
  L->title_h = titles ? L->pad + FONT_CELL_H * L->ts : 0;
  if (style->colorbar) {
    const PetscReal v[3] = {style->vmin, 0.5 * (style->vmin + style->vmax), style->vmax};

    for (int k = 0; k < 3; k++) {
      PetscCall(PetscSNPrintf(L->ticks[k], sizeof(L->ticks[k]), "%.3g", (double)v[k]));
      lw = PetscMax(lw, FontTextWidth(L->ticks[k], L->ts));
    }
    L->bar_w    = 3 * L->pad;
    L->tick_len = L->pad;
    L->cb_w     = L->gap + L->bar_w + L->tick_len + L->ts + lw;
  }
  content_w = L->panels_w + L->cb_w;
  if (style->label) content_w = PetscMax(content_w, FontTextWidth(style->label, L->ts));
  L->bar_x  = L->margin + L->panels_w + L->gap;
  L->width  = 2 * L->margin + content_w;
  L->top    = L->margin + L->label_h;
  L->height = L->top + L->ph + L->title_h + L->margin;
  PetscCheck(L->width <= 65535 && L->height <= 65535, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Image of %" PetscInt_FMT " x %" PetscInt_FMT " pixels is too large: lower the frame scale", L->width, L->height);
  PetscFunctionReturn(PETSC_SUCCESS);
}

static void PutPixel(unsigned char *rgb, PetscInt w, PetscInt x, PetscInt y, const unsigned char c[3])
{
  unsigned char *p = rgb + 3 * ((size_t)y * (size_t)w + (size_t)x);

  p[0] = c[0];
  p[1] = c[1];
  p[2] = c[2];
}

static void FillRect(unsigned char *rgb, PetscInt w, PetscInt h, PetscInt x0, PetscInt y0, PetscInt rw, PetscInt rh, const unsigned char c[3])
{
  for (PetscInt y = PetscMax(y0, 0); y < PetscMin(y0 + rh, h); y++)
    for (PetscInt x = PetscMax(x0, 0); x < PetscMin(x0 + rw, w); x++) PutPixel(rgb, w, x, y, c);
}

static void MapColor(const ImageStyle *style, PetscReal t, unsigned char c[3])
{
  if (style->diverging) ColormapDiverging(t, c);
  else ColormapViridis(t, c);
}

static void DrawPanel(unsigned char *rgb, const Layout *L, PetscInt x0, const ImagePanel *p, const ImageStyle *style)
{
  const PetscInt  s     = style->scale;
  const PetscReal range = style->vmax - style->vmin;

  for (PetscInt j = 0; j < p->ny; j++) {
    for (PetscInt i = 0; i < p->nx; i++) {
      unsigned char c[3];

      MapColor(style, (p->data[(size_t)j * (size_t)p->nx + (size_t)i] - style->vmin) / range, c);
      FillRect(rgb, L->width, L->height, x0 + i * s, L->top + j * s, s, s, c);
    }
  }
  if (p->title && p->title[0]) {
    const PetscInt tw = FontTextWidth(p->title, L->ts);
    const PetscInt tx = PetscMax(x0 + (p->nx * s - tw) / 2, 0);

    FontDrawText(rgb, L->width, L->height, tx, L->top + L->ph + L->pad, L->ts, p->title, ink);
  }
}

static void DrawColorbar(unsigned char *rgb, const Layout *L, const ImageStyle *style)
{
  const PetscInt x0 = L->bar_x, y0 = L->top, bh = L->ph;
  const PetscInt ch = FONT_CELL_H * L->ts;

  /* Sample the middle of each pixel row so the end rows show the end colours. */
  for (PetscInt y = 0; y < bh; y++) {
    unsigned char c[3];

    MapColor(style, 1 - (y + 0.5) / bh, c);
    FillRect(rgb, L->width, L->height, x0, y0 + y, L->bar_w, 1, c);
  }
  /* Thin outline drawn outside the bar, so the bar itself holds only colour-map values. */
  FillRect(rgb, L->width, L->height, x0 - 1, y0 - 1, L->bar_w + 2, 1, ink);
  FillRect(rgb, L->width, L->height, x0 - 1, y0 + bh, L->bar_w + 2, 1, ink);
  FillRect(rgb, L->width, L->height, x0 - 1, y0 - 1, 1, bh + 2, ink);
  FillRect(rgb, L->width, L->height, x0 + L->bar_w, y0 - 1, 1, bh + 2, ink);
  for (int k = 0; k < 3; k++) {
    /* k = 0 is vmin at the bottom, k = 2 is vmax at the top */
    const PetscInt ty = y0 + (bh - 1) - (k * (bh - 1)) / 2;
    const PetscInt ly = PetscMin(PetscMax(ty - ch / 2 + L->ts / 2, 0), L->height - ch);

    FillRect(rgb, L->width, L->height, x0 + L->bar_w, ty - L->ts / 2, L->tick_len, L->ts, ink);
    FontDrawText(rgb, L->width, L->height, x0 + L->bar_w + L->tick_len + L->ts, ly, L->ts, L->ticks[k], ink);
  }
}

typedef struct {
  char msg[256];
  int  err; /* errno when libpng failed */
} PNGErrorInfo;

static void PNGErrorFn(png_structp png, png_const_charp msg)
{
  PNGErrorInfo *info = (PNGErrorInfo *)png_get_error_ptr(png);

  if (info) {
    info->err = errno; /* libpng's write error comes straight from fwrite: keep its cause */
    snprintf(info->msg, sizeof(info->msg), "%s", msg);
  }
  png_longjmp(png, 1);
}

/* Our own stdio sink instead of png_init_io, so the error names the cause (ENOSPC, EFBIG)
 * rather than libpng's bare "Write Error". */
static void PNGWriteFn(png_structp png, png_bytep data, size_t length)
{
  FILE *fp = (FILE *)png_get_io_ptr(png);

  if (fwrite(data, 1, length, fp) != length) png_error(png, strerror(errno));
}

static void PNGFlushFn(png_structp png)
{
  FILE *fp = (FILE *)png_get_io_ptr(png);

  if (fflush(fp) != 0) png_error(png, strerror(errno));
}

static void PNGWarningFn(png_structp png, png_const_charp msg)
{
  (void)png;
  (void)msg; /* warnings (e.g. about ancillary chunks) never make a frame unusable */
}

/* All libpng calls live here, behind one setjmp, and nothing that PETSc allocates is touched
 * between setjmp and a possible longjmp: the caller owns every resource. Returns 0 on
 * success; on failure fills info->msg. */
static int EncodePNG(FILE *fp, PetscInt w, PetscInt h, const unsigned char *rgb, PNGErrorInfo *info)
{
  png_structp png;
  png_infop   pinfo;

  png = png_create_write_struct(PNG_LIBPNG_VER_STRING, info, PNGErrorFn, PNGWarningFn);
  if (!png) {
    snprintf(info->msg, sizeof(info->msg), "out of memory creating the PNG writer");
    return 1;
  }
  pinfo = png_create_info_struct(png);
  if (!pinfo) {
    png_destroy_write_struct(&png, NULL);
    snprintf(info->msg, sizeof(info->msg), "out of memory creating the PNG info");
    return 1;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &pinfo);
    return 1;
  }
  png_set_write_fn(png, fp, PNGWriteFn, PNGFlushFn);
  png_set_IHDR(png, pinfo, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, pinfo);
  for (PetscInt y = 0; y < h; y++) png_write_row(png, (png_const_bytep)(rgb + 3 * (size_t)y * (size_t)w));
  png_write_end(png, pinfo);
  png_destroy_write_struct(&png, &pinfo);
  return 0;
}

typedef struct {
  PetscInt             w, h;
  const unsigned char *rgb;
  PNGErrorInfo        *info;
} EncodeCtx;

static int EncodeToFile(FILE *fp, void *ctx)
{
  const EncodeCtx *e = (const EncodeCtx *)ctx;
  return EncodePNG(fp, e->w, e->h, e->rgb, e->info) ? (e->info->err ? e->info->err : EIO) : 0;
}

PetscErrorCode ImageWritePNGStatus(const char *path, PetscInt npanels, const ImagePanel panels[], const ImageStyle *style, int *oserr)
{
  Layout         L;
  unsigned char *rgb;
  PNGErrorInfo   info = {{0}, 0};
  size_t         npix;
  PetscInt       x;
  int            err;

  PetscFunctionBeginUser;
  PetscCheck(path && path[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "ImageWritePNG needs a file name");
  PetscCheck(style, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "ImageWritePNG needs a style");
  PetscCheck(npanels >= 1 && npanels <= 64, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Image %s needs 1 to 64 panels, got %" PetscInt_FMT, path, npanels);
  PetscCheck(style->scale >= 1 && style->scale <= 1024, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Scale of image %s must lie in [1, 1024], got %" PetscInt_FMT, path, style->scale);
  PetscCheck(!PetscIsInfOrNanReal(style->vmin) && !PetscIsInfOrNanReal(style->vmax) && style->vmax > style->vmin, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Colour range of image %s must be finite with vmax > vmin, got [%g, %g]", path, (double)style->vmin, (double)style->vmax);
  for (PetscInt i = 0; i < npanels; i++) {
    PetscCheck(panels[i].data, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Panel %" PetscInt_FMT " of image %s has no data", i, path);
    /* bounded before any multiplication, so the layout arithmetic cannot overflow */
    PetscCheck(panels[i].nx >= 1 && panels[i].ny >= 1 && panels[i].nx <= 65535 && panels[i].ny <= 65535, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "Panel %" PetscInt_FMT " of image %s has size %" PetscInt_FMT " x %" PetscInt_FMT ", must be between 1 x 1 and 65535 x 65535", i, path, panels[i].nx, panels[i].ny);
    PetscCheck(panels[i].nx * style->scale <= 65535 && panels[i].ny * style->scale <= 65535, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "Panel %" PetscInt_FMT " of image %s would be %" PetscInt_FMT " x %" PetscInt_FMT " pixels at scale %" PetscInt_FMT ": lower the scale", i, path, panels[i].nx * style->scale, panels[i].ny * style->scale, style->scale);
  }
  PetscCall(ComputeLayout(npanels, panels, style, &L));

  npix = (size_t)L.width * (size_t)L.height;
  PetscCall(PetscMalloc1(3 * npix, &rgb));
  memset(rgb, 255, 3 * npix);
  x = L.margin;
  for (PetscInt i = 0; i < npanels; i++) {
    DrawPanel(rgb, &L, x, &panels[i], style);
    x += panels[i].nx * style->scale + L.gap;
  }
  if (style->label) FontDrawText(rgb, L.width, L.height, L.margin, L.margin, L.ts, style->label, ink);
  if (style->colorbar) DrawColorbar(rgb, &L, style);

  {
    EncodeCtx e = {L.width, L.height, rgb, &info};
    err         = UphillWriteFileAtomic(path, "wb", EncodeToFile, &e);
  }
  PetscCall(PetscFree(rgb));
  *oserr = err;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ImageWritePNG(const char *path, PetscInt npanels, const ImagePanel panels[], const ImageStyle *style)
{
  int err = 0;

  PetscFunctionBeginUser;
  PetscCall(ImageWritePNGStatus(path, npanels, panels, style, &err));
  PetscCheck(!err, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write image %s: %s", path, strerror(err));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode ImageReadPNG(const char *path, unsigned char **rgb, PetscInt *width, PetscInt *height)
{
  png_image        img;
  const png_color  white = {255, 255, 255};
  size_t           size;
  unsigned char   *buf;
  int              ok;

  PetscFunctionBeginUser;
  PetscCheck(path && path[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "ImageReadPNG needs a file name");
  PetscCheck(rgb && width && height, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "ImageReadPNG needs places for the pixels and the size");
  *rgb = NULL;
  memset(&img, 0, sizeof(img));
  img.version = PNG_IMAGE_VERSION;
  /* The simplified API converts gray, palette, 16-bit and alpha images to 8-bit RGB for us. */
  PetscCheck(png_image_begin_read_from_file(&img, path), PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "Cannot read image %s: %s", path, img.message);
  img.format = PNG_FORMAT_RGB;
  size       = PNG_IMAGE_SIZE(img);
  PetscCall(PetscMalloc1(size, &buf));
  ok = png_image_finish_read(&img, &white, buf, 0, NULL);
  if (!ok) {
    char msg[sizeof(img.message)];

    PetscCall(PetscStrncpy(msg, img.message, sizeof(msg)));
    png_image_free(&img);
    PetscCall(PetscFree(buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "Cannot read image %s: %s", path, msg);
  }
  *rgb    = buf;
  *width  = (PetscInt)img.width;
  *height = (PetscInt)img.height;
  PetscFunctionReturn(PETSC_SUCCESS);
}
