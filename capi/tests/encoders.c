/*
 * encoders.c: the encoder table (en_encoders) against the library itself. Every row names an
 * encoder en_config_set(cfg, "codec", ...) takes and at least one container; where a row has
 * a quality scale, a short video is written at its best and at its worst value (so the
 * numbers are what the library takes, not a copy of its help text); every named preset is
 * taken by "preset". libx264's row is checked by value.
 *
 *   ./encoders           prints one line per encoder, then "encoders: N rows, M videos"
 */
#include <encode_native.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIDTH = 64, HEIGHT = 64, FRAMES = 2 };

static int fail(const char *what, const char *name) {
    fprintf(stderr, "encoders: %s: %s (%s)\n", name, what, en_last_error());
    return 1;
}

/* Writes FRAMES frames with `codec` into memory, `key` set to `value` (when not NULL). */
static int write_one(const char *codec, const char *container, const char *key,
                     const char *value) {
    static uint8_t rgb[WIDTH * HEIGHT * 3];
    EnConfig *cfg = en_config_new(WIDTH, HEIGHT, 10, 1);
    if (!cfg || en_config_set(cfg, "codec", codec) != EN_OK ||
        en_config_set(cfg, "format", container) != EN_OK ||
        (key && en_config_set(cfg, key, value) != EN_OK)) {
        en_config_free(cfg);
        return -1;
    }
    EnWriter *w = en_writer_open_memory(cfg);
    en_config_free(cfg);
    if (!w)
        return -1;
    for (int f = 0; f < FRAMES; f++) {
        memset(rgb, 40 * f + 20, sizeof rgb);
        if (en_writer_push(w, rgb, WIDTH * 3) != EN_OK) {
            en_writer_discard(w);
            return -1;
        }
    }
    uint8_t *data = NULL;
    size_t len = 0;
    EnSummary s;
    s.size = sizeof s;
    if (en_writer_finish_memory(w, &data, &len, &s) != EN_OK)
        return -1;
    en_bytes_free(data, len);
    return s.frames == FRAMES && len > 0 ? 0 : -1;
}

int main(void) {
    size_t n = 0;
    const EnEncoderInfo *rows = en_encoders(&n);
    if (!rows || n == 0 || en_encoders(NULL) != rows)
        return fail("no table", "en_encoders");
    int videos = 0, x264 = 0;
    for (size_t i = 0; i < n; i++) {
        const EnEncoderInfo *e = &rows[i];
        if (!e->name || !e->codec || !e->containers || !e->containers[0] || !e->presets)
            return fail("a row without a name, codec, container or preset list", "row");
        EnConfig *cfg = en_config_new(WIDTH, HEIGHT, 10, 1);
        if (!cfg || en_config_set(cfg, "codec", e->name) != EN_OK)
            return fail("its name is not a codec en_config_set takes", e->name);
        for (const char *const *p = e->presets; *p; p++)
            if (en_config_set(cfg, "preset", *p) != EN_OK)
                return fail("a named preset that \"preset\" refuses", e->name);
        en_config_free(cfg);
        if (strcmp(e->name, "libx264") == 0) {
            x264 = 1;
            if (!e->quality_key || strcmp(e->quality_key, "crf") != 0 || e->quality_best != 0 ||
                e->quality_worst != 51 || e->quality_default != 23 || !e->presets[0] ||
                strcmp(e->presets[0], "ultrafast") != 0 || strcmp(e->codec, "h264") != 0)
                return fail("not crf 0 (best) to 51, default 23, presets from ultrafast", e->name);
        }
        if (!e->quality_key) {
            if (!isnan(e->quality_best) || !isnan(e->quality_worst))
                return fail("numbers without a quality setting", e->name);
            printf("%s: no quality scale\n", e->name);
            continue;
        }
        if (!e->available) {
            printf("%s: %s %g..%g (not in the linked FFmpeg)\n", e->name, e->quality_key,
                   e->quality_best, e->quality_worst);
            continue;
        }
        double ends[2] = {e->quality_best, e->quality_worst};
        for (int k = 0; k < 2; k++) {
            char value[32];
            snprintf(value, sizeof value, "%g", ends[k]);
            if (write_one(e->name, e->containers[0], e->quality_key, value) != 0)
                return fail(k ? "writing at its worst quality" : "writing at its best quality",
                            e->name);
            videos++;
        }
        printf("%s: %s %g..%g, default %g, written at both ends in %s\n", e->name,
               e->quality_key, e->quality_best, e->quality_worst, e->quality_default,
               e->containers[0]);
    }
    if (!x264)
        return fail("no libx264 row", "en_encoders");
    printf("encoders: %zu rows, %d videos\n", n, videos);
    return 0;
}
