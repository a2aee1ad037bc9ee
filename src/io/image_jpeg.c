/* SPDX-License-Identifier: MIT */
/* JPEG decoding through libjpeg(-turbo) from memory.  libjpeg's fatal errors
 * arrive by longjmp; its warnings about damaged data (a premature end of the
 * file, corrupt entropy data) are treated as errors too, because it would
 * otherwise hand back a silently grey-filled image. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "image_codec.h"

typedef struct jpeg_session {
  struct jpeg_error_mgr manager; /* first, so libjpeg's err pointer is the session */
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  struct jpeg_decompress_struct cinfo; /* on the heap: still valid after the longjmp */
} jpeg_session;

static void fail(j_common_ptr cinfo) {
  jpeg_session *s = (jpeg_session *)cinfo->err;
  cinfo->err->format_message(cinfo, s->message);
  longjmp(s->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level) {
  /* level -1 is a warning: every one means damaged data (libjpeg repairs it
   * silently otherwise), including bytes between markers */
  if (level < 0) fail(cinfo);
}

geocl_status geocl_jpeg_decode(const void *bytes, size_t size, const char *name, const geocl_image_limits *lim,
                               geocl_image *img) {
  memset(img, 0, sizeof *img);
  jpeg_session *s = calloc(1, sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "%s: cannot create a JPEG decoder", name);
  struct jpeg_decompress_struct *cinfo = &s->cinfo;
  cinfo->err = jpeg_std_error(&s->manager);
  s->manager.error_exit = fail;
  s->manager.emit_message = on_message;
  if (setjmp(s->jump)) {
    if (s->message[0]) geocl_set_error(GEOCL_E_FORMAT, "%s: corrupt JPEG: %s", name, s->message);
    jpeg_destroy_decompress(cinfo);
    geocl_image_free(img);
    free(s);
    return geocl_last_status();
  }
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, (const unsigned char *)bytes, (unsigned long)size);
  if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
    snprintf(s->message, sizeof s->message, "no image in the file (tables only)");
    longjmp(s->jump, 1);
  }
  if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
    snprintf(s->message, sizeof s->message, "CMYK images are not supported");
    longjmp(s->jump, 1);
  }
  if (cinfo->image_width > GEOCL_IMAGE_MAX_SIDE || cinfo->image_height > GEOCL_IMAGE_MAX_SIDE) {
    snprintf(s->message, sizeof s->message, "%ux%u is larger than the limit of %d per side", cinfo->image_width,
             cinfo->image_height, GEOCL_IMAGE_MAX_SIDE);
    longjmp(s->jump, 1);
  }
  if (!geocl_image_size_allowed(lim, name, cinfo->image_width, cinfo->image_height)) longjmp(s->jump, 1);
  cinfo->out_color_space = cinfo->jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(cinfo);
  if (geocl_image_alloc(img, (int)cinfo->output_width, (int)cinfo->output_height, cinfo->output_components,
                        GEOCL_SAMPLE_U8) != GEOCL_OK) {
    snprintf(s->message, sizeof s->message, "out of memory");
    longjmp(s->jump, 1);
  }
  size_t stride = (size_t)img->width * img->channels;
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = (JSAMPROW)img->data + (size_t)cinfo->output_scanline * stride;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo); /* reads up to the EOI marker */
  jpeg_destroy_decompress(cinfo);
  free(s);
  return GEOCL_OK;
}
