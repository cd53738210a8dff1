/*
 * gradient.c: a moving colour gradient encoded into memory, then written out by the program:
 * en_writer_open_memory, BGRA frames with padded rows (a stride larger than a row), and
 * en_writer_finish_memory / en_bytes_free.
 *
 *   cc gradient.c -o gradient $(pkg-config --cflags --libs encode_native) -lm
 *   ./gradient gradient.mp4
 */
#include <encode_native.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

enum { WIDTH = 640, HEIGHT = 360, FRAMES = 48, PAD = 64 };

static int fail(const char *what) {
    fprintf(stderr, "gradient: %s: %s\n", what, en_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "gradient.mp4";

    EnConfig *cfg = en_config_new(WIDTH, HEIGHT, 24, 1);
    if (!cfg)
        return fail("config");
    if (en_config_set(cfg, "in_pix_fmt", "bgra") != EN_OK ||
        en_config_set(cfg, "preset", "veryfast") != EN_OK ||
        en_config_set(cfg, "crf", "20") != EN_OK) {
        en_config_free(cfg);
        return fail("settings");
    }
    EnWriter *w = en_writer_open_memory(cfg);
    en_config_free(cfg);
    if (!w)
        return fail("open");

    /* Rows of WIDTH BGRA pixels, PAD bytes apart more than they need (as many image
       libraries lay them out). */
    size_t stride = WIDTH * 4 + PAD;
    uint8_t *bgra = calloc(stride, HEIGHT);
    if (!bgra) {
        en_writer_discard(w);
        return 1;
    }
    for (int i = 0; i < FRAMES; i++) {
        double t = (double)i / FRAMES;
        for (int y = 0; y < HEIGHT; y++) {
            uint8_t *row = bgra + (size_t)y * stride;
            for (int x = 0; x < WIDTH; x++) {
                double u = (double)x / WIDTH, v = (double)y / HEIGHT;
                row[4 * x + 0] = (uint8_t)(255 * v);                                  /* B */
                row[4 * x + 1] = (uint8_t)(127.5 + 127.5 * sin(6.2832 * (u + t)));   /* G */
                row[4 * x + 2] = (uint8_t)(255 * fmod(u + t, 1.0));                   /* R */
                row[4 * x + 3] = 255;                                                 /* A */
            }
        }
        if (en_writer_push(w, bgra, stride) != EN_OK) {
            free(bgra);
            en_writer_discard(w);
            return fail("push");
        }
    }
    free(bgra);

    uint8_t *mp4 = NULL;
    size_t len = 0;
    EnSummary s;
    s.size = sizeof s;
    if (en_writer_finish_memory(w, &mp4, &len, &s) != EN_OK) /* always frees w */
        return fail("finish");

    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(mp4, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    en_bytes_free(mp4, len);
    if (!ok) {
        perror(path);
        return 1;
    }
    printf("%s: %llu frames, %ux%u, %.3f s, %s in %s, %zu bytes from memory\n", path,
           (unsigned long long)s.frames, s.width, s.height, s.duration, s.codec, s.container,
           len);
    return 0;
}
