/*
 * noise.c: five frames of random 1280x720 RGB noise into an MP4, the smallest complete use
 * of the library: settings, a writer on a file, push, finish, errors.
 *
 *   cc noise.c -o noise $(pkg-config --cflags --libs encode_native)
 *   ./noise noise.mp4
 */
#include <encode_native.h>
#include <stdio.h>
#include <stdlib.h>

enum { WIDTH = 1280, HEIGHT = 720, FRAMES = 5 };

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "noise.mp4";

    EnConfig *cfg = en_config_new(WIDTH, HEIGHT, 30, 1);
    if (!cfg || en_config_set(cfg, "preset", "ultrafast") != EN_OK) {
        fprintf(stderr, "noise: %s\n", en_last_error());
        return 1;
    }
    EnWriter *w = en_writer_open(cfg, path);
    en_config_free(cfg); /* the writer has its own copy */
    if (!w) {
        fprintf(stderr, "noise: %s\n", en_last_error());
        return 1;
    }

    size_t stride = WIDTH * 3; /* rgb24, the default in_pix_fmt */
    uint8_t *rgb = malloc(stride * HEIGHT);
    if (!rgb) {
        en_writer_discard(w);
        return 1;
    }
    srand(42);
    for (int i = 0; i < FRAMES; i++) {
        for (size_t k = 0; k < stride * HEIGHT; k++)
            rgb[k] = (uint8_t)(rand() >> 7);
        if (en_writer_push(w, rgb, stride) != EN_OK) { /* the buffer is free again on return */
            fprintf(stderr, "noise: %s\n", en_last_error());
            break;
        }
    }
    free(rgb);

    EnSummary s;
    s.size = sizeof s;
    if (en_writer_finish(w, &s) != EN_OK) { /* always frees w */
        fprintf(stderr, "noise: %s\n", en_last_error());
        return 1;
    }
    printf("%s: %llu frames, %ux%u, %.3f s, %s (%s) in %s, %llu bytes\n", path,
           (unsigned long long)s.frames, s.width, s.height, s.duration, s.codec, s.encoder,
           s.container, (unsigned long long)s.bytes);
    return 0;
}
