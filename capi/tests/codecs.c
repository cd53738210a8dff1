/*
 * codecs.c: one short video per codec, chosen by the same names as everywhere else
 * (en_config_set(cfg, "codec", name)); the C layer has no codec code of its own. The test
 * script checks each file with ffprobe (animated WebP, which FFmpeg cannot decode, by its
 * frame chunks).
 *
 *   ./codecs OUTDIR      writes OUTDIR/<name>.<ext> and prints "<file> <codec>" per video
 */
#include <encode_native.h>
#include <stdio.h>
#include <stdlib.h>

enum { WIDTH = 96, HEIGHT = 64, FRAMES = 10 };

struct Case {
    const char *codec, *ext, *key, *value;
};

static const struct Case CASES[] = {
    {"h264", "mp4", NULL, NULL},
    {"hevc", "mp4", "preset", "ultrafast"},
    {"av1", "webm", "preset", "12"},
    {"libaom-av1", "mkv", "preset", "8"},
    {"rav1e", "mkv", "preset", "10"},
    {"vp9", "webm", "preset", "8"},
    {"prores", "mov", "pix_fmt", "yuva444p10le"},
    {"ffv1", "mkv", NULL, NULL},
    {"libx264rgb", "mkv", "crf", "0"},
    {"mpeg4", "avi", NULL, NULL},
    {"apng", "apng", NULL, NULL},
    {"webp", "webp", NULL, NULL},
    {"gif", "gif", "colors", "64"},
};

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    uint8_t *rgb = malloc((size_t)WIDTH * HEIGHT * 3);
    if (!rgb)
        return 1;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const struct Case *c = &CASES[i];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.%s", dir, c->codec, c->ext);
        EnConfig *cfg = en_config_new(WIDTH, HEIGHT, 10, 1);
        if (!cfg || en_config_set(cfg, "codec", c->codec) != EN_OK ||
            (c->key && en_config_set(cfg, c->key, c->value) != EN_OK)) {
            fprintf(stderr, "codecs: %s: %s\n", c->codec, en_last_error());
            return 1;
        }
        EnWriter *w = en_writer_open(cfg, path);
        en_config_free(cfg);
        if (!w) {
            fprintf(stderr, "codecs: %s: %s\n", c->codec, en_last_error());
            return 1;
        }
        for (int f = 0; f < FRAMES; f++) {
            for (int y = 0; y < HEIGHT; y++)
                for (int x = 0; x < WIDTH; x++) {
                    uint8_t *p = rgb + ((size_t)y * WIDTH + x) * 3;
                    p[0] = (uint8_t)(x * 255 / WIDTH);
                    p[1] = (uint8_t)(y * 255 / HEIGHT);
                    p[2] = (uint8_t)(f * 25);
                }
            if (en_writer_push(w, rgb, WIDTH * 3) != EN_OK) {
                fprintf(stderr, "codecs: %s: %s\n", c->codec, en_last_error());
                en_writer_discard(w);
                return 1;
            }
        }
        EnSummary s;
        s.size = sizeof s;
        if (en_writer_finish(w, &s) != EN_OK) {
            fprintf(stderr, "codecs: %s: %s\n", c->codec, en_last_error());
            return 1;
        }
        if (s.frames != FRAMES) {
            fprintf(stderr, "codecs: %s: %llu frames\n", c->codec, (unsigned long long)s.frames);
            return 1;
        }
        printf("%s %s\n", path, s.codec);
    }
    free(rgb);
    return 0;
}
